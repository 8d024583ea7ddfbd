// The work each core does in the benchmark: feed a byte range to the scanner in 1 MiB chunks, as a
// stream would.
import { JsonLinesScanner } from '../schema/infer/jsonl';
import type { InferenceResult } from '../schema/merge';

export interface SliceJob {
  buffer: SharedArrayBuffer | ArrayBuffer;
  start: number;
  end: number;
  file: string;
}

export interface SliceResult {
  result: InferenceResult;
  lines: number;
}

const CHUNK = 1 << 20;

export function scanSlice(job: SliceJob): SliceResult {
  const bytes = new Uint8Array(job.buffer, job.start, job.end - job.start);
  const scanner = new JsonLinesScanner(job.file);
  for (let i = 0; i < bytes.length; i += CHUNK) scanner.push(bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
  const result = scanner.end();
  return { result, lines: scanner.linesScanned };
}
