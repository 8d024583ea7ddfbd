// The crawl benchmarks of `npm run bench`, against the local stack, each a ratio of two
// figures measured in the same run:
//   1. a no-op recrawl of a source of 100,000 tiny objects vs a bare ListObjectsV2 of its prefix: what the
//      catalog adds to the one LIST a crawl cannot avoid (manifest query, classification, run records,
//      workflow and publish round trips). Also the pruned (incremental) listing, and the first full crawl.
//   2. a CPU-bound crawl (40 objects of ~5 MB of event JSON lines) with one inference worker process
//      against the standalone scanner with statistics on the same objects' bytes (in memory, one core),
//      and against two inference processes polling the same queue; with each crawl's CPU by service.
// BENCH_CRAWL_PARTS=cpu (or list) runs one of the two.
// The data is written once to the stack's S3 (a marker object outside the prefix records it is complete)
// and reused by later runs. The bench has its own catalog database (`<catalog>_bench`) and its own task
// queues, and runs the workers as child processes in process groups of their own, stopped at the end.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { catalogBeside, type LakeConfig } from '../config';
import { MetastoreClient } from '../adapters/metastore/client';
import { createS3Client } from '../adapters/s3';
import type { CrawlSummary } from '../crawl/run';
import type { S3SourceDefinition } from '../crawl/source';
import { createDb, migrateLatest, withServerAdmin } from '../db/knex';
import { removeSource, saveSource } from '../db/sources';
import { crawlSource } from '../workflows';
import { JsonLinesScanner } from '../schema/infer/jsonl';
import { activitySpans } from './history-facts';
import { cpuByService, cpuDelta, LOG_DIR, pool, ROOT, waitForPollers, Workers, type CpuByService } from './processes';

const PASSES = Number(process.env.BENCH_CRAWL_PASSES ?? 3);
const CPU_PASSES = Number(process.env.BENCH_CRAWL_CPU_PASSES ?? 4);
const PARTS = new Set((process.env.BENCH_CRAWL_PARTS ?? 'list,cpu').split(','));
/** Objects per batch of the CPU crawls; unset: as the product batches them. */
const CPU_BATCH_OBJECTS = process.env.BENCH_CRAWL_BATCH_OBJECTS ? Number(process.env.BENCH_CRAWL_BATCH_OBJECTS) : undefined;

// 100 days × 10 hours × 100 objects: a year-ish of hourly partitions is what a real lake lists.
const LIST = {
  prefix: 'bench/crawl-100k/',
  marker: 'bench/crawl-100k.complete', // outside the prefix: never listed, never crawled
  days: 100,
  hours: 10,
  perPartition: 100,
  source: 'bench-crawl-100k',
  database: 'lake_bench',
};
const LIST_OBJECTS = LIST.days * LIST.hours * LIST.perPartition;

const CPU = {
  prefix: 'bench/crawl-cpu/',
  marker: 'bench/crawl-cpu.complete',
  objects: 40,
  objectBytes: 5 * 1e6,
  database: 'lake_bench_cpu', // dropped at the end of every run
};

// The SDK's HTTP agent keeps 50 sockets per host; more in flight only queue (and warn).
const UPLOAD_CONCURRENCY = 48;

export interface Ratio {
  name: string;
  value: number;
  note: string;
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const fmt = (s: number) => `${s.toFixed(2).padStart(7)} s`;

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await run();
  return { seconds: seconds(t), value };
}

// ---- the bench catalog -------------------------------------------------------------------------------

export function benchConfig(config: LakeConfig): LakeConfig {
  return catalogBeside(config, 'bench');
}

/** What the bench database was migrated with: the text of every migration. Migrations being written
 *  change under a name knex has already recorded, so names alone would leave the bench catalog stale. */
