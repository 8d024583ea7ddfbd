// What a published table looks like, as plain data, and how a published table must change to match it.
// Pure: no Thrift, no I/O. `publisher.ts` turns these decisions into metastore calls.
import { partitionName, partitionValuesFromName } from '../../crawl/partitions';

import type { Format } from '../../schema/formats';
import type { HiveColumn, TableRef } from '../../schema/hive';

export interface CsvOptions {
  separator: string;
  quote: string;
  escape: string;
  header: boolean;
}

/** Volume figures shown as table parameters (the names Glue crawlers write, which tools already read). */
export interface TableStatistics {
  recordCount: number;
  objectCount: number;
  sizeBytes: number;
  compression: 'gzip' | 'none';
}

export interface TableSpec extends TableRef {
  location: string; // s3a://bucket/prefix/
  format: Format;
  csv?: CsvOptions;
  columns: HiveColumn[];
  partitionKeys: HiveColumn[];
  /** Every parameter lake catalog owns on the table (see `tableParameters`). */
  parameters: Record<string, string>;
  /** JSON lines: Hive name → the JSON key it reads, where they differ (schema/hive.ts `publishedSchema`). */
  keyMapping?: Record<string, string>;
}

/** A view lake catalog owns (a logical source over its stream's table). */
export interface ViewSpec extends TableRef {
  columns: HiveColumn[];
  sql: string; // the SELECT, with every name qualified
  parameters: Record<string, string>; // must include MANAGED_PARAMETER and 'lake.source'
}

export interface PartitionSpec {
  values: string[]; // in the order of the table's partition keys
  location: string;
}

export interface Storage {
  inputFormat: string;
  outputFormat: string;
  serializationLib: string;
  serdeParameters: Record<string, string>;
}

/** The metastore keeps column comments in a varchar(256). */
export const MAX_COMMENT_LENGTH = 256;

export const MANAGED_PARAMETER = 'lake.managed';

/** The schema version a table or view was published from. */
export const SCHEMA_VERSION_PARAMETER = 'lake.schemaVersion';

/** Where views published before held their schema version: read, never written. */
const OLD_VIEW_SCHEMA_VERSION_PARAMETER = 'lake.schema.version';

/** The schema version a published table's or view's parameters name, or undefined. */
export function schemaVersionOf(parameters: Readonly<Record<string, string>>): number | undefined {
  const text = parameters[SCHEMA_VERSION_PARAMETER] ?? parameters[OLD_VIEW_SCHEMA_VERSION_PARAMETER];
  const version = text === undefined ? NaN : Number(text);
  return Number.isInteger(version) ? version : undefined;
}

export const OPENX_JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';

/**
 * The one place that says how each format is stored and read. Gzip needs nothing: the text input format
 * handles it. This is what a table and each of its partitions carry (engines read a partition with its
 * own storage); `tableStorage` adds what only the table says.
 *
 * JSON lines are read through the OpenX JSON SerDe: Trino reads it natively, Hive and Spark with its jar
 * (io.starburst.openx.data:json-serde on Maven Central). Hive's own JSON SerDes fail a whole query on one
 * malformed line and read a column NULL unless it is named exactly like its key; OpenX reads a malformed
 * line as a row of NULLs (`ignore.malformed.json`), matches keys case-insensitively, and reads a renamed
 * column's key through `mapping.<column>`.
 */
export function storageFor(format: Format, options: { csv?: CsvOptions; keyMapping?: Record<string, string> } = {}): Storage {
  const text = {
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  };
  switch (format) {
    case 'jsonl': {
      const mapping = Object.entries(options.keyMapping ?? {}).map(([column, key]) => [`mapping.${column}`, key]);
      return {
        ...text,
        serializationLib: OPENX_JSON_SERDE,
        serdeParameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'true', ...Object.fromEntries(mapping) },
      };
    }
    case 'csv': {
      const o = csvOptions(options.csv);
      return {
        ...text,
        serializationLib: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
        // The header count is a table parameter for Hive; engines reading a partition look at its own
        // storage properties, which include these SerDe parameters. The second set is the same dialect in
        // the words of Spark's CSV reader, which reads the table (see sparkDataSourceParameters).
        serdeParameters: {
          separatorChar: o.separator,
          quoteChar: o.quote,
          escapeChar: o.escape,
          ...(o.header ? { 'skip.header.line.count': '1' } : {}),
          sep: o.separator,
          quote: o.quote,
          escape: o.quote, // RFC 4180: a quote inside a quoted field is doubled
          header: String(o.header),
          multiLine: 'true',
        },
      };
    }
    case 'parquet':
      return {
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        serializationLib: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        serdeParameters: {},
      };
  }
}

function csvOptions(csv?: CsvOptions): CsvOptions {
  return csv ?? { separator: ',', quote: '"', escape: '\\', header: true };
}

/** The table's storage: its format's, and for a table Spark reads as a data source, its location as `path`. */
export function tableStorage(spec: TableSpec): Storage {
  const storage = storageFor(spec.format, spec);
  if (spec.format !== 'csv') return storage;
  return { ...storage, serdeParameters: { ...storage.serdeParameters, path: spec.location } };
}

