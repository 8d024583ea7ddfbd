// `npm run bench`: JSON lines inference throughput against JSON.parse, on one core and on two.
// Generates a >= 200 MB corpus of event data once (in .stack/bench/, git-ignored), loads it into memory,
// then measures in the same run (best of several passes after a warm-up pass, the sides taking turns):
//   1. JSON.parse alone over every line (lines already split into strings: the parse cost only)
//   2. full inference on one core, from the bytes (line splitting and UTF-8 included)
//   3. JSON.parse on two cores (worker_threads, each parsing its half's lines, split beforehand)
//   4. full inference on two cores (worker_threads over a SharedArrayBuffer, results merged)
// then flat event records of 40 and 20 keys in three shapes (fixed order, shuffled order, a random subset
// of keys), one core against one-core JSON.parse (BENCH_SHAPE_MB each, default 40).
// Then, when the local stack is healthy, the crawl benchmarks of bench/crawl.ts, a Kafka topic inferred
// against consumed (bench/kafka.ts), the governance benchmarks of bench/grants.ts (the heaviest: minutes of
// 10,000 workflows), the web catalog's list and search at the database level (bench/web-catalog.ts), and
// how long `lake` and the worker take to start (bench/startup.ts), and last the first crawl of a million
// generated objects (bench/scale.ts).
// BENCH_ONLY=schema, shapes, native, crawl, kafka, grants, web-db, web, startup or scale runs one part (web: the web
// catalog's pages over HTTP; shapes: the flat records alone; native: the native-core probe of bench/native-core
// on the flat records, beside JSON.parse and the JS scanner, only when asked for). Every ratio is printed again in a table at the end.
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { shapedLines, writeCorpus, type RecordShape } from './corpus';
import { parseLines, scanSlice, splitLines, type SliceJob, type SliceResult } from './scan';
import type { InferenceResult } from '../schema/merge';
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
import { alternating, seconds } from './timing';
import { mergeSlices, slices, workerPool } from './pool';
import { nativeBench } from './native';

const CORPUS_BYTES = 210 * 1e6;
const DIR = join(__dirname, '..', '.stack', 'bench');
const FILE = join(DIR, 'events.jsonl');
const PASSES = Number(process.env.BENCH_PASSES ?? 3);


const loadAverage = () => loadavg()[0]!.toFixed(1);

function load(): Uint8Array {
  const size = statSync(FILE).size;
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  const fd = openSync(FILE, 'r');
  for (let off = 0; off < size; ) off += readSync(fd, bytes, off, Math.min(1 << 26, size - off), off);
  closeSync(fd);
  return bytes;
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
  console.log(`corpus: ${FILE} (${mb.toFixed(0)} MB), ${availableParallelism()} cores available, best of ${PASSES} passes after a warm-up, in turn`);

  const lines = splitLines(bytes);
  let sink = 0;
  const job: SliceJob = { buffer: bytes.buffer as SharedArrayBuffer, start: 0, end: bytes.length, file: FILE };
  let single: SliceResult | undefined;
  let parallel: InferenceResult | undefined;
  const pool = workerPool(2);
  const parts = slices(bytes, 2).map(([start, end]) => ({ ...job, start, end }));
  // each worker keeps its slice's lines as strings: JSON.parse is timed on strings on both sides
  await pool.all(parts.map((j) => ({ kind: 'split', job: j })));
  const t = await alternating(PASSES, {
    parse: () => (sink += parseLines(lines)),
    single: () => (single = scanSlice(job)),
    parseTwo: async () => (sink += (await pool.all<number>(parts.map(() => ({ kind: 'parse' })))).reduce((a, b) => a + b, 0)),
    parallel: async () => (parallel = mergeSlices(await pool.all<SliceResult>(parts.map((j) => ({ kind: 'scan', job: j }))), FILE)),
  });
  await pool.close();
  lines.length = 0;

  const same = isDeepStrictEqual(parallel, single!.result);
  const rate = (s: number) => (mb / s).toFixed(0).padStart(5);
  console.log(`records: ${single!.result.records}, corrupt: ${single!.result.corruptRecords}, columns: ${toHiveColumns(single!.result.schema).length}, two-core result identical to one-core: ${same} (${sink > 0 ? 'parsed' : ''})`);
  console.log(`JSON.parse alone (1 core):      ${rate(t.parse)} MB/s`);
  console.log(`full inference (1 core):        ${rate(t.single)} MB/s   ratio ${(t.parse / t.single).toFixed(2)}x JSON.parse (1 core) (target >= 1.5x)   by CPU time ${(t.cpu.parse / t.cpu.single).toFixed(2)}x`);
  console.log(`JSON.parse alone (2 workers):   ${rate(t.parseTwo)} MB/s`);
  console.log(`full inference (2 workers):     ${rate(t.parallel)} MB/s   ratio ${(t.parseTwo / t.parallel).toFixed(2)}x JSON.parse (2 workers) (target >= 2.5x)   load average ${loadAverage()}`);
  if (!same) process.exitCode = 1;
  return [
    { name: 'inference (1 core) / JSON.parse (1 core)', value: t.parse / t.single, note: 'throughput, target >= 1.5x' },
    { name: 'inference (2 workers) / JSON.parse (2 workers)', value: t.parseTwo / t.parallel, note: 'throughput, target >= 2.5x' },
  ];
}

