// The governance benchmarks of `npm run bench` (issue 7), against the local stack:
//   1. expiry lag: 1,000 grants (A-4, SELECT in the metastore) on one published table, all expiring at the
//      same instant, their `grant/<id>` workflows on one worker process; for each grant the time from
//      `expiresAt` to its committed revocation (the row's `expired_at`): p50, p99, max.
//   2. worker memory: up to 10,000 live expiry workflows (A-2, expiring in 30 real days) sitting on their
//      durable timers; the worker process's RSS (VmRSS, and its peak VmHWM) idle, while they start and once
//      they are applied, per 1,000 workflows. Starting is bounded in time (BENCH_GRANTS_START_BUDGET_S,
//      300 s) and so is the wait for the worker to apply them (BENCH_GRANTS_PICKUP_BUDGET_S, 120 s): the
//      workflows measured are those applied, and their count is printed.
// Both run in the bench catalog (`<catalog>_bench`, made by bench/crawl.ts or here when missing) on task
// queues of their own, with worker child processes in process groups of their own. Grant ids start at a
// random number above the governance test's range, so `grant/<id>` never meets another run's workflow in
// the shared namespace. Everything is removed at the end, also on failure: workflows terminated, worker
// processes stopped, grants, requests and principals deleted (the audit log is append-only and keeps them),
// the metastore database dropped.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { LakeConfig } from '../config';
import { MetastoreClient } from '../adapters/metastore/client';
import { listGrants } from '../adapters/metastore/grants';
import { publishTable } from '../adapters/metastore/publisher';
import { tableParameters } from '../adapters/metastore/table-spec';
import { createDb, migrateLatest, withServerAdmin } from '../db/knex';
import { addPrincipal, approveRequest, grantWorkflowIdOf, requestAccess, type Principal } from '../db/governance';
import { removeSource, saveSource } from '../db/sources';
import { startGrantExpiry } from '../workers/grants';
import { benchConfig, type Ratio } from './crawl';

const ROOT = join(__dirname, '..');
const LOG_DIR = join(ROOT, '.stack', 'bench');
const EXPIRING = Number(process.env.BENCH_GRANTS_EXPIRING ?? 1000);
const LIVE = Number(process.env.BENCH_GRANTS_LIVE ?? 10_000);
/** The expiry instant is this long after the setup's estimated end (see `expiryLag`). */
const LEAD_MS = Number(process.env.BENCH_GRANTS_LEAD_S ?? 45) * 1000;
/** Starting the live workflows stops after this long; the count started is what is measured. */
const START_BUDGET_MS = Number(process.env.BENCH_GRANTS_START_BUDGET_S ?? 300) * 1000;
/** After starting, the worker gets this long to apply what is started; what it applied is what is measured. */
const PICKUP_BUDGET_MS = Number(process.env.BENCH_GRANTS_PICKUP_BUDGET_S ?? 120) * 1000;
const IN_FLIGHT = 50;

const SOURCE = 'bench-grants';
const DATABASE = 'lake_bench_grants'; // metastore database, dropped at the end of every run
const TABLE = { database: DATABASE, table: 'events' };
const PRINCIPAL_PREFIX = 'bench-grants-';
// int4 ids; the governance test starts at 1e6 + [0, 1e9): start above it
const ID_BASE = 1_100_000_000;
const ID_SPAN = 1_000_000_000;

const seconds = (since: number) => (Date.now() - since) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `limit` in flight; stops taking new items once `stop()` says so. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>, stop: () => boolean = () => false): Promise<number> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) await fn(items[next++]!);
  });
  await Promise.all(lanes);
  return next;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// ---- the worker child process ------------------------------------------------------------------------

interface Memory {
  rssMb: number; // VmRSS
  peakMb: number; // VmHWM: the most it has held since it started
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

const mb = (m: Memory) => `RSS ${m.rssMb.toFixed(0).padStart(4)} MB (peak ${m.peakMb.toFixed(0)} MB)`;

/** One `workers/main.ts` process on its own task queue, leader of its own process group. */
class WorkerProcess {
  readonly child: ChildProcess;
  private stopping = false;
  private readonly kill = () => signalGroup(this.child, 'SIGKILL');

