// `BENCH_ONLY=startup npm run bench`: how long `lake` and the worker take to start, as whole processes,
// compiled (dist/, what an install runs) and from the TypeScript sources (LAKE_FROM_SOURCE=1: tsx).
//   lake --help                     p50 of BENCH_STARTUP_RUNS (10) after a warm-up, target <= 0.3 s
//   lake describe <source>          the same, on the configured catalog (BENCH_STARTUP_SOURCE, default the
//                                   demo's activity-log); skipped when the source is not there
//   the worker to "worker polling"  median of 3, on task queues of its own (--no-schedules --no-inference)
// A build that is not current is rebuilt first (npm run build), so the compiled figures are of this tree.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LakeConfig } from '../config';
import { distState } from '../infra/dist.js';
import type { Ratio } from './crawl';
import { seconds } from './timing';

const ROOT = join(__dirname, '..');
const TARGET_S = 0.3;
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 10);
const WORKER_RUNS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

type Side = 'compiled' | 'sources';
const envOf = (side: Side, config: LakeConfig): NodeJS.ProcessEnv => ({ ...process.env, LAKE_DATABASE_URL: config.postgres.url, LAKE_FROM_SOURCE: side === 'sources' ? '1' : '0' });

/** Wall seconds of one `lake` run; throws with its stderr when it fails. */
function lakeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(ROOT, 'cli', 'lake.js'), ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = seconds(t);
  if (r.status !== 0) throw new Error(`lake ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n')[0]}`);
  return s;
}

/** p50 of `RUNS` runs after a warm-up, each side in turn so both see the same machine. */
function lakeP50(args: string[], config: LakeConfig): Record<Side, number> {
  const runs: Record<Side, number[]> = { compiled: [], sources: [] };
  for (const side of ['compiled', 'sources'] as const) lakeOnce(args, envOf(side, config));
  for (let i = 0; i < RUNS; i++) for (const side of ['compiled', 'sources'] as const) runs[side].push(lakeOnce(args, envOf(side, config)));
  return { compiled: median(runs.compiled), sources: median(runs.sources) };
}

/** Seconds from spawning the worker to its "worker polling" line; then it is stopped and awaited. */
function workerOnce(side: Side, config: LakeConfig): Promise<number> {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const env = { ...envOf(side, config), LAKE_TASK_QUEUE: `bench_startup_${suffix}`, LAKE_INFERENCE_TASK_QUEUE: `bench_startup_inf_${suffix}` };
  const t = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(ROOT, 'infra', 'dist.js'), 'workers/main.ts', '--no-schedules', '--no-inference'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let polling: number | undefined;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (polling === undefined && out.includes('worker polling')) {
        polling = seconds(t);
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => (polling === undefined ? reject(new Error(`the worker exited before polling: ${out.trim().slice(-500)}`)) : resolve(polling)));
  });
}

export async function startupBench(config: LakeConfig): Promise<Ratio[]> {
  if (distState().state !== 'current') {
    console.log('\nstart-up: dist/ is not current, building it (npm run build)');
    const built = spawnSync(process.execPath, [join(ROOT, 'infra', 'build.js')], { stdio: 'inherit' });
    if (built.status !== 0 || distState().state !== 'current') throw new Error('start-up bench: the build failed');
  }
  console.log(`\nstart-up, whole processes, p50 of ${RUNS} runs after a warm-up (compiled: dist/; sources: tsx)`);
  const ratios: Ratio[] = [];
  const line = (what: string, p: Record<Side, number>) =>
    console.log(`  ${what.padEnd(28)} compiled ${p.compiled.toFixed(3)} s   sources ${p.sources.toFixed(3)} s   ratio ${(p.compiled / TARGET_S).toFixed(2)}x the ${TARGET_S} s target (<= 1.00x)${p.compiled > TARGET_S ? '   OVER TARGET' : ''}`);

  const help = lakeP50(['--help'], config);
  line('lake --help', help);
  ratios.push({ name: 'lake --help start-up / 0.3 s', value: help.compiled / TARGET_S, note: `p50 ${help.compiled.toFixed(3)} s compiled (sources: ${help.sources.toFixed(2)} s), target <= 1.00x` });

  const source = process.env.BENCH_STARTUP_SOURCE ?? 'activity-log';
  try {
    const describe = lakeP50(['describe', source], config);
    line(`lake describe ${source}`, describe);
    ratios.push({ name: 'lake describe start-up / 0.3 s', value: describe.compiled / TARGET_S, note: `p50 ${describe.compiled.toFixed(3)} s compiled (sources: ${describe.sources.toFixed(2)} s), target <= 1.00x` });
  } catch (e) {
    console.log(`  lake describe ${source}: skipped (${(e as Error).message}; BENCH_STARTUP_SOURCE names another source, npm start makes the demo's)`);
  }

  const worker: Record<Side, number[]> = { compiled: [], sources: [] };
  for (let i = 0; i < WORKER_RUNS; i++) for (const side of ['compiled', 'sources'] as const) worker[side].push(await workerOnce(side, config));
  const w = { compiled: median(worker.compiled), sources: median(worker.sources) };
  console.log(`  ${'worker to polling'.padEnd(28)} compiled ${w.compiled.toFixed(2)} s    sources ${w.sources.toFixed(2)} s    (median of ${WORKER_RUNS}; ${(w.sources / w.compiled).toFixed(1)}x faster compiled)`);
  return ratios;
}
