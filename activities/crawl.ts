// The crawl's activities. Each is idempotent: it first looks at what the catalog already records for
// the run (a planned run, an inferred batch, a merged or published run) and returns that instead of
// doing the work twice. Bad data is recorded, never thrown; only outages throw (and are retried).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import { MetastoreError, type MetastoreClient } from '../adapters/metastore/client';
import { publishTable } from '../adapters/metastore/publisher';
import { tableParameters, type CsvOptions } from '../adapters/metastore/table-spec';
import type { Format as TableFormat } from '../schema/formats';
import { connectorOf, type BatchResult } from '../connectors';
import type { BatchSummary, CrawlPlan, CrawlSummary, MergeSummary, PublishSummary } from '../crawl/run';
import { nextSchemaVersion } from '../crawl/schema-version';
import { discriminatorPaths, MAX_COLUMNS_PER_SOURCE, type Source } from '../crawl/source';
import { notifySourceHolders } from '../db/governance';
import { maskingOf, storedRows } from '../db/identifying';
import { manifestObjectsOf, partitionCount, partitionsOf } from '../db/manifest';
import { columnDescriptions } from '../db/metadata';
import { recordProfile, recordStats, recordVolumes } from '../db/profiles';
import { clearRunQuarantine, quarantine } from '../db/quarantine';
import {
  createRun,
  failingStreakStart,
  getBatch,
  getRun,
  lastFinishedRuns,
  lockRun,
  markRunCompleted,
  markRunFailed,
  markRunMerged,
  markRunPublished,
  recordBatchInferred,
  replaceBatchResults,
  runBatches,
  runIdOfWorkflowRun,
  runOverview,
  type BatchResultRow as StoredBatch,
} from '../db/runs';
import { latestSchema, recordSchemaVersions } from '../db/schema-versions';
import { getSource, getSourceById } from '../db/sources';
import { recordUpstreamChange } from '../db/upstream';
import type { CsvDialect } from '../schema/infer/csv';
import { EMPTY_RESULT, mergeResults, publishedSchema, toHiveColumns, type InferenceResult } from '../schema';
import { fieldCount } from '../schema/fields';
import { isNonRetryable } from '../workflows/errors';
import { progressHeartbeat } from './heartbeat';
import { mergeSlices, publishSliceViews } from './slices';

export type { BatchResult, BatchSlice } from '../connectors';

export interface CrawlDeps {
  db: Knex;
  s3: S3Client;
  metastore: MetastoreClient;
  kafkaBootstrap: string; // the catalog's own Kafka brokers
}

/** What a batch keeps once its run is merged: its summary. Its result (schema, statistics, samples) is
 *  the merge's now, and its samples must not stay in a second place. */
interface PrunedBatch {
  pruned: BatchSummary;
}

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
export function nonRetryable(err: unknown): never {
  if (
    (err instanceof Error && isNonRetryable(err.name)) ||
    (err instanceof MetastoreError && !err.retryable) // the metastore refused the change itself
  ) {
    throw ApplicationFailure.nonRetryable(err.message, err.name);
  }
  throw err;
}

async function loadSource(db: Knex, name: string | number): Promise<Source> {
  try {
    return await (typeof name === 'number' ? getSourceById(db, name) : getSource(db, name));
  } catch (e) {
    return nonRetryable(e);
  }
}

async function describe(db: Knex, runId: number): Promise<CrawlPlan> {
  const run = await runOverview(db, runId);
  return { runId, sourceId: run.sourceName, sourceKind: run.sourceKind, format: run.summary.format ?? 'unknown', batches: run.batches, counts: run.counts };
}

function summariseBatch(batchNo: number, r: BatchResult, bytesRead: number): BatchSummary {
  return { batchNo, files: r.objects.length || 1, bytesRead, records: r.result.records, corruptRecords: r.result.corruptRecords };
}

type BatchRow = StoredBatch<BatchResult | PrunedBatch>;

/** Replaces the inferred results of a run's batches by their summaries: once the run is merged (or has
 *  failed: a failed run is never merged), nothing reads them again, and they hold sample records. */