function migrationsFingerprint(): string {
  const dir = join(ROOT, 'db', 'migrations');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Creates the bench catalog database when missing and migrates it. Kept between runs (so the first crawl
 * of the 100k source is done once) unless the migrations changed since it was made: then it is dropped
 * and made again. The fingerprint is the database's comment.
 */
export async function prepareDatabase(config: LakeConfig, connections?: { min: number; max: number }): Promise<Knex> {
  const fingerprint = `lake catalog bench, migrations ${migrationsFingerprint()}`;
  await withServerAdmin(config.postgres.url, async (admin, name) => {
    const r = await admin.query<{ comment: string | null }>(`select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`, [name]);
    if (r.rowCount !== 0 && r.rows[0]!.comment !== fingerprint) {
      console.log(`  the migrations changed since ${name} was made: recreating it (the first crawl is done again)`);
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    }
    if (r.rowCount === 0 || r.rows[0]!.comment !== fingerprint) {
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.query(`COMMENT ON DATABASE "${name}" IS '${fingerprint}'`);
    }
  });
  const db = createDb(config.postgres, connections);
  await migrateLatest(db);
  return db;
}

// ---- CPU accounting (Linux /proc; zeros elsewhere) ------------------------------------------------------
// What explains the two-process ratio on a small host: how much CPU the inference processes got, and how
// busy the whole host was (the S3 server, Temporal, PostgreSQL and neighbours share the same cores).

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used. */
export function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return 0;
  }
}

/** Busy and total CPU ticks of the host, all cores. */
export function hostCpu(): { busy: number; total: number } {
  try {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = v.map(Number);
    const total = n.reduce((a, b) => a + b, 0);
    return { busy: total - n[3]! - (n[4] ?? 0), total }; // minus idle and iowait
  } catch {
    return { busy: 0, total: 0 };
  }
}

// ---- data in S3 --------------------------------------------------------------------------------------

async function markerCount(s3: S3Client, bucket: string, key: string): Promise<number | undefined> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Number(await r.Body!.transformToString());
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.add(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** A bare ListObjectsV2 of the whole prefix, all pages: the floor of any crawl's listing. */
async function bareList(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    n += page.Contents?.length ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return n;
}

function day(i: number): string {
  return new Date(Date.UTC(2019, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
}

/** Two tiny JSON lines per object. */
function tinyObject(key: string, i: number): string {
  const ts = Date.UTC(2019, 0, 1) + i * 1000;
  return `{"id":"${key}","ts":${ts},"user_id":${(i * 7919) % 100_000},"event":"click","value":${(i % 100) / 4}}\n` +
    `{"id":"${key}-2","ts":${ts + 1},"user_id":${(i * 104_729) % 100_000},"event":"view","value":${i % 7}}\n`;
}

/** The 100k objects, written once: only missing keys are uploaded, so an interrupted upload resumes. */
async function ensureListData(s3: S3Client, bucket: string): Promise<void> {
  if ((await markerCount(s3, bucket, LIST.marker)) === LIST_OBJECTS) return;
  const t = process.hrtime.bigint();
  const present = await listKeys(s3, bucket, LIST.prefix);
  const missing: { key: string; i: number }[] = [];
  let i = 0;
  for (let d = 0; d < LIST.days; d++) {
    for (let h = 0; h < LIST.hours; h++) {
      for (let p = 0; p < LIST.perPartition; p++, i++) {
        const key = `${LIST.prefix}date_id=${day(d)}/hour=${String(h).padStart(2, '0')}/part-${String(p).padStart(4, '0')}.json`;
        if (!present.has(key)) missing.push({ key, i });
      }
    }
  }
  console.log(`  uploading ${missing.length} of ${LIST_OBJECTS} objects to s3://${bucket}/${LIST.prefix} (${UPLOAD_CONCURRENCY} in flight; once)`);
  let done = 0;
  await pool(missing, UPLOAD_CONCURRENCY, async ({ key, i }) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: tinyObject(key, i), ContentType: 'application/x-ndjson' }));
    if (++done % 10_000 === 0) console.log(`    ${done} / ${missing.length}`);
  });
  const listed = await bareList(s3, bucket, LIST.prefix);
  if (listed !== LIST_OBJECTS) throw new Error(`s3://${bucket}/${LIST.prefix} holds ${listed} objects, expected ${LIST_OBJECTS}`);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LIST.marker, Body: String(LIST_OBJECTS) }));
  console.log(`  uploaded in ${seconds(t).toFixed(0)} s`);
}

