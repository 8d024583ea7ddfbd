// What a registered source is, and the one validation of its definition. Pure: the CLI, the catalog
// queries and the activities all go through `validateSourceDefinition`.
import { datePatternProblem, type PartitionLayout } from './partitions';
import { slicePatternProblem } from '../schema/slices';
import { defaultTableName, isHiveName } from '../schema/names';
import { CONFIGURED_FORMATS as SOURCE_FORMATS, type ConfiguredFormat as SourceFormat } from '../schema/formats';

export { defaultTableName, SOURCE_FORMATS, type SourceFormat };


export interface S3Location {
  bucket: string;
  prefix: string; // always ends with '/' (or is '' for a whole bucket)
}

export interface PostgresLocation {
  secretRef: string; // name of a secret the worker resolves; never the secret itself
  schema: string;
  table: string;
  cursorColumn: string;
}

/** A Kafka topic. The catalog keeps its own offsets per partition (never a consumer group's). */
export interface KafkaLocation {
  topic: string;
  /** A secret naming the brokers (`LAKE_SECRET_<NAME>=kafka://host:port,host:port`); absent: the catalog's
   *  own brokers (LAKE_KAFKA_BOOTSTRAP). */
  bootstrapRef?: string;
  /** The S3 source the topic's records land in: a schema change seen at the topic is shown there first. */
  landsIn?: string;
}

/** Fields a source's schema may have, nested ones included: a schema past it is not merged (a crawl of
 *  keys that are really values, e.g. ids as keys, would otherwise grow the catalog and the table without end). */
export const MAX_COLUMNS_PER_SOURCE = 100_000;

export interface SourceOptions {
  include?: string[];
  exclude?: string[];
  detectDates?: boolean;
  lookbackPartitions?: number; // incremental listings re-list this many of the newest known partitions
  batchObjects?: number; // at most this many objects per inference batch (default 64)
  /** The most fields the source's schema may have at every depth (default MAX_COLUMNS_PER_SOURCE). */
  maxColumns?: number;
  /** A stream of mixed records (JSON lines): split into logical sources by these fields, in order;
   *  a nested field is a dotted path (`device.os`). */
  discriminators?: string[];
  /** Top-level objects whose fields the logical sources' views show as `<object>_<field>` columns. */
  flatten?: string[];
  /** Names of the logical sources: `{stream}`, `{values}`, `{1}`..`{n}` (default `{stream}-{values}`). */
  slicePattern?: string;
}

interface SourceBase {
  name: string; // the public id: crawl/<name>
  schedule: string; // hourly | nightly | a cron expression
  targetDatabase: string;
  targetTable: string;
  options: SourceOptions;
  enabled: boolean;
}

export interface S3SourceDefinition extends SourceBase {
  kind: 's3';
  location: S3Location;
  format: SourceFormat;
  layout: PartitionLayout;
}

export interface PostgresSourceDefinition extends SourceBase {
  kind: 'postgres';
  location: PostgresLocation;
}

export interface KafkaSourceDefinition extends SourceBase {
  kind: 'kafka';
  location: KafkaLocation;
}

/** Where a logical source's records are: the records of stream `stream` whose discriminators have
 *  `values` (null: the remainder, records missing a discriminator). */
export interface LogicalLocation {
  stream: string;
  values: string[] | null;
}

/** One slice of a stream, registered by the crawl that first saw it. Its table is a view over the
 *  stream's table; `enabled` says whether it is active (published), new ones are not. */
export interface LogicalSourceDefinition extends SourceBase {
  kind: 'logical';
  location: LogicalLocation;
}

export type SourceDefinition = S3SourceDefinition | PostgresSourceDefinition | KafkaSourceDefinition | LogicalSourceDefinition;

export type Source = SourceDefinition & { id: number };

export interface SourceProblem {
  field: string;
  reason: string;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,99}$/;