async function pruneBatches(db: Knex, runId: number, loaded?: BatchRow[]): Promise<void> {
  const batches: BatchRow[] = loaded ?? (await runBatches<BatchResult | PrunedBatch>(db, runId));
  const pruned = new Map<number, PrunedBatch>();
  for (const b of batches) {
    if (b.status !== 'inferred' || b.result === null || 'pruned' in b.result) continue;
    pruned.set(b.batch_no, { pruned: summariseBatch(b.batch_no, b.result, Number(b.bytes_read)) });
  }
  await replaceBatchResults(db, runId, pruned);
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

/** Messages of a topic that aged out before they were read: at plan time (in the run's scope) and while
 *  reading (in the batches). */
function agedOutOf(scope: Record<string, unknown>, results: readonly BatchResult[]): { agedOut?: number } {
  const n = Number(scope.agedOut ?? 0) + results.reduce((sum, r) => sum + (r.agedOut ?? 0), 0);
  return n > 0 ? { agedOut: n } : {};
}

// --- the activities -------------------------------------------------------------------------------

export function createCrawlActivities(deps: CrawlDeps) {
  return {
    async planCrawl(input: PlanInput): Promise<CrawlPlan> {
      const existing = await runIdOfWorkflowRun(deps.db, input.workflowRunId);
      if (existing !== undefined) return describe(deps.db, existing);
      const source = await loadSource(deps.db, input.sourceId);
      if (source.kind === 'logical') {
        throw ApplicationFailure.nonRetryable(`${source.name} is a logical source of ${source.location.stream}: crawl ${source.location.stream}`, 'InvalidSourceError');
      }
      const planned = await connectorOf(source).plan(deps, source, input).catch(nonRetryable);
      const runId = await createRun(
        deps.db,
        { sourceId: source.id, workflowId: input.workflowId, workflowRunId: input.workflowRunId, kind: input.kind, scope: planned.scope, counts: planned.counts, summary: { format: planned.format } },
        planned.batches,
      );
      return describe(deps.db, runId);
    },

    async describeRun(input: { runId: number }): Promise<CrawlPlan> {
      return describe(deps.db, input.runId);
    },

    async mergeCrawl(input: { runId: number }): Promise<MergeSummary> {
      return deps.db.transaction(async (trx) => {
        const run = await lockRun(trx, input.runId);
        if (run.summary.merged) return run.summary.merged as MergeSummary;
        const source = await loadSource(trx, run.source_id);
        const batches = await runBatches<BatchResult>(trx, run.id);
        const pending = batches.filter((b) => b.status !== 'inferred');
        if (pending.length) throw new Error(`run ${run.id}: ${pending.length} batch(es) not inferred yet`);
        const results = batches.map((b) => b.result!);
        const combined = results.reduce((acc: InferenceResult, r: BatchResult) => mergeResults(acc, r.result), EMPTY_RESULT);

        const next = nextSchemaVersion(await latestSchema(trx, source.id), combined.schema);
        const limit = source.options.maxColumns ?? MAX_COLUMNS_PER_SOURCE;
        const fields = fieldCount(next.schema);
        if (fields > limit) {
          throw ApplicationFailure.nonRetryable(
            `${source.name}: this crawl would give the schema ${fields} fields (nested ones included), past the limit of ${limit} per source (options.maxColumns); nothing was merged. Keys that are really values (ids, dates) belong in a map or an array: narrow the source with include globs, or raise the limit`,
            'ColumnLimitError',
          );
        }
        await recordSchemaVersions(trx, run.id, [{ sourceId: source.id, next }]);
        // a topic's change is shown on the lake source it lands in before the lake's own crawl sees it
        await recordUpstreamChange(trx, source, run.id, next);

        const objects = results.flatMap((r) => r.objects);
        // the cursor (a manifest, a high-water mark) advances in the same transaction as the schema
        const touched = await connectorOf(source).advance(trx, source, run, results);

        // scanned statistics first: the profile then writes sample-based figures only for sources without them
        if (combined.stats) await recordStats(trx, source.id, run.id, combined.stats);
        await recordProfile(trx, source.id, run.id, results.flatMap((r: BatchResult) => r.samples ?? []));
        await recordVolumes(trx, [source.id], run.id);

        // the run's quarantine: the source's corrupt lines (then each slice's, in mergeSlices)
        await clearRunQuarantine(trx, run.id);
        await quarantine(trx, results.flatMap((r: BatchResult) => r.result.corruptSamples.map((c) => ({ sourceId: source.id, runId: run.id, file: c.file, line: c.line, reason: c.reason }))));
        const slices = discriminatorPaths(source.options).length
          ? await mergeSlices(trx, { stream: source, runId: run.id, batches: results, touched: run.kind === 'crawl' ? touched : undefined })
          : undefined;
        const n = await partitionCount(trx, source.id);
        const merged: MergeSummary = {
          schemaVersion: next.version,
          change: next.change,
          changes: next.change === 'initial' ? next.schema.columns.length : next.diff.changes.length,
          records: combined.records,
          corruptRecords: combined.corruptRecords,
          partitionKeyMismatches: objects.reduce((sum, o) => sum + (o.keyMismatches ?? 0), 0),
          partitions: Number(n),
          ...agedOutOf(run.scope, results),
          ...(slices ? { slices } : {}),
        };
        await markRunMerged(trx, run.id, { ...run.summary, merged });
        await pruneBatches(trx, run.id, batches);
        return merged;
      });
    },

    async publishSource(input: { runId: number }): Promise<PublishSummary> {
      const run = await getRun(deps.db, input.runId);
      if (run.summary.published) return run.summary.published as PublishSummary;
      const source = await loadSource(deps.db, run.source_id);
      const none: PublishSummary = { database: source.targetDatabase, table: source.targetTable, action: 'none', partitionsAdded: 0, partitionsDropped: 0 };
      let published = none;
      const latest = await latestSchema(deps.db, source.id);
      const lake = connectorOf(source).lakeTable(source);
      if (lake && latest && latest.schema.columns.length > 0) {
        const partitions = await partitionsOf(deps.db, source.id);
        const objects = await manifestObjectsOf(deps.db, source.id);
        const formats = [...new Set(objects.map((o) => o.format as TableFormat))];
        const format: TableFormat = formats[0] ?? lake.format;
        if (formats.length > 1) {
          throw ApplicationFailure.nonRetryable(`${source.name} mixes formats (${formats.join(', ')}): one table holds one format; narrow it with include globs`, 'PublishRefusedError');
        }
        const csv = format === 'csv' ? tableCsvOptions(source.name, objects) : undefined;
        const keys: string[] = partitions[0]?.keys ?? [];
        // what people wrote about columns becomes the metastore's column comments
        const descriptions = await columnDescriptions(deps.db, source.id);
        const stats = {
          recordCount: partitions.reduce((n, p) => n + Number(p.records), 0),
          objectCount: objects.length,
          sizeBytes: objects.reduce((n, o) => n + Number(o.size), 0),
          compression: objects.some((o) => o.gzip) ? ('gzip' as const) : ('none' as const),
        };
        const shown = publishedSchema(latest.schema, keys, format === 'csv' ? 'rename' : 'drop');
        const spec = {
          database: source.targetDatabase,
          table: source.targetTable,
          location: lake.location,
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
          ? partitions.map((p) => ({ values: p.values, location: `${lake.location}${p.path}` }))
          : [];
        const result = await publishTable(deps.metastore, spec, parts).catch(nonRetryable);
        published = { ...none, action: result.table === 'refuse' ? 'none' : result.table, partitionsAdded: result.partitionsAdded, partitionsDropped: result.partitionsDropped };
        if (discriminatorPaths(source.options).length) {
          const views = await publishSliceViews(deps.db, deps.metastore, { ...source, schema: shown.schema, repeatedKeys: shown.partitionKeyColumns, partitionKeys: keys }).catch(nonRetryable);
          published = { ...published, views };
        }
      }
      await markRunPublished(deps.db, run.id, published);
      return published;
    },

    async finishCrawl(input: { runId: number; merged: MergeSummary; published: PublishSummary }): Promise<CrawlSummary> {
      const run = await runOverview(deps.db, input.runId);
      await markRunCompleted(deps.db, input.runId);
      return { runId: input.runId, sourceId: run.sourceName, kind: run.kind, sourceKind: run.sourceKind, counts: run.counts, merged: input.merged, published: input.published };
    },

    /** Marks the run failed; when the source's last FAILING_RUNS runs all failed, its holders are told
     *  (once per failing streak: the notification is keyed by the streak's first run). */
    async failCrawl(input: { runId: number; error: string }): Promise<void> {
      await markRunFailed(deps.db, input.runId, input.error.slice(0, 2000));
      await pruneBatches(deps.db, input.runId);
      const run = await getRun(deps.db, input.runId);
      const last = await lastFinishedRuns(deps.db, run.source_id, FAILING_RUNS);
      if (last.length === FAILING_RUNS && last.every((r) => r.status === 'failed')) {
        const streakStart = await failingStreakStart(deps.db, run.source_id);
        await notifySourceHolders(deps.db, {
          sourceId: run.source_id,
          kind: 'source-failing',
          event: `failing-since-run/${streakStart ?? input.runId}`,
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
      const batch = await getBatch<BatchResult | PrunedBatch>(deps.db, input.runId, input.batchNo);
      if (!batch) throw ApplicationFailure.nonRetryable(`run ${input.runId} has no batch ${input.batchNo}`, 'UnknownBatchError');
      if (batch.status === 'inferred') return 'pruned' in batch.result! ? batch.result.pruned : summariseBatch(input.batchNo, batch.result!, Number(batch.bytes_read));
      const run = await getRun(deps.db, input.runId);
      const source = await loadSource(deps.db, run.source_id);
      if (source.kind === 'logical') throw ApplicationFailure.nonRetryable(`${source.name} is a logical source: its stream is crawled`, 'InvalidSourceError');
      const result = await connectorOf(source).read(deps, source, batch.objects, progressHeartbeat(Context.current())).catch(nonRetryable);
      const bytesRead = result.objects.reduce((n, o) => n + o.size, 0);
      // the columns already identifying are masked before the samples are stored (the rest at the merge)
      if (result.samples?.length) result.samples = storedRows(result.samples, (await maskingOf(deps.db, [source.id])).get(source.id)!);
      await recordBatchInferred(deps.db, input.runId, input.batchNo, result, bytesRead);
      return summariseBatch(input.batchNo, result, bytesRead);
    },
  };
}

export type CrawlActivities = ReturnType<typeof createCrawlActivities>;
export type InferenceActivities = ReturnType<typeof createInferenceActivities>;
