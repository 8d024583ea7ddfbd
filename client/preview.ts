// Looks at a source through a worker (`lake source add`, `lake crawl --dry-run`): the worker holds the
// secrets and reaches the sources, so the asking process resolves no secret and calls no source itself.
// A person is waiting: with no worker on the queue the call fails within seconds, naming the queue, and a
// worker that never answers is given up on after a bounded time.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { TimeoutFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { LakeConfig } from '../config';
import type { SourceDefinition } from '../crawl/source';
import {
  previewWorkflowId,
  WORKFLOW_TYPES,
  type CheckSourceInput,
  type CheckSourceResult,
  type CrawlPreview,
  type PreviewCrawlInput,
  type PreviewRefused,
} from '../workflows/shared';

export type { CrawlPreview, PreviewRefused };

/** How long a check may take, and a dry run (it reads what the crawl would read). */
const CHECK_TIMEOUT_MS = 2 * 60_000;
const PREVIEW_TIMEOUT_MS = 15 * 60_000;

/** No worker answers on the catalog's I/O queue. */
export class NoWorkerError extends Error {
  constructor(readonly taskQueue: string, detail: string) {
    super(`${detail} on task queue "${taskQueue}": start the worker (npm start, or npm run worker) and try again`);
    this.name = 'NoWorkerError';
  }
}

/** Whether some worker polls `taskQueue` for workflow tasks now. */
export async function workerPolls(client: Client, namespace: string, taskQueue: string): Promise<boolean> {
  const queue = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (queue.pollers ?? []).length > 0;
}

/** How long a queue may show no poller before we say there is no worker: one that just started has not
 *  polled yet. */
const NO_POLLER_GRACE_MS = 5_000;

async function waitForPoller(client: Client, config: LakeConfig): Promise<void> {
  const taskQueue = config.temporal.taskQueue;
  const deadline = Date.now() + NO_POLLER_GRACE_MS;
  while (!(await workerPolls(client, config.temporal.namespace, taskQueue))) {
    if (Date.now() > deadline) throw new NoWorkerError(taskQueue, `no worker polls (waited ${NO_POLLER_GRACE_MS / 1000} s)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function lookThroughWorker<I, R>(client: Client, config: LakeConfig, type: string, source: string, input: I, timeoutMs: number): Promise<R> {
  const taskQueue = config.temporal.taskQueue;
  await waitForPoller(client, config);
  try {
    return (await client.workflow.execute(type, {
      workflowId: previewWorkflowId(config.catalog, source, randomUUID()),
      taskQueue,
      args: [input],
      // a worker seen polling may have died since, or run code without this workflow: the run ends anyway
      workflowExecutionTimeout: timeoutMs,
      memo: { source, catalog: config.catalog },
    })) as R;
  } catch (e) {
    if (e instanceof WorkflowFailedError && e.cause instanceof TimeoutFailure) {
      throw new NoWorkerError(taskQueue, `no worker answered within ${timeoutMs / 1000} s`);
    }
    throw e;
  }
}

/** Problems reaching a source not saved yet (bucket, globs, the database behind its secret); none when it
 *  is reachable. */
export async function checkSource(client: Client, config: LakeConfig, definition: SourceDefinition): Promise<string[]> {
  const input: CheckSourceInput = { definition };
  const result = await lookThroughWorker<CheckSourceInput, CheckSourceResult>(client, config, WORKFLOW_TYPES.checkSource, definition.name, input, CHECK_TIMEOUT_MS);
  return result.problems;
}

/** What a crawl of `source` would read and the schema that would result, writing nothing; or why a dry run
 *  does not read this kind of source. */
export function previewCrawl(client: Client, config: LakeConfig, source: string, opts: { full?: boolean } = {}): Promise<CrawlPreview | PreviewRefused> {
  const input: PreviewCrawlInput = { source, full: opts.full ?? false };
  return lookThroughWorker(client, config, WORKFLOW_TYPES.previewCrawl, source, input, PREVIEW_TIMEOUT_MS);
}
