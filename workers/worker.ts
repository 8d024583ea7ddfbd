// Builds the worker of the I/O task queue: workflows bundled once at start, activities bound to their
// connections. Used by the worker process, `npm start` and the integration tests.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleOption, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { LakeConfig } from '../config';
import { createActivities, createInferenceActivities, type ActivityDeps } from '../activities';
import type { PrivateStore } from '../activities/level-views';
import { createDb } from '../db/knex';
import { MetastoreClient } from '../adapters/metastore/client';
import { createS3Client } from '../adapters/s3';
import { S3Accounts } from '../adapters/s3-accounts';

// index.js when this module runs compiled from dist/, index.ts from the sources
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', `index${path.extname(__filename)}`);

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

/** Where `npm run build` writes the workflow bundle: dist/workflows-bundle.js. */
export const PREBUILT_BUNDLE = path.join(__dirname, '..', 'workflows-bundle.js');

/** The workflows of a worker process: compiled in dist/, the bundle the build made with them (bundling
 *  takes seconds, most of a worker's start); from the sources, bundled now. */
export async function workflowBundle(): Promise<WorkflowBundleOption> {
  if (__filename.endsWith('.js') && existsSync(PREBUILT_BUNDLE)) return { codePath: PREBUILT_BUNDLE };
  return bundleWorkflows();
}

/** The catalog's private data: under the stack's bucket and in a metastore database named after the
 *  catalog's database, so catalogs sharing the servers keep theirs apart. */
export function privateStoreOf(config: LakeConfig): PrivateStore {
  const catalog = new URL(config.postgres.url).pathname.replace(/^\//, '').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return { bucket: config.s3.demoBucket, prefix: `_lake_private/${catalog}/`, database: `${catalog}_private` };
}

export function createDeps(config: LakeConfig): ActivityDeps {
  return {
    catalog: config.catalog,
    db: createDb(config.postgres),
    s3: createS3Client(config.s3),
    metastore: new MetastoreClient(config.metastore),
    kafkaBootstrap: config.kafka.bootstrap,
    storage: { accounts: new S3Accounts(config.s3), config: config.s3 },
    privateStore: privateStoreOf(config),
    governance: config.governance,
  };
}

export async function closeDeps(deps: ActivityDeps): Promise<void> {
  deps.metastore.close();
  deps.s3.destroy();
  deps.storage.accounts.close();
  await deps.db.destroy();
}

/** How much of the I/O queue one worker process takes at once. */
export interface IoWorkerTuning {
  /** Workflow tasks polled for at once: a day's grants end at one instant, and a task that finds no poller
   *  waiting is queued in the server's database and handed out far more slowly. */
  workflowTaskPollers: number;
  /** Workflow tasks in progress at once; a grant's ending holds one while its local activities run. */
  workflowTasks: number;
  localActivities: number;
}

export const IO_WORKER_TUNING: IoWorkerTuning = { workflowTaskPollers: 100, workflowTasks: 200, localActivities: 200 };

/** IO_WORKER_TUNING with LAKE_WORKER_WORKFLOW_POLLERS, LAKE_WORKER_WORKFLOW_TASKS and
 *  LAKE_WORKER_LOCAL_ACTIVITIES from `env` (positive integers) in place of its defaults. */
export function ioWorkerTuning(env: NodeJS.ProcessEnv): IoWorkerTuning {
  const read = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (!/^[1-9]\d*$/.test(v)) throw new Error(`${name}=${v}: expected a positive integer`);
    return Number(v);
  };
  return {
    workflowTaskPollers: read('LAKE_WORKER_WORKFLOW_POLLERS', IO_WORKER_TUNING.workflowTaskPollers),
    workflowTasks: read('LAKE_WORKER_WORKFLOW_TASKS', IO_WORKER_TUNING.workflowTasks),
    localActivities: read('LAKE_WORKER_LOCAL_ACTIVITIES', IO_WORKER_TUNING.localActivities),
  };
}

export async function createWorker(opts: {
  config: LakeConfig;
  deps: ActivityDeps;
  connection: NativeConnection;
  bundle: WorkflowBundleOption;
  taskQueue?: string;
  tuning?: IoWorkerTuning;
}): Promise<Worker> {
  const tuning = opts.tuning ?? IO_WORKER_TUNING;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.temporal.namespace,
    taskQueue: opts.taskQueue ?? opts.config.temporal.taskQueue,
    workflowBundle: opts.bundle,
    activities: createActivities(opts.deps),
    maxConcurrentWorkflowTaskPolls: tuning.workflowTaskPollers,
    maxConcurrentWorkflowTaskExecutions: tuning.workflowTasks,
    maxConcurrentLocalActivityExecutions: tuning.localActivities,
  });
}

/** The worker of the inference task queue: activities only, CPU-bound, in a process of its own so a big
 *  crawl never delays a grant's revocation or a publish on the I/O queue. */
export async function createInferenceWorker(opts: {
  config: LakeConfig;
  deps: ActivityDeps;
  connection: NativeConnection;
  taskQueue?: string;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.config.temporal.namespace,
    taskQueue: opts.taskQueue ?? opts.config.temporal.inferenceTaskQueue,
    activities: createInferenceActivities(opts.deps),
    // inference is CPU-bound: a few at a time per process
    maxConcurrentActivityTaskExecutions: 2,
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