const SQL_IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
/** A top-level field, or a dotted path into nested objects; each part non-empty. */
const DISCRIMINATOR = /^[^.\s]{1,128}(\.[^.\s]{1,128}){0,7}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Kafka's own rule for topic names. */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** Standard cron has five fields; Temporal also accepts these two words through the schedule spec. */
export function scheduleProblem(schedule: string): string | undefined {
  if (schedule === 'hourly' || schedule === 'nightly') return undefined;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `"${schedule}" is neither hourly, nightly nor a cron expression of five fields`;
  const field = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
  const bad = fields.find((f) => !field.test(f) && !/^[A-Za-z]{3}(-[A-Za-z]{3})?$/.test(f));
  return bad ? `cron field "${bad}" of "${schedule}" is not valid` : undefined;
}

/** The discriminators of a stream as paths the scanner takes (`device.os` -> ['device', 'os']). */
export function discriminatorPaths(options: SourceOptions): (string | string[])[] {
  return (options.discriminators ?? []).map((d) => (d.includes('.') ? d.split('.') : d));
}

/** Where a source's records are, in one line for people. */
export function whereIs(s: SourceDefinition): string {
  switch (s.kind) {
    case 's3':
      return `s3://${s.location.bucket}/${s.location.prefix} (${s.format}, ${s.layout.kind} layout${s.options.discriminators?.length ? `, split by ${s.options.discriminators.join(', ')}` : ''})`;
    case 'postgres':
      return `postgres ${s.location.secretRef}:${s.location.schema}.${s.location.table} (cursor ${s.location.cursorColumn})`;
    case 'kafka':
      return `kafka topic ${s.location.topic}${s.location.bootstrapRef ? ` at ${s.location.bootstrapRef}` : ''}${s.options.discriminators?.length ? `, split by ${s.options.discriminators.join(', ')}` : ''}`;
    case 'logical':
      return s.location.values === null ? `records of ${s.location.stream} missing a discriminator` : `records of ${s.location.stream} with ${s.location.values.join(', ')}`;
  }
}

/** Why a source has no table of its own in the metastore, in words for people; undefined when it has one.
 *  A database table or a topic is catalogued where it lives: engines read it there, not from the lake. */
export function unpublishedReason(s: SourceDefinition): string | undefined {
  switch (s.kind) {
    case 'postgres':
      return 'not published: a PostgreSQL table is catalogued where it lives';
    case 'kafka':
      return 'not published: a Kafka topic is catalogued where it lives';
    case 's3':
    case 'logical':
      return undefined;
  }
}

/** The metastore table a source is published as (`db.table`), or undefined when it has none. */
export function publishedTable(s: SourceDefinition): string | undefined {
  return unpublishedReason(s) === undefined ? `${s.targetDatabase}.${s.targetTable}` : undefined;
}

export function normalisePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

