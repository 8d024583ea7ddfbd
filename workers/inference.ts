// The worker process of the inference task queue (CPU-heavy schema inference of crawl batches).
// Graceful on SIGINT/SIGTERM like the I/O worker.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../config';
import { closeDeps, createDeps, createInferenceWorker } from './worker';

async function run(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger((process.env.LAKE_LOG_LEVEL as 'INFO' | undefined) ?? 'WARN') });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const deps = createDeps(config);
  try {
    const worker = await createInferenceWorker({ config, deps, connection });
    console.log(`inference worker polling task queue "${config.temporal.inferenceTaskQueue}" on ${config.temporal.address}`);
    await worker.run();
    console.log('inference worker stopped');
  } finally {
    await closeDeps(deps);
    await connection.close();
  }
}

run().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
