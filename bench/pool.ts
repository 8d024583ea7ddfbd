// Worker threads of the two-core figures (bench/worker.ts), and how a buffer is cut for them.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { mergeResults, EMPTY_RESULT, type InferenceResult } from '../schema/merge';
import { shiftProvenanceLines } from '../schema/provenance';
import type { SliceResult, WorkerRequest } from './scan';

/** Cut [0, length) into `parts` ranges ending on line boundaries. */
export function slices(bytes: Uint8Array, parts: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= parts; i++) {
    let end = i === parts ? bytes.length : Math.floor((bytes.length * i) / parts);
    if (i < parts) end = bytes.indexOf(0x0a, end) + 1 || bytes.length;
    out.push([start, end]);
    start = end;
  }
  return out;
}

/** A pool of worker threads (bench/worker.js), each answering one request at a time. */
export function workerPool(size: number) {
  const workers = Array.from({ length: size }, () => new Worker(join(__dirname, 'worker.js')));
  const ask = <T>(w: Worker, request: WorkerRequest) =>
    new Promise<T>((resolve, reject) => {
      // one error listener per request, removed with its answer (a long run asks thousands of times)
      w.once('error', reject);
      w.once('message', (answer: T) => {
        w.off('error', reject);
        resolve(answer);
      });
      w.postMessage(request);
    });
  return {
    /** Sends request i to worker i, and waits for every answer. */
    all: <T>(requests: WorkerRequest[]) => Promise.all(requests.map((r, i) => ask<T>(workers[i]!, r))),
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

/** Merge slice results in file order, shifting line numbers so provenance matches a whole-file scan. */
export function mergeSlices(results: SliceResult[], file: string): InferenceResult {
  let merged = EMPTY_RESULT;
  let offset = 0;
  for (const { result, lines } of results) {
    const shifted = { ...result, schema: shiftProvenanceLines(result.schema, file, offset), corruptSamples: result.corruptSamples.map((s) => ({ ...s, line: s.line + offset })) };
    merged = mergeResults(merged, shifted);
    offset += lines;
  }
  return merged;
}
