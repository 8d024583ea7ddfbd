// Crawls started from outside a schedule (`lake crawl`, the demo, a backfill) and what they are doing now.
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { LakeConfig } from '../config';
import type { CrawlSummary } from '../crawl/run';
import { backfillWorkflowId, crawlWorkflowId, LAKE_SOURCE, progressQuery, WORKFLOW_TYPES, type BackfillInput, type CrawlInput, type CrawlProgress } from '../workflows/shared';

/** Starts `<catalog>/crawl/<source>` now; a crawl of the source already running (a schedule's, or another
 *  person's) is followed instead of doubled. */
export function startCrawl(client: Client, config: LakeConfig, source: string, opts: { full?: boolean } = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const args: [CrawlInput] = [{ source, full: opts.full ?? false, inferenceTaskQueue: config.temporal.inferenceTaskQueue }];
  return client.workflow.start(WORKFLOW_TYPES.crawl, {
    workflowId: crawlWorkflowId(config.catalog, source),
    taskQueue: config.temporal.taskQueue,
    args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: LAKE_SOURCE, value: source }],
    memo: { source, catalog: config.catalog },
  });
}

/** Re-reads the partitions of `from`..`to` (yyyy-MM-dd, inclusive); the same range asked twice while the
 *  first runs is followed. */
export function startBackfill(client: Client, config: LakeConfig, source: string, range: { from: string; to: string }): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const args: [BackfillInput] = [{ source, from: range.from, to: range.to, inferenceTaskQueue: config.temporal.inferenceTaskQueue }];
  return client.workflow.start(WORKFLOW_TYPES.backfill, {
    workflowId: backfillWorkflowId(config.catalog, source, range),
    taskQueue: config.temporal.taskQueue,
    args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: LAKE_SOURCE, value: source }],
    memo: { source, catalog: config.catalog },
  });
}

/** What a crawl or backfill ended with. */
export function crawlResult(handle: WorkflowHandle): Promise<CrawlSummary> {
  return handle.result() as Promise<CrawlSummary>;
}

/** Where a crawl stands: its workflow's `progress` query. */
export function crawlProgress(handle: WorkflowHandle): Promise<CrawlProgress> {
  return handle.query(progressQuery);
}