  constructor(
    readonly role: string,
    config: LakeConfig,
    readonly taskQueue: string,
    env: Record<string, string> = {},
  ) {
    const log = openSync(this.logFile, 'w');
    this.child = spawn(process.execPath, ['--require', 'tsx/cjs', 'workers/main.ts', '--no-schedules', '--no-inference'], {
      cwd: ROOT,
      env: { ...process.env, LAKE_DATABASE_URL: config.postgres.url, LAKE_TASK_QUEUE: taskQueue, ...env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child.once('exit', (code, signal) => {
      if (!this.stopping) console.error(`  worker ${role} exited (${signal ?? code}); see ${this.logFile}`);
    });
    process.once('exit', this.kill);
  }

  get logFile(): string {
    return join(LOG_DIR, `worker-${this.role}.log`);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGTERM (graceful), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    process.off('exit', this.kill);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    signalGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    signalGroup(this.child, 'SIGKILL');
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

async function waitForWorkflowPoller(client: Client, queue: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: queue, kind: 1 }, taskQueueType: 1 });
    if ((r.pollers ?? []).length > 0) return;
    if (Date.now() > deadline) throw new Error(`no worker polls task queue ${queue} after ${timeoutMs / 1000} s (see ${LOG_DIR}/worker-grants-*.log)`);
    await sleep(250);
  }
}

// ---- the bench catalog and its grants ----------------------------------------------------------------

/** The bench catalog, created when missing (without bench/crawl.ts's fingerprint: the crawl part then makes
 *  it again, which costs nothing as it held no crawl yet) and migrated. */
async function openCatalog(config: LakeConfig): Promise<Knex> {
  await withServerAdmin(config.postgres.url, async (admin, name) => {
    const r = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  });
  const db = createDb(config.postgres, { min: 0, max: 12 });
  await migrateLatest(db);
  return db;
}

/** Running workflows of bench grants, ended at the end of the run whatever happens. */
class BenchGrants {
  private readonly started = new Set<number>();
  constructor(
    private readonly db: Knex,
    private readonly client: Client,
  ) {}

  /** principal → request → approval, as `lake access request` and `approve` do. */
  async create(principal: Principal, level: 'A-2' | 'A-4', days: number, approval: { now?: number; dayMs?: number; warnBeforeDays?: number }): Promise<number> {
    const r = await requestAccess(this.db, { principal, source: SOURCE, level, days, reason: 'bench', requestedBy: 'bench' });
    const g = await approveRequest(this.db, { requestId: r.id, by: 'bench', ...approval });
    return g.id;
  }

  async start(grantId: number, taskQueue: string): Promise<void> {
    this.started.add(grantId);
    if (!(await startGrantExpiry(this.client, { id: grantId, source: SOURCE }, taskQueue))) {
      throw new Error(`${grantWorkflowIdOf(grantId)} runs already: another run uses the same grant ids`);
    }
  }

