// Builds the worker of the I/O task queue: workflows bundled once at start, activities bound to their
// connections. Used by the worker process, `npm start` and the integration tests.
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { LakeConfig } from '../config';
import { createActivities, type ActivityDeps } from '../activities';
import { createDb } from '../db/knex';
import { MetastoreClient } from '../adapters/metastore/client';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

export function createDeps(config: LakeConfig): ActivityDeps {
  return { db: createDb(config.postgres), metastore: new MetastoreClient(config.metastore) };
}

export async function closeDeps(deps: ActivityDeps): Promise<void> {
  deps.metastore.close();
  await deps.db.destroy();
}

export async function createWorker(opts: {
  config: LakeConfig;
  deps: ActivityDeps;
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  taskQueue?: string;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.temporal.namespace,
    taskQueue: opts.taskQueue ?? opts.config.temporal.taskQueue,
    workflowBundle: opts.bundle,
    activities: createActivities(opts.deps),
  });
}

const quietBundlerLogger = {
  trace() {},
  debug() {},
  info() {},
  warn(message: string, meta?: unknown) {
    console.warn(message, meta ?? '');
  },
  error(message: string, meta?: unknown) {
    console.error(message, meta ?? '');
  },
  log() {},
};
