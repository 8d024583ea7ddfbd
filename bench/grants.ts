// The governance benchmarks of `npm run bench`, against the local stack, on one worker process
// (`workers/main.ts` on a task queue of its own) that ends up holding LIVE (10,000) live `grant/<id>`
// workflows, each on its durable timer:
//   1. worker memory: LIVE − EXPIRING grants at A-2 for 30 real days, then EXPIRING (1,000) at A-4 (SELECT
//      in the metastore) that all expire at one instant a little later. The worker's RSS (VmRSS, and its
//      peak VmHWM) and V8 heap (every thread's: the SDK runs the workflows in a thread of its own, see
//      bench/worker-probe.ts) idle, at every 1,000 live workflows, and with all LIVE live.
//   2. expiry lag: at that instant the EXPIRING grants expire together, on the same worker, beside the others
//      idle on their timers; for each grant, the time from `expiresAt` to its committed revocation (the
//      row's `expired_at`): p50, p99, max.
// Every grant is requested and approved in the catalog as `lake access request` and `approve` do, and its
// expiry workflow started as `approve` starts it (IN_FLIGHT at a time, at most WINDOW waiting to be
// applied), while the worker applies the earlier ones. What sets the pace is printed: the CPU each grant
// workflow costs the Temporal server, the worker and this process (approvals, starts); on a small host
// the server's share is the largest.
// Everything runs in the bench catalog (`<catalog>_bench`, see bench/crawl.ts) on a task queue of its own,
// the worker in a process group of its own. Grant ids start at a random number above the governance
// test's range, so `grant/<id>` never meets another run's workflow in the shared namespace; the workflows
// carry the search attribute LakeSource=bench-grants. Everything is removed at the end, also on failure:
// workflows terminated, the worker stopped, grants, requests and principals deleted (the audit log is
// append-only and keeps them), the metastore database dropped.
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { LakeConfig } from '../config';
import { MetastoreClient } from '../adapters/metastore/client';
import { listGrants } from '../adapters/metastore/grants';
import { publishTable } from '../adapters/metastore/publisher';
import { tableParameters } from '../adapters/metastore/table-spec';
import { addPrincipal, approveRequest, requestAccess, type Principal } from '../db/governance';
import { grantWorkflowId } from '../workflows/shared';
import { removeSource, saveSource } from '../db/sources';
import { startGrantExpiry } from '../client/grants';
import { benchConfig, hostCpu, prepareDatabase, processCpu, type Ratio } from './crawl';
import { LOG_DIR, pool, ROOT, waitForPollers, Workers } from './processes';
import type { ThreadProbe } from './worker-probe';

const EXPIRING = Number(process.env.BENCH_GRANTS_EXPIRING ?? 1000);
/** Live expiry workflows on the worker, the EXPIRING ones included. */
const LIVE = Number(process.env.BENCH_GRANTS_LIVE ?? 10_000);
/** The expiry instant is this long after the expiring grants' estimated application (see `expiring`). */
const LEAD_MS = Number(process.env.BENCH_GRANTS_LEAD_S ?? 30) * 1000;
/** How long the worker may take to apply all LIVE grants before the bench gives up. */
const APPLY_TIMEOUT_MS = Number(process.env.BENCH_GRANTS_APPLY_TIMEOUT_S ?? 1800) * 1000;
const IN_FLIGHT = 50;
/** Started workflows not applied yet, at most. Starting faster than the worker applies queues the tasks in
 *  Temporal's database, and the dev server drains such a backlog at about half the rate it hands tasks to
 *  waiting pollers (8 vs 15 grant workflows/s in one comparison here, the host less busy while draining). */
const WINDOW = 30;
const TERMINATE_IN_FLIGHT = 100;
const STEP = 1000; // memory is sampled at every STEP live workflows

