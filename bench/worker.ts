// Worker thread of the two-core figures: scans a slice of a shared JSON lines buffer (with the JS scanner
// or the native-core probe) and posts the inference result back, or parses a slice's lines with JSON.parse
// (split once, beforehand).
import { parentPort } from 'node:worker_threads';
import { parseLines, scanSlice, splitLines, type WorkerRequest } from './scan';
import { loadNativeCore, loadWasmCore, nativeInfer } from './native-core';

let lines: string[] = [];

parentPort!.on('message', (request: WorkerRequest) => {
  if (request.kind === 'scan') return parentPort!.postMessage(scanSlice(request.job));
  if (request.kind === 'native' || request.kind === 'wasm') {
    const { buffer, start, end, file } = request.job;
    const core = request.kind === 'native' ? loadNativeCore()! : loadWasmCore()!;
    return parentPort!.postMessage(nativeInfer(core, new Uint8Array(buffer, start, end - start), file));
  }
  if (request.kind === 'split') {
    const { buffer, start, end } = request.job;
    lines = splitLines(new Uint8Array(buffer, start, end - start));
    return parentPort!.postMessage(lines.length);
  }
  parentPort!.postMessage(parseLines(lines));
});
