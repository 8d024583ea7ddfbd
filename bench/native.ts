// BENCH_ONLY=native: the native-core probe (bench/native-core, Rust over N-API; and the same Rust built as
// WebAssembly, when built) beside JSON.parse and the JS scanner, on the flat records of shapesBench (40 and 20 keys; fixed, shuffled, sparse), in one run, the
// sides taking turns. One core: each side over the whole buffer (JSON.parse over the lines as strings).
// Two cores: two worker_threads, each parsing or scanning its half (a SharedArrayBuffer), results merged.
// Exactness is checked first and a mismatch fails the run: on each shape the native result must be the JS
// scanner's (deeply), and on EDGE_LINES it must reject exactly the lines JSON.parse rejects.
import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { shapedLines, type RecordShape } from './corpus';
import type { Ratio } from './crawl';
import { EDGE_LINES, NATIVE_CORE_BUILD, loadNativeCore, loadWasmCore, nativeInfer, parseVerdict, type Addon } from './native-core';
import { mergeSlices, slices, workerPool } from './pool';
import { parseLines, scanSlice, type SliceResult } from './scan';
import { inferJsonLinesText } from '../schema/infer/jsonl';
import { alternating } from './timing';

const SHAPES: RecordShape[] = ['fixed', 'shuffled', 'sparse'];
const loadAverage = () => loadavg()[0]!.toFixed(1);

/** Fails the run unless the addon rejects exactly the edge lines JSON.parse rejects, with the scanner's result. */
function checkEdgeLines(core: Addon, name: string): void {
  for (const line of EDGE_LINES) {
    const native = nativeInfer(core, new TextEncoder().encode(line), 'edge.jsonl').result;
    const js = inferJsonLinesText(line, { file: 'edge.jsonl' });
    if (!isDeepStrictEqual(native, js)) throw new Error(`${name} differs from the JS scanner on ${JSON.stringify(line)}: ${JSON.stringify(native)} vs ${JSON.stringify(js)}`);
    const tooDeep = line.includes('['.repeat(100)); // the scanner's maxDepth, not JSON.parse's
    const verdict = native.records === 1 ? 'object' : native.corruptSamples[0]!.reason.startsWith('top-level') ? 'other' : 'invalid';
    if (!tooDeep && verdict !== parseVerdict(line)) throw new Error(`${name} says ${verdict} of ${JSON.stringify(line)}, JSON.parse ${parseVerdict(line)}`);
  }
  console.log(`exactness, ${name}: ${EDGE_LINES.length} edge lines (trailing commas, bad escapes, lone surrogates, 01, 1., 1e999, ...) judged as JSON.parse judges them, results identical to the JS scanner's`);
}

