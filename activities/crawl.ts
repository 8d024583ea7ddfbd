// The crawl's activities. Each is idempotent: it first looks at what the catalog already records for
// the run (a planned run, an inferred batch, a merged or published run) and returns that instead of
// doing the work twice. Bad data is recorded, never thrown; only outages throw (and are retried).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import { MetastoreError, type MetastoreClient } from '../adapters/metastore/client';
import { publishTable, PublishRefusedError } from '../adapters/metastore/publisher';
import { tableParameters, type CsvOptions } from '../adapters/metastore/table-spec';
import { formatOfKey, type Format as TableFormat } from '../schema/formats';
import { inferObject, listObjects, listPartitionPrefixes, s3Uri } from '../adapters/s3-objects';
import { countNewRows, readNewRows, readTableSchema, SourceTableError } from '../adapters/postgres-source';
import { resolveSecret, SecretError } from '../adapters/secrets';
import {
  batchObjects,
  classifyObjects,
  compileGlobs,
  deletionGuard,
  parsePartition,
  partitionKeysOf,
  planListing,
  type ObjectInfo,
} from '../crawl/plan';
import { readSampleRecords } from '../adapters/sample-reader';
import type { SampleRow } from '../crawl/profile';
import type { BatchSummary, CrawlCounts, CrawlPlan, CrawlSummary, InferProgress, MergeSummary, PublishSummary } from '../crawl/run';
import { discriminatorPaths, InvalidSourceError, MAX_COLUMNS_PER_SOURCE, type PostgresSourceDefinition, type S3SourceDefinition, type Source, type SourceOptions } from '../crawl/source';
import { getSource, UnknownSourceError } from '../db/sources';
import { PROFILE, recordProfile, recordStats, recordVolumes } from '../db/profiles';
import { maskingOf, storedRows } from '../db/identifying';
import { REMAINDER_KEY } from '../crawl/logical';
import type { PartitionKeyCheck, PartitionKeyMismatch } from '../schema/infer/partition-keys';
import type { CsvDialect } from '../schema/infer/csv';
import { mergeSlices, publishSliceViews } from './slices';
import { notifySourceHolders } from '../db/governance';
import { diffVersion, EMPTY_RESULT, mergeResults, mergeSchemas, NUMERIC_KINDS, StatsAccumulator, publishedSchema, toHiveColumns, type InferenceResult, type Schema } from '../schema';
import { fieldCount } from '../schema/fields';
import { statsPathOf } from '../schema/stats';

export interface CrawlDeps {
  db: Knex;
  s3: S3Client;
  metastore: MetastoreClient;
}

/** One object of a batch, as planned: enough to read it and to record it in the manifest. */
export interface PlannedObject extends ObjectInfo {
  partition: string; // path relative to the source prefix, '' when unpartitioned
  keys: string[];
  values: string[];
  format: TableFormat;
  gzip: boolean;
}

/** A window of rows of a database table source. */
export interface PlannedTableWindow {
  after: string | null;
}

interface ObjectStats {
  key: string;
  etag: string;
  size: number;
  lastModified: string;
  partition: string;
  keys: string[];
  values: string[];
  format: TableFormat;
  gzip: boolean;
  records: number;
  corruptRecords: number;
  /** Records whose own partition key values differ from the path's, and the first of them. */
  keyMismatches?: number;
  firstKeyMismatch?: PartitionKeyMismatch;
  /** CSV: the delimiter and header the object was read with. */
  csv?: CsvDialect;
  slices?: Record<string, number>; // a stream's object: records per slice key (`keyOfSlice`)
  sliceCorrupt?: Record<string, number>; // and corrupt lines per slice key, where there are any
}

/** What one slice of a stream holds in a batch. */
export interface BatchSlice {
  values: string[] | null; // null: the remainder
  result: InferenceResult;
}

export interface BatchResult {
  result: InferenceResult;
  objects: ObjectStats[];
  slices?: Record<string, BatchSlice>; // a stream's batch: by slice key (`keyOfSlice`)
  samples?: SampleRow[]; // records from the head of one object per partition, for samples and statistics
  maxCursor?: string | null; // table sources: the highest cursor value read
  rows?: number;
}

/** What a batch keeps once its run is merged: its summary. Its result (schema, statistics, samples) is
 *  the merge's now, and its samples must not stay in a second place. */
interface PrunedBatch {
  pruned: BatchSummary;
}

const BATCH_LIMITS = { maxObjects: 64, maxBytes: 256 * 1024 * 1024 };
/** A stream's head is split among its slices: read more of it, so that more slices get samples. */
const STREAM_PROFILE = { maxRecords: 2000, maxBytes: 2 * 1024 * 1024 };
const DEFAULT_LOOKBACK = 2;
/** Consecutive failed crawls after which the people holding access to a source are told. */
const FAILING_RUNS = 3;

