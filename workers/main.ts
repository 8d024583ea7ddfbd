// The worker processes of lake catalog.
//   node infra/dist.js workers/main.ts            I/O worker + an inference worker child process, until SIGINT/SIGTERM
//   --no-inference                                do not start the inference child (another host runs it)
//   --no-schedules                                do not sync the crawl schedules at start (tests)
// `npm start` (infra/start.sh) runs this, then the demo (infra/demo.ts) as a step of its own.
// At start the crawl schedules are synced with the catalog. Shutdown is graceful: the SDK's runtime catches
// SIGINT/SIGTERM, the worker finishes in-flight tasks, the child gets the same signal.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfigOrExit, type LakeConfig } from '../config';
import { closeDeps, createDeps, createWorker, ioWorkerTuning, workflowBundle } from './worker';
import { syncSchedules } from '../client/schedules';
import { describeError } from '../client/temporal-retry';
import { ensureReconcileSchedule } from '../client/grants';
import { connectClient } from '../client/connect';

export async function runWorker(config: LakeConfig, opts: { syncSchedules: boolean }): Promise<void> {
  const tuning = ioWorkerTuning(process.env);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const deps = createDeps(config);
  try {
    if (opts.syncSchedules) await syncAtStart(config, deps);
    const bundle = await workflowBundle();
    const worker = await createWorker({ config, deps, connection, bundle, tuning });
    const running = worker.run();
    console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
    await running;
    console.log('worker stopped');
  } finally {
    await closeDeps(deps);
    await connection.close();
  }
}

async function syncAtStart(config: LakeConfig, deps: ReturnType<typeof createDeps>): Promise<void> {
  const client = await connectClient(config);
  try {
    const synced = await syncSchedules(client, deps.db, config);
    await ensureReconcileSchedule(client, { catalog: config.catalog, taskQueue: config.temporal.taskQueue });
    console.log(`schedules: ${synced.created.length} created, ${synced.updated.length} updated, ${synced.deleted.length} deleted, ${synced.unchanged.length} unchanged`);
  } finally {
    await client.connection.close();
  }
}

/** The inference worker in a process of its own; it ends with this one. */
function startInferenceWorker(): ChildProcess {
  // compiled (dist/) the sibling is JavaScript; from the sources it needs tsx
  const compiled = __filename.endsWith('.js');
  const argv = compiled ? [path.join(__dirname, 'inference.js')] : ['--require', 'tsx/cjs', path.join(__dirname, 'inference.ts')];
  const child = spawn(process.execPath, argv, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.once('SIGINT', () => forward('SIGINT'));
  process.once('SIGTERM', () => forward('SIGTERM'));
  process.once('exit', () => child.kill('SIGTERM'));
  return child;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const config = loadConfigOrExit();
  // the SDK logs every worker state change at INFO; a person at the terminal wants warnings
  Runtime.install({ logger: new DefaultLogger((process.env.LAKE_LOG_LEVEL as 'INFO' | undefined) ?? 'WARN') });
  const inference = args.includes('--no-inference') ? undefined : startInferenceWorker();
  runWorker(config, { syncSchedules: !args.includes('--no-schedules') }).then(
    () => inference?.kill('SIGTERM'),
    (e) => {
      console.error(describeError(e));
      inference?.kill('SIGTERM');
      process.exit(1);
    },
  );
}