export async function nativeBench(passes: number): Promise<Ratio[]> {
  const core = loadNativeCore();
  if (core === undefined) {
    console.log(`\nnative core benchmark skipped: the addon is not built; \`${NATIVE_CORE_BUILD}\` builds it (Rust via rustup, crates from crates.io the first time)`);
    return [];
  }
  checkEdgeLines(core, 'native core');
  const wasm = loadWasmCore();
  if (wasm !== undefined) checkEdgeLines(wasm, 'WebAssembly core');
  else console.log(`(the WebAssembly build of the core is not built: \`${NATIVE_CORE_BUILD} wasm\` builds it too)`);
  const size = Number(process.env.BENCH_SHAPE_MB ?? 40) * 1e6;
  console.log(`\nnative core (Rust, N-API)${wasm === undefined ? '' : ', the same as WebAssembly (wasm)'} vs JSON.parse vs the JS scanner: flat event records, ${(size / 1e6).toFixed(0)} MB each, best of ${passes} passes after a warm-up, in turn`);
  const ratios: Ratio[] = [];
  const pool = workerPool(2);
  try {
    for (const keys of [40, 20]) {
      for (const shape of SHAPES) {
        const file = `${shape}-${keys}.jsonl`;
        const lines = shapedLines(keys, shape, size);
        const encoded = new TextEncoder().encode(lines.join('\n') + '\n');
        const bytes = new Uint8Array(new SharedArrayBuffer(encoded.length));
        bytes.set(encoded);
        const mb = bytes.length / 1e6;
        const job = { buffer: bytes.buffer as SharedArrayBuffer, start: 0, end: bytes.length, file };
        // exact: the same result as the JS scanner's, on one core and merged from two
        const native = nativeInfer(core, bytes, file);
        const js = scanSlice(job);
        if (!isDeepStrictEqual(native, js)) throw new Error(`${file}: native core result differs from the JS scanner's`);
        if (wasm !== undefined && !isDeepStrictEqual(nativeInfer(wasm, bytes, file), js)) throw new Error(`${file}: WebAssembly core result differs from the JS scanner's`);
        if (native.result.records !== lines.length) throw new Error(`${file}: ${native.result.records} records of ${lines.length}`);
        const parts = slices(bytes, 2).map(([start, end]) => ({ ...job, start, end }));
        await pool.all(parts.map((j) => ({ kind: 'split', job: j })));
        const rate = (s: number) => (mb / s).toFixed(0).padStart(5);
        let nativeTwo: unknown;
        let wasmTwo: unknown = js.result;
        const none = () => 0;
        const t = await alternating(passes, {
          parse: () => parseLines(lines),
          native: () => nativeInfer(core, bytes, file),
          wasm: wasm === undefined ? none : () => nativeInfer(wasm, bytes, file),
          scan: () => scanSlice(job),
          parseTwo: () => pool.all<number>(parts.map(() => ({ kind: 'parse' }))),
          nativeTwo: async () => (nativeTwo = mergeSlices(await pool.all<SliceResult>(parts.map((j) => ({ kind: 'native', job: j }))), file)),
          wasmTwo: wasm === undefined ? none : async () => (wasmTwo = mergeSlices(await pool.all<SliceResult>(parts.map((j) => ({ kind: 'wasm', job: j }))), file)),
          scanTwo: async () => mergeSlices(await pool.all<SliceResult>(parts.map((j) => ({ kind: 'scan', job: j }))), file),
        });
        if (!isDeepStrictEqual(nativeTwo, js.result) || !isDeepStrictEqual(wasmTwo, js.result)) throw new Error(`${file}: a two-core result differs from the one-core JS scanner's`);
        const wasmText = (one: number, two: number) => (wasm === undefined ? '' : `  wasm ${rate(one)} MB/s  ${(two / one).toFixed(2)}x`);
        const wall = t.parse / t.native;
        const cpu = t.cpu.parse / t.cpu.native;
        const two = t.parseTwo / t.nativeTwo;
        console.log(
          `  ${String(keys).padStart(2)} keys, ${shape.padEnd(8)}  1 core: JSON.parse ${rate(t.parse)} MB/s  native ${rate(t.native)} MB/s  ${wall.toFixed(2)}x (CPU ${cpu.toFixed(2)}x)${wasmText(t.wasm, t.parse)}  JS scanner ${rate(t.scan)} MB/s  ${(t.parse / t.scan).toFixed(2)}x (CPU ${(t.cpu.parse / t.cpu.scan).toFixed(2)}x)`,
        );
        console.log(
          `  ${''.padStart(17)}  2 workers: JSON.parse ${rate(t.parseTwo)} MB/s  native ${rate(t.nativeTwo)} MB/s  ${two.toFixed(2)}x${wasmText(t.wasmTwo, t.parseTwo)}  JS scanner ${rate(t.scanTwo)} MB/s  ${(t.parseTwo / t.scanTwo).toFixed(2)}x   load average ${loadAverage()}`,
        );
        ratios.push({ name: `native / JSON.parse, ${keys} keys, ${shape}`, value: wall, note: `one core (by CPU time ${cpu.toFixed(2)}x); JS scanner ${(t.parse / t.scan).toFixed(2)}x` });
        ratios.push({ name: `native / JSON.parse, ${keys} keys, ${shape}, 2 workers`, value: two, note: `two cores; JS scanner ${(t.parseTwo / t.scanTwo).toFixed(2)}x` });
        if (wasm !== undefined) ratios.push({ name: `WebAssembly / JSON.parse, ${keys} keys, ${shape}`, value: t.parse / t.wasm, note: `one core (by CPU time ${(t.cpu.parse / t.cpu.wasm).toFixed(2)}x); two cores ${(t.parseTwo / t.wasmTwo).toFixed(2)}x` });
      }
    }
  } finally {
    await pool.close();
  }
  return ratios;
}
