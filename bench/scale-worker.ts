// A worker process of the scale benchmark: the real worker of the I/O queue (`io`: workflows and the
// catalog's activities) or of the inference queue (`inference`), with the generated lake of
// $BENCH_SCALE_SHAPE in front of the stack's S3. The I/O worker also records its peak RSS and the time of
// each planCrawl, mergeCrawl and publishSource call in $BENCH_SCALE_PROBE (the merge's peak is the
// process's since its start, so at least the plan's).
//   node --require tsx/cjs bench/scale-worker.ts io|inference
import { readFileSync, writeFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, createInferenceActivities } from '../activities';
import { loadConfig } from '../config';
import { generatedS3, GeneratedLake, type LakeShape } from './generated-lake';
import { closeDeps, createDeps, workflowBundle } from '../workers/worker';

interface ActivityProbe {
  calls: number;
  seconds: number;
  peakRssBytes: number;
}

/** VmHWM of /proc/self/status: the most RSS this process has held (0 where /proc is not). */
function rssHighWaterMark(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (role !== 'io' && role !== 'inference') throw new Error('usage: scale-worker.ts io|inference');
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const lake = new GeneratedLake(JSON.parse(process.env.BENCH_SCALE_SHAPE!) as LakeShape);
  const deps = createDeps(config);
  deps.s3 = generatedS3(lake, deps.s3);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    let worker: Worker;
    if (role === 'io') {
      const probes: Record<string, ActivityProbe> = {};
      const activities = createActivities(deps) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      for (const name of ['planCrawl', 'mergeCrawl', 'publishSource']) {
        const fn = activities[name]!;
        const probe: ActivityProbe = (probes[name] = { calls: 0, seconds: 0, peakRssBytes: 0 });
        activities[name] = async (...args: unknown[]) => {
          // the kernel's high-water mark catches peaks between samples (a listing from memory never yields
          // to a timer); it counts since the process started, so it is read as the plan ends, before the merge
          const sample = () => (probe.peakRssBytes = Math.max(probe.peakRssBytes, process.memoryUsage.rss(), rssHighWaterMark()));
          const timer = setInterval(sample, 50);
          const t = process.hrtime.bigint();
          try {
            return await fn(...args);
          } finally {
            clearInterval(timer);
            sample();
            probe.calls += 1;
            probe.seconds += Number(process.hrtime.bigint() - t) / 1e9;
            writeFileSync(process.env.BENCH_SCALE_PROBE!, JSON.stringify(probes));
          }
        };
      }
      worker = await Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        workflowBundle: await workflowBundle(),
        activities,
      });
    } else {
      worker = await Worker.create({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.inferenceTaskQueue,
        activities: createInferenceActivities(deps),
        maxConcurrentActivityTaskExecutions: 2,
      });
    }
    await worker.run();
  } finally {
    await closeDeps(deps);
    await connection.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