// --- planning -------------------------------------------------------------------------------------

export interface PlanInput {
  sourceId: string;
  workflowId: string;
  workflowRunId: string;
  kind: 'crawl' | 'backfill';
  full: boolean;
  range?: { from: string; to: string };
  force?: boolean; // let a listing delete more than the fail-safe allows
}

/** Errors no retry can fix: the definition, the table or the secret is wrong. A person must act. */
function nonRetryable(err: unknown): never {
  if (
    err instanceof InvalidSourceError ||
    err instanceof UnknownSourceError ||
    err instanceof PublishRefusedError ||
    err instanceof SourceTableError ||
    err instanceof SecretError ||
    (err instanceof MetastoreError && !err.retryable) // the metastore refused the change itself
  ) {
    throw ApplicationFailure.nonRetryable(err.message, err.name);
  }
  throw err;
}

async function loadSource(db: Knex, name: string): Promise<Source> {
  try {
    return await getSource(db, name);
  } catch (e) {
    return nonRetryable(e);
  }
}

/** Lists and classifies an S3 source's objects; reads the catalog, writes nothing (also `lake crawl --dry-run`). */
export async function planS3(deps: Pick<CrawlDeps, 'db' | 's3'>, source: S3SourceDefinition & { id: number }, input: Pick<PlanInput, 'kind' | 'full' | 'range' | 'force'>) {
  const { bucket, prefix } = source.location;
  const globs = compileGlobs(source.options.include ?? [], source.options.exclude ?? []);
  if ('error' in globs) throw new InvalidSourceError(source.name, [{ field: 'options.include/exclude', reason: globs.error }]);

  const manifest = await deps.db('source_objects')
    .where({ source_id: source.id })
    .select('key', 'etag', 'size', 'last_modified as lastModified', 'partition');
  const knownPartitions = [...new Set(manifest.map((m: { partition: string }) => m.partition).filter(Boolean))] as string[];
  const listing = planListing({
    prefix,
    layout: source.layout,
    knownPartitions,
    lookbackPartitions: source.options.lookbackPartitions ?? DEFAULT_LOOKBACK,
    full: input.full || input.kind === 'backfill',
  });

  let listed: ObjectInfo[] = [];
  let scope: string[] | undefined;
  if (listing.full) {
    for await (const o of listObjects(deps.s3, bucket, prefix)) listed.push(o);
  } else {
    const prefixes = await listPartitionPrefixes(deps.s3, bucket, prefix, listing.depth);
    scope = listing.select(prefixes.map((p) => p.slice(prefix.length)));
    for (const partition of scope) {
      for await (const o of listObjects(deps.s3, bucket, prefix + partition)) listed.push(o);
    }
  }

  const planned: PlannedObject[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const o of listed) {
    const relative = o.key.slice(prefix.length);
    if (!globs.matches(relative)) continue;
    const format = formatOfKey(o.key, source.format);
    if (!format) continue; // not a data file (e.g. _SUCCESS, a README)
    const partition = parsePartition(o.key, prefix, source.layout);
    if ('reason' in partition) {
      skipped.push({ file: s3Uri(bucket, o.key), reason: partition.reason });
      continue;
    }
    planned.push({ ...o, partition: partition.path, keys: partition.keys, values: partition.values, format: format.format, gzip: format.gzip });
  }

  const consistent = partitionKeysOf(planned);
  if ('error' in consistent) {
    throw new InvalidSourceError(source.name, [{ field: 'layout', reason: `${consistent.error} (e.g. ${s3Uri(bucket, consistent.key)})` }]);
  }

  let toRead: PlannedObject[];
  let deleted: string[] = [];
  const counts: CrawlCounts = { added: 0, changed: 0, deleted: 0, unchanged: 0, files: 0, bytes: 0 };
  if (input.kind === 'backfill') {
    const { from, to } = input.range!;
    toRead = planned.filter((o) => {
      const day = o.values[o.keys.indexOf('date_id')];
      return day !== undefined && day >= from && day <= to;
    });
    scope = [...new Set(toRead.map((o) => o.partition))];
    counts.changed = toRead.length;
  } else {
    const c = classifyObjects(planned, manifest, { partitions: scope });
    const guard = deletionGuard(manifest.length, c.deleted.length);
    if (guard && !input.force) {
      throw ApplicationFailure.nonRetryable(`${source.name}: ${guard.error}`, 'DeletionGuardError');
    }
    const byKey = new Map(planned.map((o) => [o.key, o]));
    toRead = [...c.added, ...c.changed].map((o) => byKey.get(o.key)!);
    deleted = c.deleted.map((o) => o.key);
    Object.assign(counts, { added: c.added.length, changed: c.changed.length, deleted: deleted.length, unchanged: c.unchanged.length });
  }
  counts.files = toRead.length;
  counts.bytes = toRead.reduce((n, o) => n + o.size, 0);
  const batches = batchObjects(toRead, { ...BATCH_LIMITS, maxObjects: source.options.batchObjects ?? BATCH_LIMITS.maxObjects });
  const format = [...new Set(planned.map((o) => o.format))].join('+') || (source.format === 'auto' ? 'unknown' : source.format);
  return { batches: batches as unknown[][], counts, scope: { partitions: scope ?? null, deleted, skipped, range: input.range ?? null }, format };
}