/**
 * Spark's Hive reader ignores `skip.header.line.count` and reads a CSV file line by line, so headers come
 * back as rows and a quoted newline splits a record. A table whose parameters name a Spark data source
 * (the way Spark itself records the tables it creates) is read by Spark with that source instead, typed as
 * the catalog inferred, its partitions still listed from the metastore; Hive and Trino keep reading the
 * Hive storage. CSV tables get these; JSON and Parquet tables are read by Spark as Hive tables.
 */
export function sparkDataSourceParameters(spec: TableSpec): Record<string, string> {
  if (spec.format !== 'csv') return {};
  const field = (name: string, type: string) => ({ name, type, nullable: true, metadata: {} });
  const schema = JSON.stringify({
    type: 'struct',
    fields: [...spec.columns.map((c) => field(c.name.toLowerCase(), sparkType(c.type))), ...spec.partitionKeys.map((k) => field(k.name.toLowerCase(), 'string'))],
  });
  const params: Record<string, string> = {
    'spark.sql.sources.provider': 'csv',
    'spark.sql.partitionProvider': 'catalog',
    'spark.sql.sources.schema.numParts': String(Math.ceil(schema.length / SPARK_SCHEMA_PART)),
  };
  for (let i = 0; i * SPARK_SCHEMA_PART < schema.length; i++) params[`spark.sql.sources.schema.part.${i}`] = schema.slice(i * SPARK_SCHEMA_PART, (i + 1) * SPARK_SCHEMA_PART);
  if (spec.partitionKeys.length > 0) {
    params['spark.sql.sources.schema.numPartCols'] = String(spec.partitionKeys.length);
    spec.partitionKeys.forEach((k, i) => (params[`spark.sql.sources.schema.partCol.${i}`] = k.name.toLowerCase()));
  }
  return params;
}

/** The parameters lake catalog sets on a table: the spec's and those that tell Spark how to read it. */
export function ownedParameters(spec: TableSpec): Record<string, string> {
  return { ...spec.parameters, ...sparkDataSourceParameters(spec) };
}

/** Spark splits a schema across table parameters of this many characters (the metastore's value limit). */
const SPARK_SCHEMA_PART = 4000;

/** A scalar Hive type in Spark's JSON schema words; CSV cells are scalars. */
function sparkType(hive: string): string {
  const t = hive.toLowerCase();
  const names: Record<string, string> = { int: 'integer', bigint: 'long', smallint: 'short', tinyint: 'byte' };
  return names[t] ?? t;
}

/**
 * The columns as the storage can serve them. OpenCSVSerde hands every field to the engine as a string
 * (declaring bigint makes Spark fail casting), so a CSV table's columns are published as string and the
 * inferred type, which the catalog keeps, is named in the comment.
 */
export function storedColumns(format: Format, columns: HiveColumn[]): HiveColumn[] {
  if (format !== 'csv') return columns;
  return columns.map((c) =>
    c.type === 'string' ? c : { name: c.name, type: 'string', comment: [c.comment, `inferred type: ${c.type}`].filter(Boolean).join('; ') },
  );
}

export function tableParameters(input: {
  format: Format;
  csv?: CsvOptions;
  source: string;
  schemaVersion: number;
  lastCrawl: string; // ISO timestamp
  stats: TableStatistics;
}): Record<string, string> {
  const { stats } = input;
  const params: Record<string, string> = {
    EXTERNAL: 'TRUE',
    classification: input.format === 'jsonl' ? 'json' : input.format,
    compressionType: stats.compression,
    recordCount: String(stats.recordCount),
    objectCount: String(stats.objectCount),
    sizeKey: String(stats.sizeBytes),
    averageRecordSize: String(stats.recordCount > 0 ? Math.round(stats.sizeBytes / stats.recordCount) : 0),
    'lake.source': input.source,
    [SCHEMA_VERSION_PARAMETER]: String(input.schemaVersion),
    'lake.lastCrawl': input.lastCrawl,
    [MANAGED_PARAMETER]: 'true',
  };
  if (input.format === 'csv' && (input.csv?.header ?? true)) params['skip.header.line.count'] = '1';
  return params;
}

/** The parameters of a view lake catalog owns: its source (and stream, for a logical source's view), and the schema version it shows. */
export function viewParameters(input: { source: string; stream: string; schemaVersion: number }): Record<string, string> {
  return { [MANAGED_PARAMETER]: 'true', 'lake.source': input.source, 'lake.stream': input.stream, [SCHEMA_VERSION_PARAMETER]: String(input.schemaVersion) };
}

export function trimComment(comment: string | undefined): string | undefined {
  if (comment === undefined) return undefined;
  const t = comment.trim();
  if (t.length <= MAX_COMMENT_LENGTH) return t;
  return `${t.slice(0, MAX_COMMENT_LENGTH - 1)}…`;
}

/**
 * Columns in a stable order: those already published keep their place (first-seen order), new ones are
 * appended in the order the schema gives them. A published column absent from `desired` is dropped.
 */
