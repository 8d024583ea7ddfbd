// crawl/<source>: plan → infer (batches fanned out on the inference queue) → merge → publish → finish.
// The history holds ids and counts only: the objects of a batch live in the catalog (crawl_batches),
// referenced by run id and batch number. Long crawls continue as new, carrying where they stand.
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setHandler,
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CrawlActivities, InferenceActivities } from '../activities/crawl';
import { backfillRangeProblem } from '../crawl/backfill-range';
import { PARALLEL_BATCHES, type CrawlPlan, type CrawlSummary } from '../crawl/run';
import { NON_RETRYABLE_ERROR_TYPES } from './errors';
import { DEFAULT_TASK_QUEUES, LAKE_SOURCE, progressQuery, type BackfillInput, type CrawlInput, type CrawlProgress } from './shared';

const io = proxyActivities<CrawlActivities>({
  startToCloseTimeout: '10 minutes',
  // the I/O activities heartbeat every few seconds while they run (activities/heartbeat.ts): a dead worker
  // is noticed this soon
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
});

/** Patch: batches run in a sliding window (a new one starts as soon as one ends), not in waves of four. */
const SLIDING_BATCHES = 'crawl-sliding-batches';
/** Patch: a batch that fails fails the run in the catalog (status failed, the failing-source notice), as a
 *  failed merge or publish does. */
const FAILED_BATCH_RECORDED = 'crawl-failed-batch-recorded';
/** Patch: a run continues as new once its history reaches HISTORY_BOUND events, whatever the server
 *  suggests (its threshold is the server's configuration, not ours). */
const BOUNDED_HISTORY = 'crawl-bounded-history';
/**
 * Events after which a run hands its remaining batches to a new run. Past it a run adds at most the
 * batches still in flight (PARALLEL_BATCHES - 1, each an activity's 3 events and a workflow task's 3) and
 * its continue-as-new, or the merge, publish and finish steps: under 2,100 events whatever the crawl's size.
 */
export const HISTORY_BOUND = 2_000;

export type { BackfillInput, CrawlInput };

/** The source's name: `source`, or `sourceId` as schedules and histories from before the rename send it. */
function sourceOf(input: { source?: unknown; sourceId?: unknown } | undefined): string | undefined {
  const name = input?.source ?? input?.sourceId;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Crawls a source now. Takes ONE JSON object so a person can start it from the Temporal UI. */
export async function crawlSource(input: CrawlInput): Promise<CrawlSummary> {
  const source = sourceOf(input);
  if (!source) throw ApplicationFailure.nonRetryable('crawlSource takes one object: { "source": "<name>" }', 'InvalidSourceError');
  return runCrawl({ ...input, source }, 'crawl');
}

/** Re-reads the partitions in a date range without moving the incremental bookkeeping. Takes ONE JSON
 *  object so a person can start it from the Temporal UI. */
export async function backfillSource(input: BackfillInput): Promise<CrawlSummary> {
  const source = input && typeof input === 'object' ? sourceOf(input) : undefined;
  if (!source) {
    throw ApplicationFailure.nonRetryable('backfillSource takes one object: { "source": "...", "from": "yyyy-MM-dd", "to": "yyyy-MM-dd" }', 'BackfillRangeError');
  }
  const problem = backfillRangeProblem(input.from, input.to);
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'BackfillRangeError');
  return runCrawl({ ...input, source }, 'backfill');
}