async function planPostgres(deps: CrawlDeps, source: PostgresSourceDefinition & { id: number }, input: PlanInput) {
  const cursor = await deps.db('source_cursors').where({ source_id: source.id }).first();
  const after = input.kind === 'backfill' ? null : (cursor?.value ?? null);
  const url = resolveSecret(source.location.secretRef);
  const newRows = await countNewRows(url, { ...source.location, after });
  const window: PlannedTableWindow = { after };
  const counts: CrawlCounts = { added: newRows, changed: 0, deleted: 0, unchanged: 0, files: 1, bytes: 0 };
  return { batches: [[window]] as unknown[][], counts, scope: { after }, format: 'table' };
}

async function describe(db: Knex, runId: number): Promise<CrawlPlan> {
  const run = await db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('crawl_runs.id', runId)
    .select('crawl_runs.id', 'crawl_runs.counts', 'crawl_runs.summary', 'sources.name', 'sources.kind').first();
  const [{ n }] = await db('crawl_batches').where({ run_id: runId }).count<{ n: string }[]>({ n: '*' });
  return { runId, sourceId: run.name, sourceKind: run.kind, format: run.summary.format ?? 'unknown', batches: Number(n), counts: run.counts };
}

// --- inference ------------------------------------------------------------------------------------

/** Infers a batch of objects; reports progress to `onProgress` (the activity heartbeats it). Writes nothing. */
export async function inferS3Batch(
  deps: Pick<CrawlDeps, 's3'>,
  source: S3SourceDefinition,
  objects: PlannedObject[],
  onProgress: (p: InferProgress) => void = (p) => Context.current().heartbeat(p),
): Promise<BatchResult> {
  const progress: InferProgress = { filesDone: 0, filesTotal: objects.length, bytesDone: 0 };
  const heartbeat = () => onProgress(progress);
  let result: InferenceResult = EMPTY_RESULT;
  const stats: ObjectStats[] = [];
  const samples: SampleRow[] = [];
  const sampled = new Set<string>();
  const discriminators = discriminatorPaths(source.options);
  const slices: Record<string, BatchSlice> = {};
  const head = discriminators.length ? STREAM_PROFILE : PROFILE;
  for (const o of objects) {
    const file = s3Uri(source.location.bucket, o.key);
    if (!sampled.has(o.partition)) {
      sampled.add(o.partition);
      const records = await readSampleRecords(deps.s3, source.location.bucket, o, { format: o.format, gzip: o.gzip, maxRecords: head.maxRecords, maxBytes: head.maxBytes });
      for (const record of records) samples.push({ partition: o.partition, file, record });
    }
    const before = progress.bytesDone;
    const options = {
      format: o.format,
      gzip: o.gzip,
      detectDates: source.options.detectDates ?? false,
      stats: true,
      file,
      partition: { keys: o.keys, values: o.values },
      onProgress: (bytes: number) => {
        progress.bytesDone = before + bytes;
        heartbeat();
      },
    };
    let r: InferenceResult;
    let checked: PartitionKeyCheck | undefined;
    let dialect: CsvDialect | undefined;
    let perSlice: Record<string, number> | undefined;
    let sliceCorrupt: Record<string, number> | undefined;
    if (discriminators.length && o.format === 'jsonl') {
      const { grouped, partitionKeys } = await inferObject(deps.s3, source.location.bucket, o, { ...options, discriminators });
      r = grouped.stream;
      checked = partitionKeys;
      perSlice = {};
      const add = (key: string, values: string[] | null, sr: InferenceResult) => {
        if (sr.records === 0 && sr.corruptRecords === 0) return;
        if (sr.records > 0) perSlice![key] = sr.records;
        if (sr.corruptRecords > 0) (sliceCorrupt ??= {})[key] = sr.corruptRecords;
        const had = slices[key];
        slices[key] = { values, result: had ? mergeResults(had.result, sr) : sr };
      };
      for (const [key, s] of Object.entries(grouped.slices)) add(key, s.values, s.result);
      add(REMAINDER_KEY, null, grouped.remainder);
    } else {
      // a stream's CSV or Parquet object is not split: its records count for the stream only
      ({ result: r, partitionKeys: checked, csv: dialect } = await inferObject(deps.s3, source.location.bucket, o, options));
    }
    result = mergeResults(result, r);
    progress.filesDone += 1;
    progress.bytesDone = before + o.size;
    heartbeat();
    stats.push({
      key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified, partition: o.partition, keys: o.keys, values: o.values,
      format: o.format, gzip: o.gzip, records: r.records, corruptRecords: r.corruptRecords, ...(perSlice ? { slices: perSlice } : {}), ...(sliceCorrupt ? { sliceCorrupt } : {}),
      ...(checked?.mismatches ? { keyMismatches: checked.mismatches, firstKeyMismatch: checked.first } : {}),
      ...(dialect ? { csv: dialect } : {}),
    });
  }
  return { result, objects: stats, samples, ...(discriminators.length ? { slices } : {}) };
}