/** 40 objects of ~5 MB cut on line boundaries from the schema benchmark's event corpus, written once. */
async function ensureCpuData(s3: S3Client, bucket: string, corpus: string): Promise<number> {
  const have = await markerCount(s3, bucket, CPU.marker);
  if (have !== undefined && have > 0) return have;
  const size = statSync(corpus).size;
  if (size < CPU.objects * CPU.objectBytes) throw new Error(`${corpus} has ${size} bytes, fewer than the ${CPU.objects * CPU.objectBytes} the crawl benchmark needs`);
  const fd = openSync(corpus, 'r');
  let total = 0;
  try {
    let offset = 0;
    for (let n = 0; n < CPU.objects; n++) {
      // read a little more than an object and cut at the last newline
      const buf = Buffer.alloc(CPU.objectBytes + 64 * 1024);
      const got = readSync(fd, buf, 0, buf.length, offset);
      const end = buf.lastIndexOf(0x0a, Math.min(got, CPU.objectBytes) - 1) + 1;
      const body = buf.subarray(0, end);
      const key = `${CPU.prefix}date_id=2019-10-${15 + Math.floor(n / 20)}/hour=${String(n % 20).padStart(2, '0')}/part-0000.json`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }));
      offset += end;
      total += end;
    }
  } finally {
    closeSync(fd);
  }
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: CPU.marker, Body: String(total) }));
  console.log(`  uploaded ${CPU.objects} objects, ${(total / 1e6).toFixed(0)} MB, to s3://${bucket}/${CPU.prefix} (once)`);
  return total;
}

// ---- the scanner alone on the same bytes ---------------------------------------------------------------

async function fetchObjects(s3: S3Client, bucket: string, prefix: string): Promise<Uint8Array[]> {
  const keys = [...(await listKeys(s3, bucket, prefix))].sort();
  return Promise.all(keys.map(async (Key) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray()));
}

/** What an inference activity's scanner does with the objects, from memory: a scanner with statistics per
 *  object, fed 64 KiB chunks as the S3 client's stream delivers them. CPU seconds, one core. */
function scanAlone(objects: readonly Uint8Array[]): number {
  const chunk = 1 << 16;
  const t = process.cpuUsage();
  for (const bytes of objects) {
    const scanner = new JsonLinesScanner('s3://bench/object.json', { stats: true });
    for (let i = 0; i < bytes.length; i += chunk) scanner.push(bytes.subarray(i, Math.min(i + chunk, bytes.length)));
    scanner.end();
  }
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1e6;
}

/** "S3 server 1.2, Temporal 0.8, ...": the services that used at least 0.05 s, busiest first. */
function formatCpu(cpu: CpuByService): string {
  return Object.entries(cpu)
    .filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([k, s]) => `${k} ${s.toFixed(1)}`)
    .join(', ');
}

const load = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
};

// ---- crawls ------------------------------------------------------------------------------------------

function s3Source(name: string, bucket: string, prefix: string, database: string, batchObjects?: number): S3SourceDefinition {
  return {
    name, kind: 's3', location: { bucket, prefix }, format: 'auto', layout: { kind: 'hive' }, schedule: 'nightly',
    targetDatabase: database, targetTable: name.replace(/-/g, '_'), options: batchObjects ? { batchObjects } : {}, enabled: false,
  };
}

