// What a registered source is, and the one validation of its definition. Pure: the CLI, the catalog
// queries and the activities all go through `validateSourceDefinition`.
import { datePatternProblem, type PartitionLayout } from './plan';

export type SourceFormat = 'auto' | 'jsonl' | 'jsonl.gz' | 'csv' | 'parquet';
export const SOURCE_FORMATS: readonly SourceFormat[] = ['auto', 'jsonl', 'jsonl.gz', 'csv', 'parquet'];

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

export interface SourceOptions {
  include?: string[];
  exclude?: string[];
  detectDates?: boolean;
  lookbackPartitions?: number; // incremental listings re-list this many of the newest known partitions
  batchObjects?: number; // at most this many objects per inference batch (default 64)
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

export type SourceDefinition = S3SourceDefinition | PostgresSourceDefinition;

export type Source = SourceDefinition & { id: number };

export interface SourceProblem {
  field: string;
  reason: string;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,99}$/;
const HIVE_NAME = /^[a-z_][a-z0-9_]{0,127}$/;
const SQL_IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Standard cron has five fields; Temporal also accepts these two words through the schedule spec. */
export function scheduleProblem(schedule: string): string | undefined {
  if (schedule === 'hourly' || schedule === 'nightly') return undefined;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `"${schedule}" is neither hourly, nightly nor a cron expression of five fields`;
  const field = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
  const bad = fields.find((f) => !field.test(f) && !/^[A-Za-z]{3}(-[A-Za-z]{3})?$/.test(f));
  return bad ? `cron field "${bad}" of "${schedule}" is not valid` : undefined;
}

/** Hive names are lower case; a source name becomes a table name by turning `-` into `_`. */
export function defaultTableName(sourceName: string): string {
  const t = sourceName.replace(/-/g, '_');
  return /^[a-z_]/.test(t) ? t : `t_${t}`;
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
  if (!HIVE_NAME.test(def.targetDatabase)) bad('targetDatabase', `"${def.targetDatabase}" is not a Hive database name (a-z 0-9 _)`);
  if (!HIVE_NAME.test(def.targetTable)) bad('targetTable', `"${def.targetTable}" is not a Hive table name (a-z 0-9 _)`);
  const lookback = def.options.lookbackPartitions;
  if (lookback !== undefined && (!Number.isInteger(lookback) || lookback < 0)) bad('options.lookbackPartitions', 'must be a non-negative integer');
  const batch = def.options.batchObjects;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 10_000)) bad('options.batchObjects', 'must be an integer from 1 to 10000');
  if (def.kind === 's3') {
    if (!BUCKET.test(def.location.bucket)) bad('location.bucket', `"${def.location.bucket}" is not a valid bucket name`);
    if (!SOURCE_FORMATS.includes(def.format)) bad('format', `"${def.format}" is not one of ${SOURCE_FORMATS.join(', ')}`);
    const pattern = def.layout.kind === 'date-path' ? datePatternProblem(def.layout.pattern) : undefined;
    if (pattern) bad('layout.pattern', pattern);
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