async function inferTableWindow(source: PostgresSourceDefinition, window: PlannedTableWindow): Promise<BatchResult> {
  const url = resolveSecret(source.location.secretRef);
  const schema = await readTableSchema(url, source.location.schema, source.location.table);
  let rows = 0;
  let maxCursor: string | null = window.after;
  const samples: SampleRow[] = [];
  const stats = new StatsAccumulator(); // over every row read
  const numeric = new Set(schema.columns.filter((c) => NUMERIC_KINDS.has(c.type.kind)).map((c) => statsPathOf([c.name])));
  const file = `pg://${source.location.secretRef}/${source.location.schema}.${source.location.table}`;
  for await (const batch of readNewRows(url, { ...source.location, after: window.after, batchSize: 5000 })) {
    for (const row of batch.rows.slice(0, PROFILE.maxRecords - samples.length)) {
      samples.push({ partition: '', file, record: JSON.parse(JSON.stringify(row)) }); // Dates to ISO text
    }
    for (const row of batch.rows) stats.observe(row, numeric);
    rows += batch.rows.length;
    if (batch.maxCursor !== null && batch.maxCursor !== undefined) maxCursor = String(batch.maxCursor);
    Context.current().heartbeat({ filesDone: 0, filesTotal: 1, bytesDone: 0, rows });
  }
  return { result: { ...EMPTY_RESULT, schema, records: rows, stats: stats.toJSON() }, objects: [], maxCursor, rows, samples };
}

function summariseBatch(batchNo: number, r: BatchResult, bytesRead: number): BatchSummary {
  return { batchNo, files: r.objects.length || 1, bytesRead, records: r.result.records, corruptRecords: r.result.corruptRecords };
}

type BatchRow = { batch_no: number; status: string; result: BatchResult | PrunedBatch | null; bytes_read: string | null };

/** Replaces the inferred results of a run's batches by their summaries: once the run is merged (or has
 *  failed: a failed run is never merged), nothing reads them again, and they hold sample records. */
async function pruneBatches(db: Knex, runId: number, loaded?: BatchRow[]): Promise<void> {
  const batches: BatchRow[] = loaded ?? (await db('crawl_batches').where({ run_id: runId }).select('batch_no', 'status', 'result', 'bytes_read'));
  for (const b of batches) {
    if (b.status !== 'inferred' || b.result === null || 'pruned' in b.result) continue;
    const pruned: PrunedBatch = { pruned: summariseBatch(b.batch_no, b.result, Number(b.bytes_read)) };
    await db('crawl_batches').where({ run_id: runId, batch_no: b.batch_no }).update({ result: JSON.stringify(pruned) });
  }
}

/**
 * How engines must read a CSV table: the one delimiter and header its objects were read with. A table has
 * one (Spark reads every partition with the table's), so objects that differ are refused by name.
 */
function tableCsvOptions(source: string, objects: { key: string; csv_dialect: CsvDialect | null }[]): CsvOptions {
  const byDialect = new Map<string, string[]>();
  for (const o of objects) {
    if (!o.csv_dialect) continue; // empty, or read before dialects were recorded
    const d = JSON.stringify(o.csv_dialect);
    byDialect.set(d, [...(byDialect.get(d) ?? []), o.key]);
  }
  if (byDialect.size > 1) {
    const described = [...byDialect].map(([d, keys]) => {
      const { delimiter, header } = JSON.parse(d) as CsvDialect;
      return `${JSON.stringify(delimiter)} ${header ? 'with' : 'without'} a header (${keys.length} object(s), e.g. ${keys[0]})`;
    });
    throw ApplicationFailure.nonRetryable(`${source} mixes CSV dialects: ${described.join('; ')}; one table reads one: narrow it with include globs`, 'PublishRefusedError');
  }
  const only = [...byDialect.keys()][0];
  const dialect: CsvDialect = only ? JSON.parse(only) : { delimiter: ',', header: true };
  return { separator: dialect.delimiter, quote: '"', escape: '\\', header: dialect.header };
}

// --- merge ----------------------------------------------------------------------------------------

/** Volumes of partitions from the manifest; a partition left with no object is dropped. Every partition
 *  named here has its row already (created when its first object was recorded). */
