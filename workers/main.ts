// The worker process of the I/O task queue.
//   tsx workers/main.ts            run until SIGINT/SIGTERM
//   tsx workers/main.ts --demo     also run the demo once the worker polls (what `npm start` does)
//   tsx workers/main.ts --demo --once   run the demo, then stop (for scripts)
// Shutdown is graceful: the SDK's runtime catches SIGINT/SIGTERM, the worker finishes in-flight tasks,
// then the connections close.
import { NativeConnection, type Worker } from '@temporalio/worker';
import { ConfigError, loadConfig, type LakeConfig } from '../config';
import { bundleWorkflows, closeDeps, createDeps, createWorker } from './worker';
import { runDemo } from '../infra/demo';

export async function runWorker(config: LakeConfig, afterStart?: (worker: Worker) => Promise<void>): Promise<void> {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const deps = createDeps(config);
  try {
    const bundle = await bundleWorkflows();
    const worker = await createWorker({ config, deps, connection, bundle });
    const running = worker.run();
    console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
    if (afterStart) {
      try {
        await afterStart(worker);
      } catch (e) {
        worker.shutdown();
        await running;
        throw e;
      }
    }
    await running;
  } finally {
    await closeDeps(deps);
    await connection.close();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  let config: LakeConfig;
  try {
    config = loadConfig();
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(2);
  }
  const afterStart = args.includes('--demo')
    ? async (worker: Worker) => {
        await runDemo(config);
        if (args.includes('--once')) worker.shutdown();
        else console.log('\nworker keeps running so schedules fire; Ctrl-C stops it (the stack stays up: npm run stack -- down)');
      }
    : undefined;
  runWorker(config, afterStart).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
