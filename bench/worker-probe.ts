// Preloaded (`--require`) into a worker process the bench measures, as /proc shows only its RSS: every
// thread of it — the main one and the SDK's workflow thread, which runs the workflows in an isolate of its
// own — writes its V8 heap to `$BENCH_PROBE_DIR/<pid>-<thread>.json` once a second, and the main thread
// adds the size of the SDK worker's workflow cache once the worker is created.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

export interface ThreadProbe {
  mainThread: boolean;
  usedBytes: number;
  totalBytes: number; // what V8 has reserved for the heap
  maxCachedWorkflows?: number; // main thread, once the SDK worker exists
  at: number; // epoch ms
}

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  const file = join(dir, `${process.pid}-${threadId}.json`);
  let maxCachedWorkflows: number | undefined;
  const write = () => {
    const h = getHeapStatistics();
    const probe: ThreadProbe = { mainThread: isMainThread, usedBytes: h.used_heap_size, totalBytes: h.total_heap_size, maxCachedWorkflows, at: Date.now() };
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(probe));
      renameSync(`${file}.tmp`, file); // a reader never sees half a file
    } catch {
      // the bench removed the directory: it is done
    }
  };
  if (isMainThread) {
    // the cache size the SDK chose (from the heap limit, unless configured) is on the created worker
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('@temporalio/worker') as typeof import('@temporalio/worker');
    const create = Worker.create.bind(Worker);
    Worker.create = async (options) => {
      const worker = await create(options);
      maxCachedWorkflows = worker.options.maxCachedWorkflows;
      write();
      return worker;
    };
  }
  write();
  setInterval(write, 1000).unref();
}
