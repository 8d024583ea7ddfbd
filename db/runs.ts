// Queries of a crawl's runs and their batches (crawl_runs, crawl_batches). A run is keyed by the Temporal
// run that planned it, so a retried planning finds its own run instead of creating a second one.
import type { Knex } from 'knex';
import type { CrawlCounts } from '../crawl/run';
import type { Source } from '../crawl/source';

const CHUNK = 500;
/** Text of planned batches per insert statement. */
const STATEMENT_BYTES = 8 * 1024 * 1024;

export type RunKind = 'crawl' | 'backfill';
export type RunStatus = 'planned' | 'merged' | 'published' | 'completed' | 'failed';

export interface RunRow {
  id: number;
  source_id: number;
  kind: RunKind;
  status: RunStatus;
  scope: Record<string, unknown> & { deleted?: string[] };
  counts: CrawlCounts;
  summary: Record<string, unknown> & { format?: string; merged?: unknown; published?: unknown };
  started_at: Date;
}

export interface BatchRow<R = unknown> {
  batch_no: number;
  status: 'pending' | 'inferred';
  objects: unknown[];
  result: R | null;
  bytes_read: string | null;
}

export interface NewRun {
  sourceId: number;
  workflowId: string;
  workflowRunId: string;
  kind: RunKind;
  scope: unknown;
  counts: CrawlCounts;
  summary: Record<string, unknown>;
}

export async function runIdOfWorkflowRun(db: Knex, workflowRunId: string): Promise<number | undefined> {
  return (await db('crawl_runs').where({ workflow_run_id: workflowRunId }).first('id'))?.id;
}

/** Records a planned run and its batches in one transaction; a second call for the same workflow run
 *  returns the first one's id and writes nothing. */
export async function createRun(db: Knex, run: NewRun, batches: unknown[][]): Promise<number> {
  return db.transaction(async (trx) => {
    const [row] = await trx('crawl_runs')
      .insert({
        source_id: run.sourceId,
        workflow_id: run.workflowId,
        workflow_run_id: run.workflowRunId,
        kind: run.kind,
        scope: JSON.stringify(run.scope),
        counts: JSON.stringify(run.counts),
        summary: JSON.stringify(run.summary),
      })
      .onConflict('workflow_run_id')
      .ignore()
      .returning('id');
    if (!row) return (await runIdOfWorkflowRun(trx, run.workflowRunId))!;
    // each batch is made JSON just before its statement, and a statement holds a few MB: a plan of a million
    // objects never holds its whole JSON at once
    let rows: { run_id: number; batch_no: number; objects: string }[] = [];
    let bytes = 0;
    for (let batchNo = 0; batchNo < batches.length; batchNo++) {
      const objects = JSON.stringify(batches[batchNo]);
      rows.push({ run_id: row.id, batch_no: batchNo, objects });
      bytes += objects.length;
      if (rows.length >= CHUNK || bytes >= STATEMENT_BYTES || batchNo === batches.length - 1) {
        await trx('crawl_batches').insert(rows);
        rows = [];
        bytes = 0;
      }
    }
    return row.id as number;
  });
}

export async function getRun(db: Knex, runId: number): Promise<RunRow> {
  return db('crawl_runs').where({ id: runId }).first();
}

/** The run, locked until the caller's transaction ends (one merge at a time). */
export async function lockRun(trx: Knex.Transaction, runId: number): Promise<RunRow> {
  return trx('crawl_runs').where({ id: runId }).forUpdate().first();
}

/** A run with its source's name and kind, and how many batches it has. */
export async function runOverview(db: Knex, runId: number): Promise<RunRow & { sourceName: string; sourceKind: Source['kind']; batches: number }> {
  const run = await db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('crawl_runs.id', runId)
    .first('crawl_runs.*', 'sources.name as sourceName', 'sources.kind as sourceKind');
  const [{ n }] = await db('crawl_batches').where({ run_id: runId }).count<{ n: string }[]>({ n: '*' });
  return { ...run, batches: Number(n) };
}

/** A batch as its results are read: without the objects it planned, which a merge never needs and which
 *  are as large as the manifest they add to. */
export type BatchResultRow<R = unknown> = Omit<BatchRow<R>, 'objects'>;

export async function runBatches<R>(db: Knex, runId: number): Promise<BatchResultRow<R>[]> {
  return db('crawl_batches').where({ run_id: runId }).orderBy('batch_no').select('batch_no', 'status', 'result', 'bytes_read');
}

export async function getBatch<R>(db: Knex, runId: number, batchNo: number): Promise<BatchRow<R> | undefined> {
  return db('crawl_batches').where({ run_id: runId, batch_no: batchNo }).first();
}

export async function recordBatchInferred(db: Knex, runId: number, batchNo: number, result: unknown, bytesRead: number): Promise<void> {
  await db('crawl_batches')
    .where({ run_id: runId, batch_no: batchNo })
    .update({ status: 'inferred', result: JSON.stringify(result), bytes_read: bytesRead, inferred_at: db.fn.now() });
}

/** Replaces the results of a run's batches, by batch number (by their summaries, once nothing reads the
 *  results again), in one statement. */
export async function replaceBatchResults(db: Knex, runId: number, results: ReadonlyMap<number, unknown>): Promise<void> {
  if (results.size === 0) return;
  await db.raw(
    `update crawl_batches b set result = r.result::jsonb
       from unnest(?::int[], ?::text[]) as r(batch_no, result)
      where b.run_id = ? and b.batch_no = r.batch_no`,
    [[...results.keys()], [...results.values()].map((r) => JSON.stringify(r)), runId],
  );
}

export async function markRunMerged(trx: Knex.Transaction, runId: number, summary: Record<string, unknown>): Promise<void> {
  await trx('crawl_runs').where({ id: runId }).update({ status: 'merged', summary: JSON.stringify(summary) });
}

export async function markRunPublished(db: Knex, runId: number, published: unknown): Promise<void> {
  await db('crawl_runs').where({ id: runId }).update({ status: 'published', summary: db.raw(`summary || ?::jsonb`, [JSON.stringify({ published })]) });
}

export async function markRunCompleted(db: Knex, runId: number): Promise<void> {
  await db('crawl_runs').where({ id: runId }).whereNot({ status: 'completed' }).update({ status: 'completed', finished_at: db.fn.now() });
}

export async function markRunFailed(db: Knex, runId: number, error: string): Promise<void> {
  await db('crawl_runs').where({ id: runId }).update({ status: 'failed', error, finished_at: db.fn.now() });
}

/** The source's last `n` finished (completed or failed) runs, newest first. */
export async function lastFinishedRuns(db: Knex, sourceId: number, n: number): Promise<{ id: number; status: RunStatus }[]> {
  return db('crawl_runs').where({ source_id: sourceId }).whereIn('status', ['completed', 'failed']).orderBy('id', 'desc').limit(n).select('id', 'status');
}

/** The first failed run since the source's last completed one. */
export async function failingStreakStart(db: Knex, sourceId: number): Promise<number | undefined> {
  const lastSuccess = await db('crawl_runs').where({ source_id: sourceId, status: 'completed' }).max<{ id: number | null }>('id as id').first();
  const start = await db('crawl_runs').where({ source_id: sourceId, status: 'failed' }).where('id', '>', lastSuccess?.id ?? 0).min<{ id: number | null }>('id as id').first();
  return start?.id ?? undefined;
}