async function recomputePartitions(trx: Knex.Transaction, sourceId: number, partitions: string[]): Promise<void> {
  for (const path of partitions) {
    const agg = await trx('source_objects')
      .where({ source_id: sourceId, partition: path })
      .first(
        trx.raw('count(*)::int as objects'),
        trx.raw('coalesce(sum(records), 0)::bigint as records'),
        trx.raw('coalesce(sum(size), 0)::bigint as bytes'),
        trx.raw('coalesce(sum(corrupt_records), 0)::bigint as corrupt'),
        trx.raw('coalesce(sum(key_mismatches), 0)::bigint as mismatches'),
      );
    if (!agg || Number(agg.objects) === 0) {
      await trx('source_partitions').where({ source_id: sourceId, path }).delete();
      await trx('partition_profiles').where({ source_id: sourceId, path }).delete();
      continue;
    }
    await trx('source_partitions')
      .where({ source_id: sourceId, path })
      .update({ objects: Number(agg.objects), records: Number(agg.records), bytes: Number(agg.bytes), corrupt_records: Number(agg.corrupt), key_mismatches: Number(agg.mismatches), updated_at: trx.fn.now() });
  }
}

async function upsertPartition(
  trx: Knex.Transaction,
  sourceId: number,
  path: string,
  kv: { keys: string[]; values: string[] },
  v: { objects: number; records: number; bytes: number; corrupt: number; mismatches: number },
): Promise<void> {
  const row = {
    source_id: sourceId,
    path,
    keys: JSON.stringify(kv.keys),
    values: JSON.stringify(kv.values),
    objects: v.objects,
    records: v.records,
    bytes: v.bytes,
    corrupt_records: v.corrupt,
    key_mismatches: v.mismatches,
    updated_at: trx.fn.now(),
  };
  await trx('source_partitions').insert(row).onConflict(['source_id', 'path']).merge();
}

// --- the activities -------------------------------------------------------------------------------