  /** Terminates every started `grant/<id>` still running; returns how many were. */
  async terminateAll(reason: string): Promise<number> {
    let terminated = 0;
    await pool([...this.started], IN_FLIGHT, async (id) => {
      try {
        await this.client.workflow.getHandle(grantWorkflowIdOf(id)).terminate(reason);
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
  const live: number[] = await db('grants as g').join('sources as s', 's.id', 'g.source_id').where('s.name', SOURCE).whereIn('g.status', ['pending', 'active']).pluck('g.id');
  await pool(live, IN_FLIGHT, (id) => client.workflow.getHandle(grantWorkflowIdOf(id)).terminate('left over by an interrupted bench run').catch(() => undefined));
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

async function countByStatus(db: Knex, ids: number[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db('grants').whereIn('id', ids.slice(i, i + 5000)).groupBy('status').select('status').count<{ status: string; n: string }[]>({ n: '*' });
    for (const r of rows) out[r.status] = (out[r.status] ?? 0) + Number(r.n);
  }
  return out;
}

async function waitForStatus(db: Knex, ids: number[], status: string, timeoutMs: number, onTick?: () => void): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await countByStatus(db, ids);
    onTick?.();
    if ((counts[status] ?? 0) === ids.length) return Date.now();
    const bad = Object.keys(counts).filter((s) => s === 'revoked' || (status === 'active' && s === 'expired'));
    if (bad.length) throw new Error(`bench grants ended early: ${JSON.stringify(counts)} (see ${LOG_DIR}/worker-grants-*.log)`);
    if (Date.now() > deadline) throw new Error(`${counts[status] ?? 0} of ${ids.length} bench grants ${status} after ${timeoutMs / 1000} s: ${JSON.stringify(counts)}`);
    await sleep(500);
  }
}

// ---- 1. expiry lag -----------------------------------------------------------------------------------

async function expiryLag(config: LakeConfig, db: Knex, client: Client, ms: MetastoreClient, grants: BenchGrants, who: Principal[], tag: string): Promise<void> {
  const worker = new WorkerProcess('grants-expiry', config, `bench-grants-expiry-${tag}`);
  try {
    await waitForWorkflowPoller(client, worker.taskQueue);
    // One instant for all, fixed before the first approval: each grant is 1 "day" long, a day being the
    // time from its approval to that instant. Approving and starting takes ~25 ms a grant here and the
    // worker applies ~10 a second (metastore and catalog); the instant leaves LEAD_MS after that estimate
    // (the lead actually left after the last start, and after the last application, is printed). The
    // warning period is that day too, so each grant is warned as soon as it is applied, before the expiry.
    const setupEstimateMs = 10_000 + EXPIRING * 125;
    const expiresAt = Date.now() + setupEstimateMs + LEAD_MS;
    const t0 = Date.now();
    const ids: number[] = [];
    await pool(who.slice(0, EXPIRING), IN_FLIGHT, async (p) => {
      const now = Date.now();
      const id = await grants.create(p, 'A-4', 1, { now, dayMs: expiresAt - now, warnBeforeDays: 1 });
      ids.push(id);
      await grants.start(id, worker.taskQueue);
    });
    const lastStart = Date.now();
    const lead = (expiresAt - lastStart) / 1000;
    console.log(`  ${EXPIRING} grants approved and their workflows started in ${seconds(t0).toFixed(1)} s; all expire at ${new Date(expiresAt).toISOString()}, ${lead.toFixed(0)} s after the last start`);
    
    const active = await waitForStatus(db, ids, 'active', Math.max(expiresAt - Date.now(), 0) + 300_000);
    if (active > expiresAt - 10_000) console.log(`  warning: the last grant was applied less than 10 s before the expiry: the lag below includes applying`);
    console.log(`  all ${EXPIRING} applied (SELECT granted in the metastore) ${((expiresAt - active) / 1000).toFixed(0)} s before the expiry; RSS of the worker: ${mb(memoryOf(worker.pid))}`);

    const done = await waitForStatus(db, ids, 'expired', expiresAt - Date.now() + 600_000);
    const rows: { lag: string }[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      rows.push(...(await db('grants').whereIn('id', ids.slice(i, i + 5000)).select(db.raw('extract(epoch from (expired_at - expires_at)) * 1000 as lag'))));
    }
    const lags = rows.map((r) => Number(r.lag)).sort((a, b) => a - b);
    const held = (await listGrants(ms, TABLE)).filter((g) => g.principal.name.startsWith(`${PRINCIPAL_PREFIX}${tag}-`));
    console.log(
      `expiry lag over ${EXPIRING} grants expiring together (expiresAt → committed expired_at): ` +
        `p50 ${(percentile(lags, 50) / 1000).toFixed(2)} s   p99 ${(percentile(lags, 99) / 1000).toFixed(2)} s   max ${(lags.at(-1)! / 1000).toFixed(2)} s` +
        `   (min ${(lags[0]! / 1000).toFixed(2)} s; ${EXPIRING} revoked in ${((done - expiresAt) / 1000).toFixed(1)} s of polling; privileges left in the metastore: ${held.length})`,
    );
    if (held.length > 0) process.exitCode = 1;
    await grants.terminateAll('bench over'); // none should remain: each ends after its revocation
  } finally {
    await worker.stop();
  }
}

// ---- 2. worker memory with live workflows ------------------------------------------------------------

async function liveMemory(config: LakeConfig, db: Knex, client: Client, grants: BenchGrants, who: Principal[], tag: string): Promise<Ratio[]> {
  // DEBUG makes the SDK log the worker's options, its workflow cache size among them
  const worker = new WorkerProcess('grants-live', config, `bench-grants-live-${tag}`, { LAKE_LOG_LEVEL: 'DEBUG' });
  try {
    await waitForWorkflowPoller(client, worker.taskQueue);
    await sleep(5000); // let start-up settle (bundle, connections)
    const idle = memoryOf(worker.pid);
    const cache = /maxCachedWorkflows: (\d+)/.exec(readFileSync(worker.logFile, 'utf8'))?.[1];
    console.log(`  live workflows: worker idle ${mb(idle)}; its workflow cache holds ${cache ?? '(unknown)'} workflows`);

    // approve and start one grant at a time per lane, as `lake access approve` does, IN_FLIGHT lanes,
    // until all are started or the budget is spent; then give the worker a bounded time to apply them
    let peakDuring = idle.rssMb;
    const t2 = Date.now();
    const ids: number[] = [];
    const sampler = setInterval(() => (peakDuring = Math.max(peakDuring, memoryOf(worker.pid).rssMb)), 1000);
    let startSeconds: number;
    try {
      await pool([...Array(LIVE).keys()], IN_FLIGHT, async (i) => {
        const id = await grants.create(who[i % who.length]!, 'A-2', 30, {});
        ids.push(id);
        await grants.start(id, worker.taskQueue);
      }, () => Date.now() - t2 > START_BUDGET_MS);
      startSeconds = seconds(t2);
      console.log(
        `  approved and started ${ids.length} of ${LIVE} grant workflows (A-2, 30 days) in ${startSeconds.toFixed(1)} s: ${(ids.length / startSeconds).toFixed(0)} approvals+starts/s (${IN_FLIGHT} in flight)` +
          (ids.length < LIVE ? `; stopped at the ${START_BUDGET_MS / 1000} s budget` : ''),
      );
      const deadline = Date.now() + PICKUP_BUDGET_MS;
      for (;;) {
        const active = (await countByStatus(db, ids)).active ?? 0;
        if (active === ids.length || Date.now() > deadline) break;
        await sleep(1000);
      }
    } finally {
      clearInterval(sampler);
    }
    const counts = await countByStatus(db, ids);
    const startedCount = counts.active ?? 0;
    console.log(`  ${startedCount} of ${ids.length} applied by the worker and on their timers ${seconds(t2).toFixed(1)} s after the first start: ${(startedCount / seconds(t2)).toFixed(1)}/s (${JSON.stringify(counts)})`);
    await sleep(15_000); // the last workflow tasks (warning timer set) and the worker's GC settle
    const samples: Memory[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(memoryOf(worker.pid));
      await sleep(1000);
    }
    const running = samples.at(-1)!;
    const perThousand = ((running.rssMb - idle.rssMb) / startedCount) * 1000;
    console.log(`worker with 0 live expiry workflows:       ${mb(idle)}`);
    console.log(`worker with ${String(startedCount).padEnd(6)} live expiry workflows:  ${mb(running)}   +${(running.rssMb - idle.rssMb).toFixed(0)} MB, ${perThousand.toFixed(1)} MB per 1,000 workflows (RSS sampled every second while starting: max ${peakDuring.toFixed(0)} MB)`);
    if (cache !== undefined && Number(cache) < startedCount) {
      console.log(`  the cache holds ${cache}: the other ${startedCount - Number(cache)} were evicted as the cache filled, their state is in Temporal's history until their timers fire`);
    }

    const t3 = Date.now();
    const terminated = await grants.terminateAll('bench over');
    await sleep(5000);
    const after = memoryOf(worker.pid);
    console.log(`  terminated ${terminated} workflows in ${seconds(t3).toFixed(1)} s; worker afterwards ${mb(after)} (terminating does not reach a worker's cache)`);
    return [{ name: `worker RSS, ${startedCount} live grant workflows / idle`, value: running.rssMb / idle.rssMb, note: `${running.rssMb.toFixed(0)} MB vs ${idle.rssMb.toFixed(0)} MB, ${perThousand.toFixed(1)} MB per 1,000` }];
  } finally {
    await worker.stop();
  }
}

// ---- the benchmark -----------------------------------------------------------------------------------

export async function grantsBench(base: LakeConfig): Promise<Ratio[]> {
  mkdirSync(LOG_DIR, { recursive: true });
  const config = benchConfig(base);
  console.log(`\ngovernance benchmarks: catalog ${new URL(config.postgres.url).pathname.slice(1)}, ${EXPIRING} grants expiring together, then ${LIVE} live expiry workflows`);
  const db = await openCatalog(config);
  const ms = new MetastoreClient(config.metastore);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const grants = new BenchGrants(db, client);
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const onSignal = () => {
    void grants.terminateAll('the bench stopped').finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await removeBenchRows(db, client);
    await db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${ID_BASE + Math.floor(Math.random() * (ID_SPAN - 2 * (EXPIRING + LIVE)))}`);
    await publishTable(
      ms,
      {
        database: DATABASE, table: 'events', location: `s3a://${config.s3.demoBucket}/bench/grants/events/`, format: 'jsonl',
        columns: [{ name: 'id', type: 'bigint' }, { name: 'email', type: 'string' }], partitionKeys: [],
        parameters: tableParameters({ format: 'jsonl', source: SOURCE, schemaVersion: 1, lastCrawl: new Date().toISOString(), stats: { recordCount: 0, objectCount: 0, sizeBytes: 0, compression: 'none' } }),
      },
      [],
    );
    await saveSource(db, {
      name: SOURCE, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: 'bench/grants/events/' }, format: 'jsonl', layout: { kind: 'none' },
      schedule: 'nightly', targetDatabase: DATABASE, targetTable: 'events', options: {}, enabled: false,
    });
    const t = Date.now();
    const who = await principals(db, tag, Math.max(EXPIRING, Math.min(LIVE, 1000)));
    console.log(`  ${who.length} principals registered in ${seconds(t).toFixed(1)} s; table ${DATABASE}.events published`);

    await expiryLag(config, db, client, ms, grants, who, tag);
    return await liveMemory(config, db, client, grants, who, tag);
  } finally {
    await grants.terminateAll('the bench stopped').catch((e) => console.error(`  terminating bench workflows failed: ${e}`));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await removeBenchRows(db, client).catch((e) => console.error(`  removing bench grants failed: ${e}`));
    await ms.dropDatabase(DATABASE, { cascade: true }).catch(() => undefined);
    ms.close();
    await db.destroy();
    await connection.close();
  }
}