async function runCrawl(input: CrawlInput | BackfillInput, kind: 'crawl' | 'backfill'): Promise<CrawlSummary> {
  upsertSearchAttributes([{ key: LAKE_SOURCE, value: input.source }]);
  const info = workflowInfo();
  const inference = proxyActivities<InferenceActivities>({
    // whoever starts the crawl passes the deployment's queue; a crawl started from the UI gets the default
    taskQueue: input.inferenceTaskQueue ?? DEFAULT_TASK_QUEUES.inference,
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '20 seconds', // a batch whose worker died is retried elsewhere this soon
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
  });

  const progress: CrawlProgress = { step: 'planning', batches: 0, batchesDone: 0, filesTotal: 0, bytesTotal: 0, filesDone: 0, bytesDone: 0 };
  setHandler(progressQuery, () => progress);

  let plan: CrawlPlan;
  if (input.resume) {
    plan = await io.describeRun({ runId: input.resume.runId });
  } else {
    plan = await io.planCrawl({
      sourceId: input.source,
      workflowId: info.workflowId,
      workflowRunId: info.runId,
      kind,
      full: 'full' in input ? input.full ?? false : false,
      range: kind === 'backfill' ? { from: (input as BackfillInput).from, to: (input as BackfillInput).to } : undefined,
    });
    upsertMemo({ source: input.source, kind: plan.sourceKind, format: plan.format, runId: plan.runId });
  }
  log.info('crawl planned', { runId: plan.runId, batches: plan.batches, counts: plan.counts });

  let next = input.resume?.nextBatch ?? 0;
  Object.assign(progress, { step: 'inferring', batches: plan.batches, batchesDone: next, filesTotal: plan.counts.files, bytesTotal: plan.counts.bytes });
  const infer = async (batchNo: number): Promise<number> => {
    const done = await inference.inferBatch({ runId: plan.runId, batchNo });
    progress.batchesDone += 1;
    progress.filesDone += done.files;
    progress.bytesDone += done.bytesRead;
    return batchNo;
  };
  const inferAll = async (): Promise<void> => {
    if (patched(SLIDING_BATCHES)) {
      // PARALLEL_BATCHES in flight: a slow batch holds up its own slot only
      const bounded = patched(BOUNDED_HISTORY);
      const longEnough = () => workflowInfo().continueAsNewSuggested || (bounded && workflowInfo().historyLength >= HISTORY_BOUND);
      const inFlight = new Map<number, Promise<number>>();
      while (next < plan.batches || inFlight.size > 0) {
        // past the bound no batch starts: the ones in flight finish, then the run continues as new
        while (inFlight.size < PARALLEL_BATCHES && next < plan.batches && (inFlight.size === 0 || !(bounded && longEnough()))) inFlight.set(next, infer(next++));
        inFlight.delete(await Promise.race(inFlight.values()));
        if (next < plan.batches && longEnough()) {
          await Promise.all(inFlight.values()); // every batch before `next` is done
          await continueAsNew<typeof crawlSource>({ ...input, resume: { runId: plan.runId, nextBatch: next } });
        }
      }
    } else {
      // histories from before the patch: waves of PARALLEL_BATCHES
      while (next < plan.batches) {
        const window = [];
        for (let b = next; b < Math.min(plan.batches, next + PARALLEL_BATCHES); b++) window.push(b);
        await Promise.all(window.map(infer));
        next += window.length;
        if (next < plan.batches && workflowInfo().continueAsNewSuggested) {
          await continueAsNew<typeof crawlSource>({ ...input, resume: { runId: plan.runId, nextBatch: next } });
        }
      }
    }
  };

  const inferring = new CancellationScope();
  try {
    await inferring.run(inferAll);
  } catch (err) {
    if (err instanceof ContinueAsNew || isCancellation(err)) throw err;
    // histories from before the patch failed here without a word to the catalog
    if (!patched(FAILED_BATCH_RECORDED)) throw err;
    inferring.cancel(); // the batches still in flight belong to a run that is over
    await io.failCrawl({ runId: plan.runId, error: failureMessage(err) });
    throw err;
  }

  try {
    progress.step = 'merging';
    const merged = await io.mergeCrawl({ runId: plan.runId });
    progress.step = 'publishing';
    const published = await io.publishSource({ runId: plan.runId });
    const summary = await io.finishCrawl({ runId: plan.runId, merged, published });
    progress.step = 'done';
    return summary;
  } catch (err) {
    await io.failCrawl({ runId: plan.runId, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

/** What went wrong, from the activity's own error rather than the SDK's "Activity task failed". */
function failureMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}