export function createCrawlActivities(deps: CrawlDeps) {
  return {
    async planCrawl(input: PlanInput): Promise<CrawlPlan> {
      const existing = await deps.db('crawl_runs').where({ workflow_run_id: input.workflowRunId }).first('id');
      if (existing) return describe(deps.db, existing.id);
      const source = await loadSource(deps.db, input.sourceId);
      if (source.kind === 'logical') {
        throw ApplicationFailure.nonRetryable(`${source.name} is a logical source of ${source.location.stream}: crawl ${source.location.stream}`, 'InvalidSourceError');
      }
      const planned = await (source.kind === 's3' ? planS3(deps, source, input) : planPostgres(deps, source, input)).catch(nonRetryable);
      const runId = await deps.db.transaction(async (trx) => {
        const [run] = await trx('crawl_runs')
          .insert({
            source_id: source.id,
            workflow_id: input.workflowId,
            workflow_run_id: input.workflowRunId,
            kind: input.kind,
            scope: JSON.stringify(planned.scope),
            counts: JSON.stringify(planned.counts),
            summary: JSON.stringify({ format: planned.format }),
          })
          .onConflict('workflow_run_id')
          .ignore()
          .returning('id');
        if (!run) return (await trx('crawl_runs').where({ workflow_run_id: input.workflowRunId }).first('id')).id as number;
        const rows = planned.batches.map((objects, batchNo) => ({ run_id: run.id, batch_no: batchNo, objects: JSON.stringify(objects) }));
        for (let i = 0; i < rows.length; i += 500) await trx('crawl_batches').insert(rows.slice(i, i + 500));
        return run.id as number;
      });
      return describe(deps.db, runId);
    },

    async describeRun(input: { runId: number }): Promise<CrawlPlan> {
      return describe(deps.db, input.runId);
    },

    async mergeCrawl(input: { runId: number }): Promise<MergeSummary> {
      return deps.db.transaction(async (trx) => {
        const run = await trx('crawl_runs').where({ id: input.runId }).forUpdate().first();
        if (run.summary.merged) return run.summary.merged as MergeSummary;
        const source = await trx('sources').where({ id: run.source_id }).first('id', 'kind', 'name', 'options');
        const batches = await trx('crawl_batches').where({ run_id: run.id }).orderBy('batch_no');
        const pending = batches.filter((b: { status: string }) => b.status !== 'inferred');
        if (pending.length) throw new Error(`run ${run.id}: ${pending.length} batch(es) not inferred yet`);
        const results = batches.map((b: { result: BatchResult }) => b.result);
        const combined = results.reduce((acc: InferenceResult, r: BatchResult) => mergeResults(acc, r.result), EMPTY_RESULT);

        // the schema only grows: fields missing from new data stay (they are nullable)
        const latest = await trx('schema_versions').where({ source_id: source.id }).orderBy('version', 'desc').first();
        const previous: Schema | undefined = latest?.schema;
        const next = previous ? mergeSchemas(previous, combined.schema) : combined.schema;
        const limit = (source.options as SourceOptions | null)?.maxColumns ?? MAX_COLUMNS_PER_SOURCE;
        const fields = fieldCount(next);
        if (fields > limit) {
          throw ApplicationFailure.nonRetryable(
            `${source.name}: this crawl would give the schema ${fields} fields (nested ones included), past the limit of ${limit} per source (options.maxColumns); nothing was merged. Keys that are really values (ids, dates) belong in a map or an array: narrow the source with include globs, or raise the limit`,
            'ColumnLimitError',
          );
        }
        const diff = diffVersion(previous, next);
        let version = latest?.version ?? 0;
        let change: MergeSummary['change'] = 'none';
        if (!latest || diff.change !== 'none') {
          version += 1;
          change = latest ? diff.change as 'additive' | 'breaking' : 'initial';
          await trx('schema_versions').insert({
            source_id: source.id,
            version,
            schema: JSON.stringify(next),
            changes: JSON.stringify(diff.changes),
            change_class: change,
            run_id: run.id,
          });
          // who uses what: each active holder of the source is told of an incompatible change, once per version
          if (change === 'breaking') {
            await notifySourceHolders(trx, { sourceId: source.id, kind: 'breaking-change', event: `schema/v${version}`, payload: { schemaVersion: version, runId: run.id, changes: diff.changes.length } });
          }
        }

        const objects: ObjectStats[] = results.flatMap((r: BatchResult) => r.objects);
        const touched = new Set<string>();
        if (source.kind === 's3') {
          if (run.kind === 'crawl') {
            // the manifest advances in the same transaction as the schema
            for (const o of objects) {
              touched.add(o.partition);
              await trx('source_objects')
                .insert({
                  source_id: source.id, key: o.key, etag: o.etag, size: o.size, last_modified: o.lastModified, partition: o.partition,
                  format: o.format, gzip: o.gzip, records: o.records, corrupt_records: o.corruptRecords, run_id: run.id,
                  key_mismatches: o.keyMismatches ?? 0, first_key_mismatch: o.firstKeyMismatch ? JSON.stringify(o.firstKeyMismatch) : null,
                  csv_dialect: o.csv ? JSON.stringify(o.csv) : null,
                })
                .onConflict(['source_id', 'key'])
                .merge();
              const exists = await trx('source_partitions').where({ source_id: source.id, path: o.partition }).first('path');
              if (!exists) await upsertPartition(trx, source.id, o.partition, o, { objects: 0, records: 0, bytes: 0, corrupt: 0, mismatches: 0 });
            }
            const deleted: string[] = run.scope.deleted ?? [];
            for (let i = 0; i < deleted.length; i += 500) {
              const gone = await trx('source_objects').where({ source_id: source.id }).whereIn('key', deleted.slice(i, i + 500)).delete().returning('partition');
              for (const g of gone) touched.add(g.partition);
            }
            await recomputePartitions(trx, source.id, [...touched]);
          } else {
            // a backfill re-read whole partitions: their volumes are what it read; the manifest stays
            const byPartition = new Map<string, { kv: ObjectStats; objects: number; records: number; bytes: number; corrupt: number; mismatches: number }>();
            for (const o of objects) {
              const p = byPartition.get(o.partition) ?? { kv: o, objects: 0, records: 0, bytes: 0, corrupt: 0, mismatches: 0 };
              p.objects += 1;
              p.records += o.records;
              p.bytes += o.size;
              p.corrupt += o.corruptRecords;
              p.mismatches += o.keyMismatches ?? 0;
              byPartition.set(o.partition, p);
            }
            for (const [path, p] of byPartition) await upsertPartition(trx, source.id, path, p.kv, p);
          }
        } else if (run.kind === 'crawl') {
          const r = results[0] as BatchResult;
          const col = await trx('sources').where({ id: source.id }).first('location');
          await trx('source_cursors')
            .insert({ source_id: source.id, cursor_column: col.location.cursorColumn, value: r.maxCursor ?? null, rows_seen: r.rows ?? 0 })
            .onConflict('source_id')
            .merge({ value: r.maxCursor ?? null, rows_seen: trx.raw('source_cursors.rows_seen + ?', [r.rows ?? 0]), updated_at: trx.fn.now() });
        }

        // scanned statistics first: the profile then writes sample-based figures only for sources without them
        if (combined.stats) await recordStats(trx, source.id, run.id, combined.stats);
        await recordProfile(trx, source.id, run.id, results.flatMap((r: BatchResult) => r.samples ?? []));
        await recordVolumes(trx, [source.id], run.id);

        // the run's quarantine: the source's corrupt lines (then each slice's, in mergeSlices)
        await trx('corrupt_records').where({ run_id: run.id }).delete();
        const quarantined = results.flatMap((r: BatchResult) => r.result.corruptSamples);
        if (quarantined.length) {
          await trx('corrupt_records').insert(quarantined.map((c) => ({ source_id: source.id, run_id: run.id, file: c.file, line: c.line, reason: c.reason })));
        }
        const stream = source.kind === 's3' ? await getSource(trx, source.name) : undefined;
        const slices = stream?.kind === 's3' && discriminatorPaths(stream.options).length
          ? await mergeSlices(trx, { stream, runId: run.id, batches: results, touched: run.kind === 'crawl' ? [...touched] : undefined })
          : undefined;
        const [{ n }] = await trx('source_partitions').where({ source_id: source.id }).count<{ n: string }[]>({ n: '*' });
        const merged: MergeSummary = {
          schemaVersion: version,
          change,
          changes: change === 'initial' ? next.columns.length : diff.changes.length,
          records: combined.records,
          corruptRecords: combined.corruptRecords,
          partitionKeyMismatches: objects.reduce((sum, o) => sum + (o.keyMismatches ?? 0), 0),
          partitions: Number(n),
          ...(slices ? { slices } : {}),
        };
        await trx('crawl_runs').where({ id: run.id }).update({ status: 'merged', summary: JSON.stringify({ ...run.summary, merged }) });
        await pruneBatches(trx, run.id, batches);
        return merged;
      });
    },

    async publishSource(input: { runId: number }): Promise<PublishSummary> {
      const run = await deps.db('crawl_runs').where({ id: input.runId }).first();
      if (run.summary.published) return run.summary.published as PublishSummary;
      const source = await loadSource(deps.db, (await deps.db('sources').where({ id: run.source_id }).first('name')).name);
      const none: PublishSummary = { database: source.targetDatabase, table: source.targetTable, action: 'none', partitionsAdded: 0, partitionsDropped: 0 };
      let published = none;
      const latest = await deps.db('schema_versions').where({ source_id: source.id }).orderBy('version', 'desc').first();
      // a database table's rows are not in the lake: it is catalogued, not published as an external table
      if (source.kind === 's3' && latest && latest.schema.columns.length > 0) {
        const partitions = await deps.db('source_partitions').where({ source_id: source.id }).orderBy('path');
        const objects = await deps.db('source_objects').where({ source_id: source.id }).select('key', 'format', 'gzip', 'records', 'size', 'csv_dialect');
        const formats = [...new Set(objects.map((o: { format: TableFormat }) => o.format))] as TableFormat[];
        const format: TableFormat = formats[0] ?? (source.format === 'parquet' || source.format === 'csv' ? source.format : 'jsonl');
        if (formats.length > 1) {
          throw ApplicationFailure.nonRetryable(`${source.name} mixes formats (${formats.join(', ')}): one table holds one format; narrow it with include globs`, 'PublishRefusedError');
        }
        const csv = format === 'csv' ? tableCsvOptions(source.name, objects) : undefined;
        const { bucket, prefix } = source.location;
        const keys: string[] = partitions[0]?.keys ?? [];
        // what people wrote about columns becomes the metastore's column comments
        const descriptions = new Map<string, string>(
          (await deps.db('column_metadata').where({ source_id: source.id }).whereNotNull('description').select('path', 'description')).map((m: { path: string; description: string }) => [m.path, m.description]),
        );
        const stats = {
          recordCount: partitions.reduce((n: number, p: { records: string }) => n + Number(p.records), 0),
          objectCount: objects.length,
          sizeBytes: objects.reduce((n: number, o: { size: string }) => n + Number(o.size), 0),
          compression: objects.some((o: { gzip: boolean }) => o.gzip) ? ('gzip' as const) : ('none' as const),
        };
        const shown = publishedSchema(latest.schema, keys, format === 'csv' ? 'rename' : 'drop');
        const spec = {
          database: source.targetDatabase,
          table: source.targetTable,
          location: `s3a://${bucket}/${prefix}`,
          format,
          columns: toHiveColumns(shown.schema).map((c) => (descriptions.has(c.name) ? { ...c, comment: descriptions.get(c.name) } : c)),
          ...(format === 'jsonl' ? { keyMapping: shown.keyMapping } : {}),
          ...(csv ? { csv } : {}),
          partitionKeys: keys.map((k) => ({ name: k, type: 'string' })),
          parameters: tableParameters({
            format,
            source: source.name,
            schemaVersion: latest.version,
            lastCrawl: new Date(run.started_at).toISOString(),
            stats,
          }),
        };
        const parts = keys.length
          ? partitions.map((p: { path: string; values: string[] }) => ({ values: p.values, location: `s3a://${bucket}/${prefix}${p.path}` }))
          : [];
        const result = await publishTable(deps.metastore, spec, parts).catch(nonRetryable);
        published = { ...none, action: result.table === 'refuse' ? 'none' : result.table, partitionsAdded: result.partitionsAdded, partitionsDropped: result.partitionsDropped };
        if (discriminatorPaths(source.options).length) {
          const views = await publishSliceViews(deps.db, deps.metastore, { ...source, schema: shown.schema, repeatedKeys: shown.partitionKeyColumns, partitionKeys: keys }).catch(nonRetryable);
          published = { ...published, views };
        }
      }
      await deps.db('crawl_runs').where({ id: run.id }).update({ status: 'published', summary: deps.db.raw(`summary || ?::jsonb`, [JSON.stringify({ published })]) });
      return published;
    },

    async finishCrawl(input: { runId: number; merged: MergeSummary; published: PublishSummary }): Promise<CrawlSummary> {
      const run = await deps.db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('crawl_runs.id', input.runId)
        .first('crawl_runs.kind', 'crawl_runs.counts', 'sources.name');
      await deps.db('crawl_runs').where({ id: input.runId }).whereNot({ status: 'completed' }).update({ status: 'completed', finished_at: deps.db.fn.now() });
      return { runId: input.runId, sourceId: run.name, kind: run.kind, counts: run.counts, merged: input.merged, published: input.published };
    },

    /** Marks the run failed; when the source's last FAILING_RUNS runs all failed, its holders are told
     *  (once per failing streak: the notification is keyed by the streak's first run). */
    async failCrawl(input: { runId: number; error: string }): Promise<void> {
      await deps.db('crawl_runs').where({ id: input.runId }).update({ status: 'failed', error: input.error.slice(0, 2000), finished_at: deps.db.fn.now() });
      await pruneBatches(deps.db, input.runId);
      const run = await deps.db('crawl_runs').where({ id: input.runId }).first('source_id');
      const last = await deps.db('crawl_runs').where({ source_id: run.source_id }).whereIn('status', ['completed', 'failed']).orderBy('id', 'desc').limit(FAILING_RUNS).select('id', 'status');
      if (last.length === FAILING_RUNS && last.every((r: { status: string }) => r.status === 'failed')) {
        const lastSuccess = await deps.db('crawl_runs').where({ source_id: run.source_id, status: 'completed' }).max<{ id: number | null }>('id as id').first();
        const streakStart = await deps.db('crawl_runs').where({ source_id: run.source_id, status: 'failed' }).where('id', '>', lastSuccess?.id ?? 0).min<{ id: number }>('id as id').first();
        await notifySourceHolders(deps.db, {
          sourceId: run.source_id,
          kind: 'source-failing',
          event: `failing-since-run/${streakStart?.id ?? input.runId}`,
          payload: { failedRuns: FAILING_RUNS, lastRunId: input.runId, error: input.error.slice(0, 500) },
        });
      }
    },
  };
}

