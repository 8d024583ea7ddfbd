// The two crawl workers a test needs, as the two worker processes run them: one on an I/O queue (workflows
// and catalog activities), one on an inference queue, both polling unique queues of the stack's Temporal
// server for the whole suite.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import type { LakeConfig } from '../../config';
import { bundleWorkflows, closeDeps, createDeps, createInferenceWorker, createWorker } from '../../workers/worker';
import { uniqueName } from './setup';

export interface CrawlWorkers {
  env: TestWorkflowEnvironment;
  deps: ActivityDeps;
  taskQueue: string;
  inferenceTaskQueue: string;
  /** Stops both workers, closes the deps and the environment. */
  stop(): Promise<void>;
}

/** `prepare` sees the deps before the workers start (e.g. to add S3 middleware). */
export async function startCrawlWorkers(config: LakeConfig, name: string, prepare?: (deps: ActivityDeps) => void): Promise<CrawlWorkers> {
  const taskQueue = uniqueName(`test-${name}-io`);
  const inferenceTaskQueue = uniqueName(`test-${name}-inference`);
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.temporal.address, namespace: config.temporal.namespace });
  const deps = createDeps(config);
  prepare?.(deps);
  const cfg = { ...config, temporal: { ...config.temporal, taskQueue, inferenceTaskQueue } };
  const workers: Worker[] = [
    await createWorker({ config: cfg, deps, connection: env.nativeConnection, bundle: await bundleWorkflows(), taskQueue }),
    await createInferenceWorker({ config: cfg, deps, connection: env.nativeConnection, taskQueue: inferenceTaskQueue }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    env,
    deps,
    taskQueue,
    inferenceTaskQueue,
    async stop() {
      for (const w of workers) w.shutdown();
      await running;
      await closeDeps(deps);
      await env.teardown();
    },
  };
}