const SOURCE = 'bench-grants';
const DATABASE = 'lake_bench_grants'; // metastore database, dropped at the end of every run
const TABLE = { database: DATABASE, table: 'events' };
const PRINCIPAL_PREFIX = 'bench-grants-';
// int4 ids; the governance test starts at 1e6 + [0, 1e9): start above it
const ID_BASE = 1_100_000_000;
const ID_SPAN = 1_000_000_000;

const seconds = (since: number) => (Date.now() - since) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// ---- the worker's memory -----------------------------------------------------------------------------

interface Memory {
  rssMb: number; // VmRSS
  peakMb: number; // VmHWM: the most it has held since it started
  heap?: { mainMb: number; workflowsMb: number; totalMb: number }; // V8 heap used (main thread, workflow threads), and reserved
}

const MB = 1024 * 1024;

/** What bench/worker-probe.ts wrote for each thread of `pid`. */
function probesOf(pid: number, probeDir: string): ThreadProbe[] {
  return readdirSync(probeDir)
    .filter((f) => f.startsWith(`${pid}-`) && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(probeDir, f), 'utf8')));
}

function memoryOf(pid: number, probeDir: string): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const threads = probesOf(pid, probeDir);
  const used = (main: boolean) => threads.filter((t) => t.mainThread === main).reduce((a, t) => a + t.usedBytes, 0) / MB;
  const heap = threads.length > 0 ? { mainMb: used(true), workflowsMb: used(false), totalMb: threads.reduce((a, t) => a + t.totalBytes, 0) / MB } : undefined;
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, heap };
}

const heapUsed = (m: Memory) => (m.heap ? m.heap.mainMb + m.heap.workflowsMb : NaN);

function mb(m: Memory): string {
  const rss = `RSS ${m.rssMb.toFixed(0).padStart(4)} MB (peak ${m.peakMb.toFixed(0)})`;
  if (!m.heap) return rss;
  return `${rss}, V8 heap ${heapUsed(m).toFixed(0).padStart(4)} MB used (main thread ${m.heap.mainMb.toFixed(0)} + workflow thread ${m.heap.workflowsMb.toFixed(0)}) of ${m.heap.totalMb.toFixed(0)}`;
}