export function createInferenceActivities(deps: CrawlDeps) {
  return {
    /** Infers one batch of a run (CPU-heavy: runs on the inference task queue). */
    async inferBatch(input: { runId: number; batchNo: number }): Promise<BatchSummary> {
      const batch = await deps.db('crawl_batches').where({ run_id: input.runId, batch_no: input.batchNo }).first();
      if (!batch) throw ApplicationFailure.nonRetryable(`run ${input.runId} has no batch ${input.batchNo}`, 'UnknownBatchError');
      if (batch.status === 'inferred') return 'pruned' in batch.result ? (batch.result as PrunedBatch).pruned : summariseBatch(input.batchNo, batch.result, Number(batch.bytes_read));
      const run = await deps.db('crawl_runs').where({ id: input.runId }).first('source_id');
      const name = (await deps.db('sources').where({ id: run.source_id }).first('name')).name;
      const source = await loadSource(deps.db, name);
      if (source.kind === 'logical') throw ApplicationFailure.nonRetryable(`${source.name} is a logical source: its stream is crawled`, 'InvalidSourceError');
      const result = await (source.kind === 's3'
        ? inferS3Batch(deps, source, batch.objects as PlannedObject[])
        : inferTableWindow(source, (batch.objects as PlannedTableWindow[])[0])
      ).catch(nonRetryable);
      const bytesRead = result.objects.reduce((n, o) => n + o.size, 0);
      // the columns already identifying are masked before the samples are stored (the rest at the merge)
      if (result.samples?.length) result.samples = storedRows(result.samples, (await maskingOf(deps.db, [source.id])).get(source.id)!);
      await deps.db('crawl_batches')
        .where({ run_id: input.runId, batch_no: input.batchNo })
        .update({ status: 'inferred', result: JSON.stringify(result), bytes_read: bytesRead, inferred_at: deps.db.fn.now() });
      return summariseBatch(input.batchNo, result, bytesRead);
    },
  };
}

export type CrawlActivities = ReturnType<typeof createCrawlActivities>;
export type InferenceActivities = ReturnType<typeof createInferenceActivities>;
