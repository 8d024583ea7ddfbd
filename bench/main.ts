// `npm run bench`: JSON lines inference throughput against JSON.parse, on one core and on two.
// Generates a >= 200 MB corpus of event data once (in .stack/bench/, git-ignored), loads it into memory,
// then measures in the same run (best of several passes, after a warm-up pass):
//   1. JSON.parse alone over every line (lines already split into strings: the parse cost only)
//   2. full inference on one core, from the bytes (line splitting and UTF-8 included)
//   3. full inference on two cores (worker_threads over a SharedArrayBuffer, results merged)
// Then, when the local stack is healthy, the crawl benchmarks of bench/crawl.ts, a Kafka topic inferred
// against consumed (bench/kafka.ts), the governance benchmarks of bench/grants.ts (the heaviest: minutes of
// 10,000 workflows), the web catalog's list and search at the database level (bench/web-catalog.ts), and
// how long `lake` and the worker take to start (bench/startup.ts), and last the first crawl of a million
// generated objects (bench/scale.ts).
// BENCH_ONLY=schema, crawl, kafka, grants, web-db, web, startup or scale runs one part (web: the web catalog's pages
// over HTTP). Every ratio is printed again in a table at the end.
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isDeepStrictEqual } from 'node:util';
import { writeCorpus } from './corpus';
import { scanSlice, type SliceJob, type SliceResult } from './scan';
import { mergeResults, EMPTY_RESULT, type InferenceResult } from '../schema/merge';
import { shiftProvenanceLines } from '../schema/provenance';
import { toHiveColumns } from '../schema/hive';
import { loadConfig } from '../config';
import { checkAll } from '../infra/health';
import { crawlBench, type Ratio } from './crawl';
import { groupingBench } from './grouping';
import { grantsBench } from './grants';
import { scaleBench } from './scale';
import { kafkaBench } from './kafka';
import { statsBench } from './stats';
import { webCatalogBench, webHttpBench } from './web-catalog';
import { startupBench } from './startup';
import { best, seconds } from './timing';

const CORPUS_BYTES = 210 * 1e6;
const DIR = join(__dirname, '..', '.stack', 'bench');
const FILE = join(DIR, 'events.jsonl');
const PASSES = Number(process.env.BENCH_PASSES ?? 3);


async function bestAsync(passes: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  let min = Infinity;
  for (let i = 0; i < passes; i++) {
    const t = process.hrtime.bigint();
    await run();
    min = Math.min(min, seconds(t));
  }
  return min;
}

function load(): Uint8Array {
  const size = statSync(FILE).size;
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  const fd = openSync(FILE, 'r');
  for (let off = 0; off < size; ) off += readSync(fd, bytes, off, Math.min(1 << 26, size - off), off);
  closeSync(fd);
  return bytes;
}

function splitLines(bytes: Uint8Array): string[] {
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

/** Cut [0, length) into `parts` ranges ending on line boundaries. */
function slices(bytes: Uint8Array, parts: number): [number, number][] {
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

/** Merge slice results in file order, shifting line numbers so provenance matches a whole-file scan. */
function mergeSlices(results: SliceResult[]): InferenceResult {
  let merged = EMPTY_RESULT;
  let offset = 0;
  for (const { result, lines } of results) {
    const shifted = { ...result, schema: shiftProvenanceLines(result.schema, FILE, offset), corruptSamples: result.corruptSamples.map((s) => ({ ...s, line: s.line + offset })) };
    merged = mergeResults(merged, shifted);
    offset += lines;
  }
  return merged;
}

async function ensureCorpus(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  if (!existsSync(FILE) || statSync(FILE).size < 200e6) {
    const t = process.hrtime.bigint();
    const { bytes, lines } = await writeCorpus(FILE, CORPUS_BYTES);
    console.log(`generated ${FILE}: ${(bytes / 1e6).toFixed(0)} MB, ${lines} lines in ${seconds(t).toFixed(1)} s`);
  }
}

async function schemaBench(): Promise<Ratio[]> {
  const bytes = load();
  const mb = bytes.length / 1e6;
  console.log(`corpus: ${FILE} (${mb.toFixed(0)} MB), ${availableParallelism()} cores available, best of ${PASSES} passes after a warm-up`);

  const lines = splitLines(bytes);
  let sink = 0;
  const parseSeconds = best(PASSES, () => {
    for (let i = 0; i < lines.length; i++) if (JSON.parse(lines[i]!) !== null) sink++;
  });
  lines.length = 0;

  const job: SliceJob = { buffer: bytes.buffer as SharedArrayBuffer, start: 0, end: bytes.length, file: FILE };
  let single: SliceResult | undefined;
  const singleSeconds = best(PASSES, () => {
    single = scanSlice(job);
  });

  const workers = [0, 1].map(() => new Worker(join(__dirname, 'worker.js')));
  const run = (w: Worker, j: SliceJob) =>
    new Promise<SliceResult>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.postMessage(j);
    });
  let parallel: InferenceResult | undefined;
  const parts = slices(bytes, workers.length);
  const parallelSeconds = await bestAsync(PASSES, async () => {
    const results = await Promise.all(parts.map(([start, end], i) => run(workers[i]!, { ...job, start, end })));
    parallel = mergeSlices(results);
  });
  await Promise.all(workers.map((w) => w.terminate()));

  const same = isDeepStrictEqual(parallel, single!.result);
  const rate = (s: number) => (mb / s).toFixed(0).padStart(5);
  console.log(`records: ${single!.result.records}, corrupt: ${single!.result.corruptRecords}, columns: ${toHiveColumns(single!.result.schema).length}, two-core result identical to one-core: ${same} (${sink > 0 ? 'parsed' : ''})`);
  console.log(`JSON.parse alone (1 core):      ${rate(parseSeconds)} MB/s`);
  console.log(`full inference (1 core):        ${rate(singleSeconds)} MB/s   ratio ${(parseSeconds / singleSeconds).toFixed(2)}x JSON.parse (target >= 1.5x)`);
  console.log(`full inference (2 workers):     ${rate(parallelSeconds)} MB/s   ratio ${(parseSeconds / parallelSeconds).toFixed(2)}x JSON.parse (target >= 2.5x)`);
  if (!same) process.exitCode = 1;
  return [
    { name: 'inference (1 core) / JSON.parse', value: parseSeconds / singleSeconds, note: 'throughput, target >= 1.5x' },
    { name: 'inference (2 workers) / JSON.parse', value: parseSeconds / parallelSeconds, note: 'throughput, target >= 2.5x' },
  ];
}

