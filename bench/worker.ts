// Scans a slice of a shared JSON lines buffer and posts the inference result back.
import { parentPort } from 'node:worker_threads';
import { scanSlice, type SliceJob } from './scan';

parentPort!.on('message', (job: SliceJob) => {
  parentPort!.postMessage(scanSlice(job));
});
