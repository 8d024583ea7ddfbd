// The work each core does in the benchmark: feed a byte range to the scanner in 1 MiB chunks, as a
// stream would; or, for the JSON.parse side of a ratio, parse the same range's lines.
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

/** What a worker is asked: scan a slice (with the JS scanner, or the native-core probe as an addon or WebAssembly), split a slice into lines and keep them, or parse the kept lines. */
export type WorkerRequest = { kind: 'scan'; job: SliceJob } | { kind: 'native' | 'wasm'; job: SliceJob } | { kind: 'split'; job: SliceJob } | { kind: 'parse' };

const CHUNK = 1 << 20;

export function scanSlice(job: SliceJob): SliceResult {
  const bytes = new Uint8Array(job.buffer, job.start, job.end - job.start);
  const scanner = new JsonLinesScanner(job.file);
  for (let i = 0; i < bytes.length; i += CHUNK) scanner.push(bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
  const result = scanner.end();
  return { result, lines: scanner.linesScanned };
}

/** The non-empty lines of bytes as strings (split outside the timing: JSON.parse is timed on strings). */
export function splitLines(bytes: Uint8Array): string[] {
  const decoder = new TextDecoder();
  const lines: string[] = [];
  const piece = 1 << 24;
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(start + piece, bytes.length);
    if (end < bytes.length) end = bytes.indexOf(0x0a, end) + 1 || bytes.length;
    for (const l of decoder.decode(bytes.subarray(start, end)).split('\n')) if (l.length > 0) lines.push(l);
    start = end;
  }
  return lines;
}

/** JSON.parse over every line; returns how many parsed to non-null (so the work is not optimised away). */
export function parseLines(lines: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < lines.length; i++) if (JSON.parse(lines[i]!) !== null) n++;
  return n;
}