const SHAPES: RecordShape[] = ['fixed', 'shuffled', 'sparse'];
/** Target of the one-core ratio to JSON.parse for each record shape. */
const SHAPE_TARGETS: Record<RecordShape, number> = { fixed: 3, shuffled: 1.5, sparse: 1.5 };

/**
 * Flat event records of 40 and 20 keys in three shapes (every key in one order, keys shuffled per record,
 * a random half of the keys), BENCH_SHAPE_MB (default 40) MB each, generated in memory: one-core
 * inference against one-core JSON.parse over the same lines, in turn.
 */
async function shapesBench(): Promise<Ratio[]> {
  const size = Number(process.env.BENCH_SHAPE_MB ?? 40) * 1e6;
  console.log(`\nflat event records by shape, ${(size / 1e6).toFixed(0)} MB each, one core, best of ${PASSES} passes after a warm-up, in turn`);
  const ratios: Ratio[] = [];
  for (const keys of [40, 20]) {
    for (const shape of SHAPES) {
      const lines = shapedLines(keys, shape, size);
      const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
      const mb = bytes.length / 1e6;
      let records = 0;
      let parsed = 0;
      const t = await alternating(PASSES, {
        parse: () => (parsed = parseLines(lines)),
        scan: () => (records = scanSlice({ buffer: bytes.buffer, start: 0, end: bytes.length, file: `${shape}-${keys}.jsonl` }).result.records),
      });
      if (records !== lines.length || parsed !== lines.length) throw new Error(`${shape} ${keys}: ${records} records scanned, ${parsed} parsed, of ${lines.length}`);
      const ratio = t.parse / t.scan;
      const cpuRatio = t.cpu.parse / t.cpu.scan;
      console.log(
        `  ${String(keys).padStart(2)} keys, ${shape.padEnd(8)}  JSON.parse ${(mb / t.parse).toFixed(0).padStart(4)} MB/s   inference ${(mb / t.scan).toFixed(0).padStart(4)} MB/s   ratio ${ratio.toFixed(2)}x (target >= ${SHAPE_TARGETS[shape]}x)   by CPU time ${cpuRatio.toFixed(2)}x   load average ${loadAverage()}`,
      );
      ratios.push({ name: `inference / JSON.parse, ${keys} keys, ${shape}`, value: ratio, note: `throughput, one core, target >= ${SHAPE_TARGETS[shape]}x (by CPU time ${cpuRatio.toFixed(2)}x)` });
    }
  }
  return ratios;
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
  if (only !== undefined && !['schema', 'shapes', 'native', 'crawl', 'kafka', 'grants', 'web-db', 'web', 'startup', 'scale'].includes(only)) throw new Error(`BENCH_ONLY=${only}: expected schema, shapes, native, crawl, kafka, grants, web-db, web, startup or scale`);
  const runs = (part: string) => only === undefined || only === part;
  if (runs('schema') || runs('crawl')) await ensureCorpus(); // the crawl benchmark cuts its CPU-bound objects from the same corpus
  const ratios: Ratio[] = [];
  if (runs('schema')) ratios.push(...(await schemaBench()));
  if (runs('schema') || runs('shapes')) ratios.push(...(await shapesBench())); // flat records: fixed, shuffled, sparse keys
  if (only === 'native') ratios.push(...(await nativeBench(PASSES))); // the native-core probe on the same flat records
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