export function orderColumns(published: HiveColumn[], desired: HiveColumn[]): HiveColumn[] {
  const wanted = new Map(desired.map((c) => [c.name.toLowerCase(), c]));
  const kept = published.map((c) => wanted.get(c.name.toLowerCase())).filter((c): c is HiveColumn => c !== undefined);
  const keptNames = new Set(kept.map((c) => c.name.toLowerCase()));
  return [...kept, ...desired.filter((c) => !keptNames.has(c.name.toLowerCase()))];
}

export interface PublishedTable {
  columns: HiveColumn[];
  partitionKeys: HiveColumn[];
  location: string;
  storage: Storage;
  parameters: Record<string, string>;
  /** The schema version it was published from (schemaVersionOf its parameters), when it names one. */
  schemaVersion?: number;
  /** A view's SELECT (Hive's expanded text); absent for a table. */
  viewText?: string;
}

export type TablePlan =
  | { action: 'create'; columns: HiveColumn[] }
  | { action: 'none' }
  | { action: 'alter'; columns: HiveColumn[]; cascade: boolean; reasons: string[] }
  | { action: 'refuse'; reason: string };

/** Decides what must happen to make the published table equal the spec. */
export function planTable(published: PublishedTable | undefined, spec: TableSpec): TablePlan {
  const desired = storedColumns(spec.format, spec.columns);
  const columns = (published ? orderColumns(published.columns, desired) : desired).map((c) => ({
    ...c,
    name: c.name.toLowerCase(),
    comment: trimComment(c.comment),
  }));
  if (!published) return { action: 'create', columns };
  if (published.parameters[MANAGED_PARAMETER] !== 'true') {
    return {
      action: 'refuse',
      reason: `table ${spec.database}.${spec.table} exists but is not managed by lake catalog (no ${MANAGED_PARAMETER}=true); it is never overwritten`,
    };
  }
  const reasons: string[] = [];
  const byName = new Map(published.columns.map((c) => [c.name.toLowerCase(), c]));
  let typeChanged = false;
  for (const c of columns) {
    const old = byName.get(c.name);
    if (!old) reasons.push(`add column ${c.name} ${c.type}`);
    else if (old.type.toLowerCase() !== c.type.toLowerCase()) {
      reasons.push(`change ${c.name} ${old.type} -> ${c.type}`);
      typeChanged = true;
    } else if ((old.comment ?? '') !== (c.comment ?? '')) reasons.push(`comment of ${c.name}`);
  }
  for (const old of published.columns) {
    if (!columns.some((c) => c.name === old.name.toLowerCase())) reasons.push(`drop column ${old.name}`);
  }
  if (columns.map((c) => c.name).join(',') !== published.columns.map((c) => c.name.toLowerCase()).join(',') && reasons.length === 0) {
    reasons.push('column order');
  }
  if (!samePartitionKeys(published.partitionKeys, spec.partitionKeys)) {
    return {
      action: 'refuse',
      reason: `table ${spec.database}.${spec.table} is partitioned by (${published.partitionKeys.map((k) => k.name).join(', ')}) but the source now has (${spec.partitionKeys.map((k) => k.name).join(', ')}); drop the table to republish it`,
    };
  }
  if (sameLocation(published.location, spec.location) === false) reasons.push(`location ${published.location} -> ${spec.location}`);
  if (!sameStorage(published.storage, tableStorage(spec))) reasons.push('storage format');
  for (const [k, v] of Object.entries(ownedParameters(spec))) {
    if (published.parameters[k] !== v) reasons.push(`parameter ${k}`);
  }
  if (reasons.length === 0) return { action: 'none' };
  // Partitions keep their own column list: when columns change, they must follow the table (CASCADE),
  // or old partitions would hide new fields and misread widened ones.
  const columnsChanged = reasons.some((r) => /^(add column|change|drop column|column order)/.test(r));
  return { action: 'alter', columns, cascade: columnsChanged || typeChanged, reasons };
}

/** The metastore stores locations without a trailing slash. */
export function sameLocation(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function samePartitionKeys(a: HiveColumn[], b: HiveColumn[]): boolean {
  return a.length === b.length && a.every((k, i) => k.name.toLowerCase() === b[i].name.toLowerCase() && k.type === b[i].type);
}

export function sameStorage(a: Storage, b: Storage): boolean {
  return JSON.stringify(normaliseStorage(a)) === JSON.stringify(normaliseStorage(b));
}

function normaliseStorage(s: Storage): Storage {
  return { ...s, serdeParameters: Object.fromEntries(Object.entries(s.serdeParameters).sort(([a], [b]) => a.localeCompare(b))) };
}

/** Which partitions to add and which to drop so the metastore holds exactly `desired`. */
export function planPartitions(
  keys: string[],
  publishedNames: string[],
  desired: PartitionSpec[],
): { add: PartitionSpec[]; drop: string[][] } {
  const published = new Set(publishedNames);
  const wanted = new Set(desired.map((p) => partitionName(keys, p.values)));
  return {
    add: desired.filter((p) => !published.has(partitionName(keys, p.values))),
    drop: publishedNames.filter((n) => !wanted.has(n)).map(partitionValuesFromName),
  };
}