/** Counts the bench's grants twice a second, and samples the worker's memory at every STEP active. */
class LiveWatch {
  active = 0;
  notPending = 0; // applied by their workflow (and maybe ended since)
  readonly steps: { live: number; memory: Memory }[] = [];
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly db: Knex,
    private readonly sourceId: number,
    private readonly pid: number,
    private readonly probeDir: string,
    private readonly since: number,
  ) {
    this.timer = setInterval(() => void this.tick(), 500);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const rows = await this.db('grants').where({ source_id: this.sourceId }).groupBy('status').select('status').count<{ status: string; n: string }[]>({ n: '*' });
      this.active = Number(rows.find((r) => r.status === 'active')?.n ?? 0);
      this.notPending = rows.reduce((a, r) => a + (r.status === 'pending' ? 0 : Number(r.n)), 0);
      while (this.active >= (this.steps.length + 1) * STEP) {
        const step = { live: (this.steps.length + 1) * STEP, memory: memoryOf(this.pid, this.probeDir) };
        this.steps.push(step);
        console.log(`    ${String(step.live).padStart(6)} live, ${seconds(this.since).toFixed(0).padStart(4)} s: ${mb(step.memory)}`);
      }
    } catch (e) {
      console.error(`  counting active bench grants failed: ${e}`);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---- the bench catalog and its grants ----------------------------------------------------------------

/** Running workflows of bench grants, ended at the end of the run whatever happens. */
class BenchGrants {
  private readonly started = new Set<number>();
  constructor(
    private readonly db: Knex,
    private readonly client: Client,
    private readonly catalog: string,
  ) {}

  /** principal → request → approval, as `lake access request` and `approve` do. */
  async create(principal: Principal, level: 'A-2' | 'A-4', days: number, approval: { now?: number; dayMs?: number; warnBeforeDays?: number }): Promise<number> {
    const r = await requestAccess(this.db, { principal, source: SOURCE, level, days, reason: 'bench', requestedBy: 'bench' });
    const g = await approveRequest(this.db, { requestId: r.id, catalog: this.catalog, by: 'bench', ...approval });
    return g.id;
  }

  /** Starts `<catalog>/grant/<id>` once fewer than WINDOW started ones wait to be applied. */
  async start(grantId: number, taskQueue: string, watch: LiveWatch): Promise<void> {
    while (this.started.size - watch.notPending >= WINDOW) await sleep(50);
    this.started.add(grantId);
    if (!(await startGrantExpiry(this.client, this.catalog, { id: grantId, source: SOURCE }, taskQueue))) {
      throw new Error(`${grantWorkflowId(this.catalog, grantId)} runs already: another run uses the same grant ids`);
    }
  }

  /** Terminates every started grant workflow still running; returns how many were. */
  async terminateAll(reason: string): Promise<number> {
    let terminated = 0;
    await pool([...this.started], TERMINATE_IN_FLIGHT, async (id) => {
      try {
        await this.client.workflow.getHandle(grantWorkflowId(this.catalog, id)).terminate(reason);
        terminated++;
      } catch (e) {
        // ended already (expired, or a previous terminate): nothing to do
        if (!(e instanceof WorkflowNotFoundError)) throw e;
      }
      this.started.delete(id);
    });
    return terminated;
  }
}

/** Deletes the bench's governance rows (grants and requests go with their principals and source). A run
 *  interrupted hard leaves its live grants' workflows running: they are terminated here first. */
async function removeBenchRows(db: Knex, client: Client): Promise<void> {
  const live: string[] = await db('grants as g').join('sources as s', 's.id', 'g.source_id').where('s.name', SOURCE).whereIn('g.status', ['pending', 'active']).pluck('g.workflow_id');
  await pool(live, TERMINATE_IN_FLIGHT, (id) => client.workflow.getHandle(id).terminate('left over by an interrupted bench run').catch(() => undefined));
  await db('notifications').whereIn('source_id', db('sources').where({ name: SOURCE }).select('id')).delete();
  await db('principals').where('name', 'like', `${PRINCIPAL_PREFIX}%`).delete();
  await removeSource(db, SOURCE);
}

async function principals(db: Knex, tag: string, n: number): Promise<Principal[]> {
  const out: Principal[] = new Array(n);
  await pool([...Array(n).keys()], 10, async (i) => {
    out[i] = await addPrincipal(db, { name: `${PRINCIPAL_PREFIX}${tag}-${i}`, kind: 'user' }, 'bench');
  });
  return out;
}

/** `{ "A-2/active": n, ... }` over the bench's grants. */
async function countByStatus(db: Knex, sourceId: number): Promise<Record<string, number>> {
  const rows = await db('grants').where('source_id', sourceId).groupBy('level', 'status').select('level', 'status').count<{ level: string; status: string; n: string }[]>({ n: '*' });
  return Object.fromEntries(rows.map((r) => [`${r.level}/${r.status}`, Number(r.n)]));
}

/** Waits until `n` grants of `level` are in one of `statuses`; fails early when one ended otherwise. */
async function waitForStatus(db: Knex, sourceId: number, level: string, statuses: ('active' | 'expired')[], n: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await countByStatus(db, sourceId);
    const done = statuses.reduce((a, s) => a + (counts[`${level}/${s}`] ?? 0), 0);
    if (done >= n) return Date.now();
    const bad = Object.keys(counts).filter((k) => k.endsWith('/revoked') || (k.endsWith('/expired') && !statuses.includes('expired')));
    if (bad.length) throw new Error(`bench grants ended early: ${JSON.stringify(counts)} (see ${Workers.logFile('grants')})`);
    if (Date.now() > deadline) throw new Error(`${done} of ${n} ${level} bench grants ${statuses.join(' or ')} after ${timeoutMs / 1000} s: ${JSON.stringify(counts)}`);
    await sleep(500);
  }
}