interface Crawler {
  crawl(source: string, opts: { full: boolean; inferenceQueue: string }): Promise<CrawlSummary>;
  /** Ends the crawls still running (the bench was interrupted or failed): their workers are going away. */
  terminateRunning(): Promise<void>;
}

function crawler(client: Client, ioQueue: string): Crawler {
  const running = new Set<string>();
  const terminateIfRunning = async (workflowId: string, reason: string) => {
    try {
      const handle = client.workflow.getHandle(workflowId);
      if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate(reason);
    } catch {
      // never ran, or ended meanwhile
    }
  };
  return {
    async crawl(source, { full, inferenceQueue }) {
      const workflowId = `crawl/${source}`;
      // a crawl left running by an interrupted bench has no worker any more: it is the bench's to end
      await terminateIfRunning(workflowId, 'left over by an interrupted bench run');
      running.add(workflowId);
      try {
        return await client.workflow.execute(crawlSource, {
          taskQueue: ioQueue,
          workflowId,
          args: [{ source, full, inferenceTaskQueue: inferenceQueue }],
          // an activity failing on every retry would otherwise keep the bench waiting for its 20 attempts
          workflowExecutionTimeout: '30 minutes',
        });
      } finally {
        running.delete(workflowId);
      }
    },
    async terminateRunning() {
      await Promise.all([...running].map((id) => terminateIfRunning(id, 'the bench stopped')));
    },
  };
}

/** From the run's planning (its row is written once the listing is classified) to its last inferred
 *  batch: the part of a crawl more inference processes can speed up. */
async function inferencePhase(db: Knex, runId: number): Promise<number> {
  const run = await db('crawl_runs').where({ id: runId }).first('started_at');
  const last = await db('crawl_batches').where({ run_id: runId }).max<{ at: Date }>('inferred_at as at').first();
  return (new Date(last!.at).getTime() - new Date(run.started_at).getTime()) / 1000;
}

function noOp(summary: CrawlSummary, expected: number): string | undefined {
  const c = summary.counts;
  if (c.files !== 0 || c.unchanged !== expected || c.deleted !== 0) return `not a no-op: ${JSON.stringify(c)}`;
  return undefined;
}

// ---- the benchmark -----------------------------------------------------------------------------------

