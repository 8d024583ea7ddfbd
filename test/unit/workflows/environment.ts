// Workflows under test with fake activities: a Temporal dev server of the test's own and a worker that
// runs the real workflow bundle and calls the fakes by the activity names the workflows use.
//
// The time-skipping test server (TestWorkflowEnvironment.createTimeSkipping) is a download the SDK makes on
// first use, which a machine without internet cannot make; the stack's Temporal CLI is built here already.
// Its timers run on the real clock, so these tests keep their deadlines to seconds.
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { LAKE_SOURCE } from '../../../workflows/shared';
import { stackTemporalBinary } from '../../integration/setup';

// what the worker registers (workers/worker.ts bundles the same module)
const WORKFLOWS = path.join(__dirname, '..', '..', '..', 'workflows', 'index.ts');
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

export interface WorkflowTestBed {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** Stops the worker and the server. */
  close(): Promise<void>;
}

/** Starts a dev server and a worker polling `taskQueue` with the real workflows and `activities`. */
export async function startWorkflowTestBed(taskQueue: string, activities: Record<string, (...args: never[]) => Promise<unknown>>): Promise<WorkflowTestBed> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') }); // the worker logs each state change at INFO
  } catch {
    // installed already by another test in this process: keep it
  }
  const bundling: Promise<WorkflowBundleWithSourceMap> = bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quiet });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: stackTemporalBinary() }, searchAttributes: [LAKE_SOURCE], extraArgs: ['--log-level', 'error'] },
  });
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await bundling, activities });
    const running = worker.run();
    return {
      env,
      taskQueue,
      async close() {
        worker.shutdown();
        await running;
        await env.teardown();
      },
    };
  } catch (e) {
    await env.teardown();
    throw e;
  }
}