/** CPU seconds of the processes that share the work of a grant workflow, and the host's busy ticks. */
function cpuNow(workerPid: number, temporalPid: number | undefined) {
  return { temporal: temporalPid ? processCpu(temporalPid) : NaN, worker: processCpu(workerPid), bench: processCpu(process.pid), host: hostCpu() };
}

function cpuSince(before: ReturnType<typeof cpuNow>, after: ReturnType<typeof cpuNow>, workflows: number): string {
  const ms = (a: number, b: number) => (((b - a) * 1000) / workflows).toFixed(0);
  const busy = after.host.total > before.host.total ? (100 * (after.host.busy - before.host.busy)) / (after.host.total - before.host.total) : NaN;
  return `CPU per grant workflow: Temporal server ${ms(before.temporal, after.temporal)} ms, worker ${ms(before.worker, after.worker)} ms, ` +
    `this process (approvals, starts) ${ms(before.bench, after.bench)} ms; host busy ${busy.toFixed(0)}%`;
}

function temporalServerPid(): number | undefined {
  // a worktree's node_modules links to the checkout whose stack runs
  for (const root of [ROOT, join(realpathSync(join(ROOT, 'node_modules')), '..')]) {
    try {
      return Number(readFileSync(join(root, '.stack', 'run', 'temporal.pid'), 'utf8').trim()) || undefined;
    } catch {
      // not this one
    }
  }
  return undefined; // a stack not started by infra/stack.sh: the server's share is not shown
}

// ---- 1. the long-lived grants ------------------------------------------------------------------------

/** LIVE − EXPIRING grants at A-2 for 30 days, approved and started IN_FLIGHT at a time (at most WINDOW
 *  waiting to be applied) while the worker applies them. Returns the time a grant took, all stages
 *  overlapped (the estimate `expiring` uses). */
async function longLived(db: Knex, grants: BenchGrants, who: Principal[], sourceId: number, worker: { pid: number; queue: string; watch: LiveWatch }): Promise<number | undefined> {
  const n = LIVE - EXPIRING;
  if (n === 0) return undefined;
  const t = Date.now();
  const cpu = cpuNow(worker.pid, temporalServerPid());
  await pool([...Array(n).keys()], IN_FLIGHT, async (i) => {
    const id = await grants.create(who[i % who.length]!, 'A-2', 30, {});
    await grants.start(id, worker.queue, worker.watch);
  });
  const startSeconds = seconds(t);
  await waitForStatus(db, sourceId, 'A-2', ['active'], n, APPLY_TIMEOUT_MS - (Date.now() - t));
  const total = seconds(t);
  console.log(
    `  ${n} grants (A-2, 30 days) approved and started in ${startSeconds.toFixed(0)} s (${IN_FLIGHT} in flight, at most ${WINDOW} waiting), all applied after ${total.toFixed(0)} s: ` +
      `${(n / total).toFixed(1)} grant workflows/s\n  ${cpuSince(cpu, cpuNow(worker.pid, temporalServerPid()), n)}`,
  );
  return (total * 1000) / n;
}

// ---- 2. the expiring grants, and the worker's memory before they expire ------------------------------