export function validateSourceDefinition(def: SourceDefinition): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const bad = (field: string, reason: string) => problems.push({ field, reason });
  if (!NAME.test(def.name)) bad('name', `"${def.name}" must be 1-100 of a-z 0-9 _ - and start with a letter or digit`);
  const s = scheduleProblem(def.schedule);
  if (s) bad('schedule', s);
  if (!isHiveName(def.targetDatabase)) bad('targetDatabase', `"${def.targetDatabase}" is not a Hive database name (a-z 0-9 _)`);
  if (!isHiveName(def.targetTable)) bad('targetTable', `"${def.targetTable}" is not a Hive table name (a-z 0-9 _)`);
  const lookback = def.options.lookbackPartitions;
  if (lookback !== undefined && (!Number.isInteger(lookback) || lookback < 0)) bad('options.lookbackPartitions', 'must be a non-negative integer');
  const maxColumns = def.options.maxColumns;
  if (maxColumns !== undefined && (!Number.isInteger(maxColumns) || maxColumns < 1 || maxColumns > 1_000_000)) bad('options.maxColumns', 'must be an integer from 1 to 1000000');
  const batch = def.options.batchObjects;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 10_000)) bad('options.batchObjects', 'must be an integer from 1 to 10000');
  const d = def.options.discriminators;
  if (d !== undefined) {
    if (def.kind !== 's3' && def.kind !== 'kafka') bad('options.discriminators', 'only a stream of JSON records (S3 JSON lines, a Kafka topic) is split into logical sources');
    else if (def.kind === 's3' && (def.format === 'csv' || def.format === 'parquet')) bad('options.discriminators', `a ${def.format} source is not a stream of mixed records: discriminators need JSON lines`);
    if (!Array.isArray(d) || d.length < 1 || d.length > 8) bad('options.discriminators', 'must list 1 to 8 fields');
    else {
      const badField = d.find((f) => typeof f !== 'string' || !DISCRIMINATOR.test(f));
      if (badField !== undefined) bad('options.discriminators', `"${badField}" is not a field name or dotted path (e.g. service, props.kind)`);
      else if (new Set(d).size !== d.length) bad('options.discriminators', 'names a field twice');
      const pattern = def.options.slicePattern === undefined ? undefined : slicePatternProblem(def.options.slicePattern, d.length);
      if (pattern) bad('options.slicePattern', pattern);
    }
  } else if (def.options.slicePattern !== undefined || def.options.flatten !== undefined) {
    bad(def.options.slicePattern !== undefined ? 'options.slicePattern' : 'options.flatten', 'only means something with options.discriminators');
  }
  const flatten = def.options.flatten;
  if (flatten !== undefined && (!Array.isArray(flatten) || flatten.some((f) => typeof f !== 'string' || !/^[^.\s]{1,128}$/.test(f)))) {
    bad('options.flatten', 'must list top-level field names');
  }
  if (def.kind === 'logical') {
    if (!NAME.test(def.location.stream)) bad('location.stream', `"${def.location.stream}" is not a source name`);
    if (def.location.values !== null && (!Array.isArray(def.location.values) || def.location.values.some((v) => typeof v !== 'string'))) {
      bad('location.values', 'must be a list of strings, or null for the remainder');
    }
  } else if (def.kind === 's3') {
    if (!BUCKET.test(def.location.bucket)) bad('location.bucket', `"${def.location.bucket}" is not a valid bucket name`);
    if (!SOURCE_FORMATS.includes(def.format)) bad('format', `"${def.format}" is not one of ${SOURCE_FORMATS.join(', ')}`);
    const pattern = def.layout.kind === 'date-path' ? datePatternProblem(def.layout.pattern) : undefined;
    if (pattern) bad('layout.pattern', pattern);
  } else if (def.kind === 'kafka') {
    const { topic, bootstrapRef, landsIn } = def.location;
    if (typeof topic !== 'string' || !TOPIC.test(topic) || topic === '.' || topic === '..') bad('location.topic', `"${topic}" is not a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)`);
    if (bootstrapRef !== undefined && !NAME.test(bootstrapRef.toLowerCase())) bad('location.bootstrapRef', `"${bootstrapRef}" is not a secret name`);
    if (landsIn !== undefined && !NAME.test(landsIn)) bad('location.landsIn', `"${landsIn}" is not a source name`);
    if (landsIn === def.name) bad('location.landsIn', 'a topic cannot land in itself');
  } else {
    if (!NAME.test(def.location.secretRef.toLowerCase())) bad('location.secretRef', `"${def.location.secretRef}" is not a secret name`);
    for (const f of ['schema', 'table', 'cursorColumn'] as const) {
      if (!SQL_IDENT.test(def.location[f])) bad(`location.${f}`, `"${def.location[f]}" is not a plain SQL identifier`);
    }
  }
  return problems;
}

export class InvalidSourceError extends Error {
  constructor(
    readonly source: string,
    readonly problems: SourceProblem[],
  ) {
    super(`source ${source} is invalid:\n${problems.map((p) => `  - ${p.field}: ${p.reason}`).join('\n')}`);
    this.name = 'InvalidSourceError';
  }
}