export async function crawlBench(base: LakeConfig, opts: { corpus: string }): Promise<Ratio[]> {
  mkdirSync(LOG_DIR, { recursive: true });
  const config = benchConfig(base);
  const bucket = config.s3.demoBucket;
  const s3 = createS3Client(config.s3);
  console.log(`\ncrawl benchmarks: catalog ${new URL(config.postgres.url).pathname.slice(1)}, s3://${bucket}/bench/, ${PASSES} passes (list, recrawl) and ${CPU_PASSES} (CPU crawls), best of each`);
  const db = await prepareDatabase(config);
  const ms = new MetastoreClient(config.metastore);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const queues = { io: `bench-io-${tag}`, one: `bench-infer1-${tag}`, two: `bench-infer2-${tag}` };
  const workers = new Workers(config);
  const crawls = crawler(client, queues.io);
  const onSignal = () => {
    void crawls.terminateRunning().finally(() => workers.stop().finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ratios: Ratio[] = [];
  const cpuSources: string[] = [];
  try {
    // remove CPU sources an interrupted run left behind; every run crawls fresh ones
    for (const s of await db('sources').where('name', 'like', 'bench-cpu-%').pluck('name')) await removeSource(db, s);

    // one I/O worker; one inference process on queue `one`, two on queue `two`
    const env = (inference: string) => ({ LAKE_TASK_QUEUE: queues.io, LAKE_INFERENCE_TASK_QUEUE: inference });
    workers.start('io', ['workers/main.ts', '--no-schedules', '--no-inference'], env(queues.one));
    workers.start('infer1', ['workers/inference.ts'], env(queues.one));
    workers.start('infer2a', ['workers/inference.ts'], env(queues.two));
    workers.start('infer2b', ['workers/inference.ts'], env(queues.two));

    const [, cpuBytes] = await Promise.all([PARTS.has('list') ? ensureListData(s3, bucket) : undefined, ensureCpuData(s3, bucket, opts.corpus)]);
    await Promise.all([
      waitForPollers(client, queues.io, 'workflow', 1),
      waitForPollers(client, queues.io, 'activity', 1),
      waitForPollers(client, queues.one, 'activity', 1),
      waitForPollers(client, queues.two, 'activity', 2),
    ]);

    // -- 1. no-op recrawl vs bare LIST ---------------------------------------------------------------
    if (PARTS.has('list')) {
      await saveSource(db, s3Source(LIST.source, bucket, LIST.prefix, LIST.database, 2000));
      const src = await db('sources').where({ name: LIST.source }).first('id');
      const [{ n: known }] = await db('source_objects').where({ source_id: src.id }).count<{ n: string }[]>({ n: '*' });
      if (Number(known) !== LIST_OBJECTS) {
        console.log(`  first crawl of ${LIST_OBJECTS} objects (the catalog knows ${known}; batches of 2000, two inference processes; once)`);
        const first = await timed(() => crawls.crawl(LIST.source, { full: true, inferenceQueue: queues.two }));
        const c = first.value.counts;
        console.log(`  first crawl: ${fmt(first.seconds)}  (${c.files} objects read, ${first.value.merged.records} records, ${first.value.merged.partitions} partitions)`);
      }
      let list = Infinity;
      let full = Infinity;
      let pruned = Infinity;
      let listed = 0;
      for (let p = 0; p < PASSES; p++) {
        const l = await timed(() => bareList(s3, bucket, LIST.prefix));
        listed = l.value;
        const started = Date.now();
        const f = await timed(() => crawls.crawl(LIST.source, { full: true, inferenceQueue: queues.one }));
        const q = await timed(() => crawls.crawl(LIST.source, { full: false, inferenceQueue: queues.one }));
        for (const [what, s] of [['full', f.value], ['pruned', q.value]] as const) {
          const problem = noOp(s, what === 'full' ? LIST_OBJECTS : s.counts.unchanged);
          if (problem) throw new Error(`${what} recrawl of ${LIST.source} ${problem}`);
        }
        const run = await db('crawl_runs').where({ id: f.value.runId }).first('started_at', 'finished_at');
        const planned = (new Date(run.started_at).getTime() - started) / 1000;
        const rest = (new Date(run.finished_at).getTime() - new Date(run.started_at).getTime()) / 1000;
        console.log(
          `  pass ${p + 1}: bare LIST ${fmt(l.seconds)}   no-op recrawl, full listing ${fmt(f.seconds)} (planned after ${planned.toFixed(2)} s, ` +
            `merge+publish ${rest.toFixed(2)} s)   pruned listing ${fmt(q.seconds)} (${q.value.counts.unchanged} objects listed)`,
        );
        list = Math.min(list, l.seconds);
        full = Math.min(full, f.seconds);
        pruned = Math.min(pruned, q.seconds);
      }
      if (listed !== LIST_OBJECTS) throw new Error(`bare LIST found ${listed} objects, expected ${LIST_OBJECTS}`);
      console.log(`bare ListObjectsV2 of ${listed} objects (${Math.ceil(listed / 1000)} pages):  ${fmt(list)}`);
      console.log(`no-op recrawl, full listing (reads nothing):       ${fmt(full)}   ratio ${(full / list).toFixed(2)}x bare LIST`);
      console.log(`no-op recrawl, pruned listing (default):           ${fmt(pruned)}   ratio ${(pruned / list).toFixed(2)}x bare LIST`);
      ratios.push({ name: 'no-op recrawl (full listing) / bare LIST', value: full / list, note: `${LIST_OBJECTS} objects, ${full.toFixed(2)} s vs ${list.toFixed(2)} s` });
      ratios.push({ name: 'no-op recrawl (pruned listing) / bare LIST', value: pruned / list, note: `${pruned.toFixed(2)} s vs ${list.toFixed(2)} s` });
    }
    if (!PARTS.has('cpu')) return ratios;

    // -- 2. one inference process vs the scanner alone, and vs two processes --------------------------------
    // a fresh source over the same prefix for every crawl, so each reads everything, in the batches the
    // product plans (four of ten objects: the crawl's window), or BENCH_CRAWL_BATCH_OBJECTS objects each;
    // pass 0 warms every process up (JIT, connections) and is not counted; the order alternates between
    // passes (scan-one-two, two-one-scan, ...) so a neighbour's load drifting during the run weighs on all alike
    const objects = await fetchObjects(s3, bucket, CPU.prefix);
    const scannedBytes = objects.reduce((n, o) => n + o.length, 0);
    if (scannedBytes !== cpuBytes) throw new Error(`s3://${bucket}/${CPU.prefix} holds ${scannedBytes} bytes, the marker says ${cpuBytes}`);
    const best = { one: { crawl: Infinity, phase: Infinity, cpu: Infinity }, two: { crawl: Infinity, phase: Infinity, cpu: Infinity }, scan: { wall: Infinity, cpu: Infinity } };
    const mb = cpuBytes / 1e6;
    const named: Record<number, string> = { [process.pid]: 'bench' };
    for (const role of ['io', 'infer1', 'infer2a', 'infer2b']) for (const pid of workers.pids(role)) named[pid] = role === 'io' ? 'I/O worker' : `inference ${role.slice(5)}`;
    for (let p = 0; p <= CPU_PASSES; p++) {
      const order = p % 2 === 0 ? (['scan', 'one', 'two'] as const) : (['two', 'one', 'scan'] as const);
      const pass = p === 0 ? 'warm-up' : `pass ${p}`;
      for (const label of order) {
        if (label === 'scan') {
          const t = process.hrtime.bigint();
          const cpu = scanAlone(objects);
          const wall = seconds(t);
          console.log(`  ${pass}: scanner with statistics alone, in memory: ${fmt(wall)}  (CPU ${cpu.toFixed(2)} s; load ${load()})`);
          if (p === 0) continue;
          best.scan.wall = Math.min(best.scan.wall, wall);
          best.scan.cpu = Math.min(best.scan.cpu, cpu);
          continue;
        }
        const name = `bench-cpu-${tag}-${label}-${p}`;
        cpuSources.push(name);
        await saveSource(db, s3Source(name, bucket, CPU.prefix, CPU.database, CPU_BATCH_OBJECTS));
        const pids = workers.pids(label === 'one' ? 'infer1' : 'infer2');
        const cpuBefore = pids.map(processCpu);
        const servicesBefore = cpuByService(named);
        const hostBefore = hostCpu();
        const r = await timed(() => crawls.crawl(name, { full: false, inferenceQueue: queues[label] }));
        const hostAfter = hostCpu();
        const services = cpuDelta(servicesBefore, cpuByService(named));
        const used = pids.map((pid, i) => processCpu(pid) - cpuBefore[i]!);
        if (r.value.counts.files !== CPU.objects) throw new Error(`${name} read ${r.value.counts.files} objects, expected ${CPU.objects}`);
        const phase = await inferencePhase(db, r.value.runId);
        const busy = hostAfter.total > hostBefore.total ? (100 * (hostAfter.busy - hostBefore.busy)) / (hostAfter.total - hostBefore.total) : 0;
        console.log(
          `  ${pass}: ${label === 'one' ? '1 inference process:  ' : '2 inference processes:'} ${fmt(r.seconds)}  ` +
            `(inference phase ${phase.toFixed(2)} s; inference CPU ${used.map((u) => u.toFixed(1)).join(' + ')} s; host busy ${busy.toFixed(0)}%; load ${load()})`,
        );
        console.log(`           CPU-seconds by process: ${formatCpu(services)}`);
        const run = await db('crawl_runs').where({ id: r.value.runId }).first('workflow_id', 'workflow_run_id');
        const { total, spans } = await activitySpans(client, run.workflow_id, run.workflow_run_id);
        const byActivity = Object.entries(spans).map(([type, s]) => `${type} ${s.toFixed(2)}`).join(', ');
        const [{ n: batches }] = await db('crawl_batches').where({ run_id: r.value.runId }).count<{ n: string }[]>({ n: '*' });
        console.log(`           workflow ${total.toFixed(2)} s, ${batches} batches; first scheduled to last closed, by activity (s): ${byActivity}`);
        if (p === 0) continue;
        best[label].crawl = Math.min(best[label].crawl, r.seconds);
        best[label].phase = Math.min(best[label].phase, phase);
        best[label].cpu = Math.min(best[label].cpu, used.reduce((a, b) => a + b, 0));
      }
    }
    const { one, two, scan } = best;
    const rate = (s: number) => `${(mb / s).toFixed(0).padStart(4)} MB/s`;
    console.log(`scanner with statistics alone, ${mb.toFixed(0)} MB in memory:  ${fmt(scan.wall)}  ${rate(scan.wall)}   (CPU ${scan.cpu.toFixed(2)} s)`);
    console.log(`crawl of ${CPU.objects} objects, ${mb.toFixed(0)} MB, 1 inference process:   ${fmt(one.crawl)}  ${rate(one.crawl)}   (inference phase ${one.phase.toFixed(2)} s)   ratio ${(scan.wall / one.crawl).toFixed(2)}x the scanner`);
    // on a host busy with other work the wall-clock ratio mostly measures the neighbours: CPU per byte does not
    console.log(`inference CPU of the crawl (1 process), least of the passes:   ${fmt(one.cpu)}             ratio ${(scan.cpu / one.cpu).toFixed(2)}x the scanner's CPU`);
    console.log(
      `crawl of ${CPU.objects} objects, ${mb.toFixed(0)} MB, 2 inference processes: ${fmt(two.crawl)}  ${rate(two.crawl)}   (inference phase ${two.phase.toFixed(2)} s)` +
        `   speed-up ${(one.crawl / two.crawl).toFixed(2)}x (inference phase ${(one.phase / two.phase).toFixed(2)}x)`,
    );
    ratios.push({ name: 'crawl (1 inference process) / scanner with statistics alone', value: scan.wall / one.crawl, note: `throughput on the same ${mb.toFixed(0)} MB, ${(mb / one.crawl).toFixed(0)} vs ${(mb / scan.wall).toFixed(0)} MB/s; target >= 0.6` });
    ratios.push({ name: 'scanner CPU / crawl inference CPU (1 process)', value: scan.cpu / one.cpu, note: `${scan.cpu.toFixed(2)} vs ${one.cpu.toFixed(2)} CPU-seconds for the same ${mb.toFixed(0)} MB` });
    ratios.push({ name: 'crawl speed-up, 2 inference processes / 1', value: one.crawl / two.crawl, note: `${mb.toFixed(0)} MB, ${one.crawl.toFixed(2)} s vs ${two.crawl.toFixed(2)} s` });
    ratios.push({ name: 'inference phase speed-up, 2 processes / 1', value: one.phase / two.phase, note: `${one.phase.toFixed(2)} s vs ${two.phase.toFixed(2)} s` });
    return ratios;
  } finally {
    await crawls.terminateRunning();
    await workers.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const s of cpuSources) await removeSource(db, s).catch(() => undefined);
    await ms.dropDatabase(CPU.database, { cascade: true }).catch(() => undefined);
    ms.close();
    s3.destroy();
    await db.destroy();
    await connection.close();
  }
}