/** The crawl and governance benchmarks need the stack; without it they are skipped (or fail when asked for alone). */
async function stackPart(only: string | undefined, part: 'crawl' | 'kafka' | 'grants' | 'web-db' | 'web' | 'startup' | 'scale'): Promise<Ratio[]> {
  const config = loadConfig();
  const down = (await checkAll(config)).filter((h) => !h.healthy);
  if (down.length > 0) {
    const why = down.map((h) => `${h.service} (${h.address}): ${h.detail}`).join('; ');
    console.log(`\n${part} benchmarks skipped: the local stack is not healthy (${why}); \`npm run stack -- up\` starts it`);
    if (only === part) process.exitCode = 1;
    return [];
  }
  if (part === 'web-db') return webCatalogBench(config);
  if (part === 'web') return webHttpBench(config);
  if (part === 'kafka') return kafkaBench(config);
  if (part === 'startup') return startupBench(config);
  if (part === 'scale') return scaleBench(config);
  return part === 'crawl' ? crawlBench(config, { corpus: FILE }) : grantsBench(config);
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only !== undefined && !['schema', 'crawl', 'kafka', 'grants', 'web-db', 'web', 'startup', 'scale'].includes(only)) throw new Error(`BENCH_ONLY=${only}: expected schema, crawl, kafka, grants, web-db, web, startup or scale`);
  const runs = (part: string) => only === undefined || only === part;
  if (runs('schema') || runs('crawl')) await ensureCorpus(); // the crawl benchmark cuts its CPU-bound objects from the same corpus
  const ratios: Ratio[] = [];
  if (runs('schema')) ratios.push(...(await schemaBench()));
  if (runs('schema')) ratios.push(...groupingBench(FILE, PASSES)); // grouped vs ungrouped inference
  if (runs('schema')) ratios.push(...statsBench(PASSES)); // statistics over every record
  if (runs('crawl')) ratios.push(...(await stackPart(only, 'crawl')));
  if (runs('kafka')) ratios.push(...(await stackPart(only, 'kafka'))); // a topic inferred vs consumed
  if (runs('grants')) ratios.push(...(await stackPart(only, 'grants'))); // expiry lag, worker memory
  if (runs('web-db')) ratios.push(...(await stackPart(only, 'web-db'))); // list and search of the web catalog
  if (runs('web')) ratios.push(...(await stackPart(only, 'web'))); // its pages over HTTP
  if (runs('startup')) ratios.push(...(await stackPart(only, 'startup'))); // lake and the worker starting
  if (runs('scale')) ratios.push(...(await stackPart(only, 'scale'))); // a first crawl of a million generated objects
  if (ratios.length === 0) return;
  const width = Math.max(...ratios.map((r) => r.name.length));
  console.log('\nratios (measured in this run)');
  for (const r of ratios) console.log(`  ${r.name.padEnd(width)}  ${r.value.toFixed(2).padStart(6)}x   ${r.note}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