async function expiring(
  db: Knex, ms: MetastoreClient, grants: BenchGrants, who: Principal[], sourceId: number, tag: string,
  worker: { pid: number; queue: string; probeDir: string; watch: LiveWatch }, msPerGrant: number,
): Promise<{ live: Memory; lag: string }> {
  // One instant for all, fixed before the first approval: each grant is 1 "day" long, a day being the time
  // from its approval to that instant. The instant leaves LEAD_MS after the estimated application (twice
  // the long-lived grants' pace: these also grant SELECT in the metastore); the lead actually left is
  // printed. No warning period: the warning is not what is measured, and warning each grant as it is
  // applied would double what applying costs.
  const setupEstimateMs = 10_000 + EXPIRING * msPerGrant * 2;
  const expiresAt = Math.round(Date.now() + setupEstimateMs + LEAD_MS);
  const t0 = Date.now();
  await pool(who.slice(0, EXPIRING), IN_FLIGHT, async (p) => {
    const now = Date.now();
    const id = await grants.create(p, 'A-4', 1, { now, dayMs: expiresAt - now, warnBeforeDays: 0 });
    await grants.start(id, worker.queue, worker.watch);
  });
  console.log(`  ${EXPIRING} grants (A-4) approved and started in ${seconds(t0).toFixed(1)} s; all expire at ${new Date(expiresAt).toISOString()}, ${((expiresAt - Date.now()) / 1000).toFixed(0)} s after the last start`);
  // one expired before the last was applied (a slow host): it was applied first, and the warning says so
  const applied = await waitForStatus(db, sourceId, 'A-4', ['active', 'expired'], EXPIRING, Math.max(expiresAt - Date.now(), 0) + 300_000);
  const lead = (expiresAt - applied) / 1000;
  if (lead < 10) console.log(`  warning: the last grant was applied ${lead >= 0 ? `only ${lead.toFixed(0)} s before` : `${(-lead).toFixed(0)} s after`} the expiry: the lag below includes applying`);
  else console.log(`  all ${LIVE} live: the last ${EXPIRING} applied (SELECT granted in the metastore) ${lead.toFixed(0)} s before their expiry`);

  // the last workflow tasks and the worker's GC settle, then five samples a second apart
  await sleep(Math.max(0, Math.min(15_000, expiresAt - Date.now() - 7_000)));
  const samples: Memory[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(memoryOf(worker.pid, worker.probeDir));
    await sleep(1000);
  }
  if (Date.now() > expiresAt) console.log(`  warning: memory sampled until ${((Date.now() - expiresAt) / 1000).toFixed(0)} s after the expiry began`);

  const done = await waitForStatus(db, sourceId, 'A-4', ['expired'], EXPIRING, expiresAt - Date.now() + 600_000);
  const rows: { lag: string }[] = await db('grants').where({ source_id: sourceId, level: 'A-4' }).select(db.raw('extract(epoch from (expired_at - expires_at)) * 1000 as lag'));
  const lags = rows.map((r) => Number(r.lag)).sort((a, b) => a - b);
  // A-4 reads the table's level view: look at every table the grants name
  const tables: { target_database: string; target_table: string }[] = await db('grants').where({ source_id: sourceId, level: 'A-4' }).distinct('target_database', 'target_table');
  const held = [];
  for (const t of tables) held.push(...(await listGrants(ms, { database: t.target_database, table: t.target_table })).filter((g) => g.principal.name.startsWith(`${PRINCIPAL_PREFIX}${tag}-`)));
  const early = lags.filter((l) => l < 0).length;
  const unverified = Number((await db('grants').where({ source_id: sourceId, level: 'A-4' }).whereNull('revocation_verified_at').count<{ n: string }[]>({ n: '*' }))[0]!.n);
  if (early > 0) process.exitCode = 1;
  if (held.length > 0) process.exitCode = 1;
  const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  const proven = await proofLags(db, sourceId);
  return {
    live: samples.at(-1)!,
    lag:
      `expiry lag over ${EXPIRING} grants expiring together (expiresAt → committed expired_at): p50 ${s(percentile(lags, 50))}   p99 ${s(percentile(lags, 99))}   max ${s(lags.at(-1)!)}` +
      `   (min ${s(lags[0]!)}; ${EXPIRING} revoked in ${((done - expiresAt) / 1000).toFixed(1)} s of polling, on a worker holding ${LIVE - EXPIRING} other live grants; ` +
      `privileges left in the metastore: ${held.length}; revoked before the deadline: ${early}; revocations not verified when the last was revoked: ${unverified}; load average ${load})\n` +
      `proof lag (expiresAt → the end proven: the holder's key and privileges checked, recorded as verified): p50 ${s(percentile(proven.lags, 50))}   p99 ${s(percentile(proven.lags, 99))}   max ${s(proven.lags.at(-1) ?? NaN)}` +
      `   (${proven.lags.length} of ${EXPIRING} proven; ${proven.together} ended by a transaction shared with others due, in ${proven.transactions} such transactions; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
  };
}

/** Waits (up to 10 minutes) for every expiring grant's end to be proven; the lag of each proof, and how
 *  the grants were ended (the audit's `endedTogether`: how many one transaction ended). */
async function proofLags(db: Knex, sourceId: number): Promise<{ lags: number[]; together: number; transactions: number }> {
  const grants = () => db('grants').where({ source_id: sourceId, level: 'A-4' });
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline && Number((await grants().clone().whereNull('revocation_verified_at').count<{ n: string }[]>({ n: '*' }))[0]!.n) > 0) await sleep(500);
  const rows: { lag: string }[] = await grants().whereNotNull('revocation_verified_at').select(db.raw('extract(epoch from (revocation_verified_at - expires_at)) * 1000 as lag'));
  const ended: { n: string | null }[] = await db('governance_audit')
    .where({ entity: 'grant', action: 'expired' })
    .whereIn('entity_id', grants().clone().select('id'))
    .select(db.raw("details->>'endedTogether' as n"));
  const sizes = ended.map((e) => Number(e.n ?? 0)).filter((n) => n > 0);
  return { lags: rows.map((r) => Number(r.lag)).sort((a, b) => a - b), together: sizes.length, transactions: Math.round(sizes.reduce((a, n) => a + 1 / n, 0)) };
}

// ---- the benchmark -----------------------------------------------------------------------------------

export async function grantsBench(base: LakeConfig): Promise<Ratio[]> {
  if (!(EXPIRING >= 1 && LIVE >= EXPIRING)) throw new Error(`BENCH_GRANTS_EXPIRING=${EXPIRING}, BENCH_GRANTS_LIVE=${LIVE}: expected 1 <= EXPIRING <= LIVE`);
  const began = Date.now();
  mkdirSync(LOG_DIR, { recursive: true });
  const config = benchConfig(base);
  console.log(`\ngovernance benchmarks: catalog ${new URL(config.postgres.url).pathname.slice(1)}, ${LIVE} live expiry workflows on one worker, ${EXPIRING} of them expiring together`);
  const db = await prepareDatabase(config, { min: 0, max: 12 });
  const ms = new MetastoreClient(config.metastore);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const grants = new BenchGrants(db, client, config.catalog);
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const probeDir = join(LOG_DIR, `probe-${tag}`);
  const workers = new Workers(config);
  const onSignal = () => {
    void grants.terminateAll('the bench stopped').finally(() => workers.stop().finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await removeBenchRows(db, client);
    await db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${ID_BASE + Math.floor(Math.random() * (ID_SPAN - 2 * LIVE))}`);
    await publishTable(
      ms,
      {
        database: DATABASE, table: 'events', location: `s3a://${config.s3.demoBucket}/bench/grants/events/`, format: 'jsonl',
        columns: [{ name: 'id', type: 'bigint' }, { name: 'email', type: 'string' }], partitionKeys: [],
        parameters: tableParameters({ format: 'jsonl', source: SOURCE, schemaVersion: 1, lastCrawl: new Date().toISOString(), stats: { recordCount: 0, objectCount: 0, sizeBytes: 0, compression: 'none' } }),
      },
      [],
    );
    const source = await saveSource(db, {
      name: SOURCE, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: 'bench/grants/events/' }, format: 'jsonl', layout: { kind: 'none' },
      schedule: 'nightly', targetDatabase: DATABASE, targetTable: 'events', options: {}, enabled: false,
    });
    const t = Date.now();
    const who = await principals(db, tag, Math.max(EXPIRING, Math.min(LIVE, 1000)));
    console.log(`  ${who.length} principals registered in ${seconds(t).toFixed(1)} s; table ${DATABASE}.events published`);

    mkdirSync(probeDir, { recursive: true });
    const queue = `bench-grants-${tag}`;
    // BENCH_GRANTS_CPU_PROF=<dir>: the worker writes a CPU profile there when it stops
    const prof = process.env.BENCH_GRANTS_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_GRANTS_CPU_PROF] : [];
    const pid = workers.start('grants', [...prof, '--require', './bench/worker-probe.ts', 'workers/main.ts', '--no-schedules', '--no-inference'], { LAKE_TASK_QUEUE: queue, BENCH_PROBE_DIR: probeDir });
    await waitForPollers(client, queue, 'workflow', 1);
    await sleep(5000); // let start-up settle (bundle, connections)
    const idle = memoryOf(pid, probeDir);
    const cache = probesOf(pid, probeDir).find((t) => t.maxCachedWorkflows !== undefined)?.maxCachedWorkflows ?? NaN;
    console.log(`  worker idle: ${mb(idle)}; its workflow cache holds ${cache} workflows; memory at every ${STEP} live:`);

    const watch = new LiveWatch(db, source.id, pid, probeDir, Date.now());
    let result: Awaited<ReturnType<typeof expiring>>;
    try {
      const msPerGrant = await longLived(db, grants, who, source.id, { pid, queue, watch });
      result = await expiring(db, ms, grants, who, source.id, tag, { pid, queue, probeDir, watch }, msPerGrant ?? 125);
    } finally {
      watch.stop();
    }
    const { live } = result;
    const per1000 = (a: number, b: number, n: number) => ((b - a) / n) * 1000;
    console.log(result.lag);
    console.log(`worker with 0 live expiry workflows:      ${mb(idle)}`);
    console.log(
      `worker with ${String(LIVE).padEnd(6)} live expiry workflows: ${mb(live)}   ` +
        `+${(live.rssMb - idle.rssMb).toFixed(0)} MB RSS, ${per1000(idle.rssMb, live.rssMb, LIVE).toFixed(1)} MB per 1,000 workflows` +
        (live.heap ? ` (heap +${(heapUsed(live) - heapUsed(idle)).toFixed(0)} MB, ${per1000(heapUsed(idle), heapUsed(live), LIVE).toFixed(1)} MB per 1,000)` : ''),
    );
    // the SDK keeps at most `cache` workflows in memory: beyond that, memory stops growing with the count
    const filled = watch.steps.filter((s) => s.live <= cache).at(-1);
    if (cache < LIVE && filled) {
      console.log(
        `  the cache holds ${cache}: ${LIVE - cache} of the ${LIVE} are evicted (their state is in Temporal's history until their timers fire, then replayed); ` +
          `up to ${filled.live} live, ${per1000(idle.rssMb, filled.memory.rssMb, filled.live).toFixed(1)} MB RSS` +
          (filled.memory.heap ? ` and ${per1000(heapUsed(idle), heapUsed(filled.memory), filled.live).toFixed(1)} MB heap` : '') + ' per 1,000',
      );
    }

    const t3 = Date.now();
    const terminated = await grants.terminateAll('bench over');
    console.log(`  terminated the ${terminated} workflows still running in ${seconds(t3).toFixed(1)} s (${TERMINATE_IN_FLIGHT} in flight); governance benchmarks took ${seconds(began).toFixed(0)} s`);
    return [{ name: `worker RSS, ${LIVE} live grant workflows / idle`, value: live.rssMb / idle.rssMb, note: `${live.rssMb.toFixed(0)} MB vs ${idle.rssMb.toFixed(0)} MB, ${per1000(idle.rssMb, live.rssMb, LIVE).toFixed(1)} MB per 1,000` }];
  } finally {
    await grants.terminateAll('the bench stopped').catch((e) => console.error(`  terminating bench workflows failed: ${e}`));
    await workers.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(probeDir, { recursive: true, force: true });
    await removeBenchRows(db, client).catch((e) => console.error(`  removing bench grants failed: ${e}`));
    await ms.dropDatabase(DATABASE, { cascade: true }).catch(() => undefined);
    ms.close();
    await db.destroy();
    await connection.close();
  }
}
