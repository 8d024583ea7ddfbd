// The scale benchmark (`BENCH_ONLY=scale npm run bench`): the first crawl of a source of 1,000,000 objects
// (BENCH_SCALE_OBJECTS) in 1,000 Hive partitions (BENCH_SCALE_PARTITIONS), listed and read through a
// generated lake behind the S3 client's interface (bench/generated-lake.ts), by real worker processes on
// the real Temporal, PostgreSQL and Hive Metastore: plan, inference, merge and publish are the catalog's
// own. It prints what decides whether a lake this size fits: planning time and the plan activity's peak
// RSS, the merge's, the longest workflow history and the largest payload in any of them, and the catalog
// rows written per object. Its catalog database (`<catalog>_scale`) is made for the run and dropped after
// it (BENCH_SCALE_KEEP=1 keeps it).
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { catalogBeside, type LakeConfig } from '../config';
import { MetastoreClient } from '../adapters/metastore/client';
import { createDb, migrateLatest, withServerAdmin } from '../db/knex';
import { saveSource } from '../db/sources';
import { crawlSource } from '../workflows';
import { processCpu, type Ratio } from './crawl';
import { createS3Client } from '../adapters/s3';
import { GeneratedLake, objectCount, partitionCount, removeRealObjects, shapeOf } from './generated-lake';
import { chainFacts } from './history-facts';
import { LOG_DIR, waitForPollers, Workers } from './processes';

const OBJECTS = Number(process.env.BENCH_SCALE_OBJECTS ?? 1_000_000);
const PARTITIONS = Number(process.env.BENCH_SCALE_PARTITIONS ?? 1_000);
const BATCH_OBJECTS = Number(process.env.BENCH_SCALE_BATCH_OBJECTS ?? 2_000);
const INFERENCE_PROCESSES = Number(process.env.BENCH_SCALE_INFERENCE ?? 1);
const SOURCE = 'bench-scale';
const PREFIX = 'bench/scale/';

const MB = 1024 * 1024;
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** Rows inserted, updated and deleted per table of the catalog so far (pg's statistics, flushed first). */
async function tableWrites(db: Knex): Promise<Map<string, number>> {
  await db.raw('select pg_stat_force_next_flush()').catch(() => undefined);
  await db.raw('select pg_stat_clear_snapshot()');
  const rows = await db.raw<{ rows: { relname: string; n: string }[] }>(
    'select relname, (n_tup_ins + n_tup_upd + n_tup_del)::bigint as n from pg_stat_user_tables',
  );
  return new Map(rows.rows.map((r) => [r.relname, Number(r.n)]));
}

/** The stack's Temporal dev server listening on `port`, found by its command line (undefined without /proc). */
function temporalServerPid(port: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('start-dev') && argv[argv.indexOf('--port') + 1] === port) return Number(entry);
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/**
 * CPU seconds spent by the PostgreSQL backends serving the catalog's database: sampled every 2 s, each
 * backend's latest figure kept, so a backend a pool closes still counts what it spent before.
 */
function catalogBackendCpu(db: Knex, database: string): { stop(): Promise<number> } {
  const seen = new Map<number, number>();
  const sample = async () => {
    const r = await db.raw<{ rows: { pid: number }[] }>('select pid from pg_stat_activity where datname = ?', [database]);
    for (const { pid } of r.rows) seen.set(pid, Math.max(seen.get(pid) ?? 0, processCpu(pid)));
  };
  const timer = setInterval(() => void sample().catch(() => undefined), 2000);
  return {
    async stop() {
      await sample().catch(() => undefined);
      clearInterval(timer);
      return [...seen.values()].reduce((a, b) => a + b, 0);
    },
  };
}

async function prepareScaleDatabase(config: LakeConfig): Promise<Knex> {
  await withServerAdmin(config.postgres.url, async (admin, name) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  const db = createDb(config.postgres);
  await migrateLatest(db);
  return db;
}

export async function scaleBench(base: LakeConfig): Promise<Ratio[]> {
  mkdirSync(LOG_DIR, { recursive: true });
  const config = catalogBeside(base, 'scale');
  const bucket = config.s3.demoBucket;
  const shape = shapeOf(bucket, PREFIX, OBJECTS, PARTITIONS);
  const lake = new GeneratedLake(shape);
  const objects = objectCount(shape);
  const dbName = new URL(config.postgres.url).pathname.slice(1);
  console.log(`\nscale benchmark: a generated lake of ${objects} objects in ${partitionCount(shape)} partitions, batches of ${BATCH_OBJECTS}, ${INFERENCE_PROCESSES} inference process(es); catalog ${dbName} (load ${load()})`);

  // the floor of a listing: enumerating the generated keys alone, as the plan's ListObjectsV2 pages do
  let t = process.hrtime.bigint();
  let listed = 0;
  for (let token: string | undefined; ; ) {
    const page = lake.list({ Prefix: PREFIX, ContinuationToken: token });
    listed += page.Contents.length;
    if (!page.IsTruncated) break;
    token = page.NextContinuationToken;
  }
  const listSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (listed !== objects) throw new Error(`the generated lake listed ${listed} objects, expected ${objects}`);

  const db = await prepareScaleDatabase(config);
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const queues = { io: `bench-scale-io-${tag}`, inference: `bench-scale-infer-${tag}` };
  const probeFile = join(LOG_DIR, `scale-probe-${tag}.json`);
  const workers = new Workers(config);
  const workflowId = `${config.catalog}/crawl/${SOURCE}-${tag}`;
  let running = false;
  try {
    const env = { LAKE_TASK_QUEUE: queues.io, LAKE_INFERENCE_TASK_QUEUE: queues.inference, BENCH_SCALE_SHAPE: JSON.stringify(shape), BENCH_SCALE_PROBE: probeFile };
    const io = workers.start('scale-io', ['bench/scale-worker.ts', 'io'], env);
    for (let i = 0; i < INFERENCE_PROCESSES; i++) workers.start(`scale-infer${i}`, ['bench/scale-worker.ts', 'inference'], env);
    await Promise.all([
      waitForPollers(client, queues.io, 'workflow', 1),
      waitForPollers(client, queues.io, 'activity', 1),
      waitForPollers(client, queues.inference, 'activity', INFERENCE_PROCESSES),
    ]);
    await saveSource(db, {
      name: SOURCE, kind: 's3', location: { bucket, prefix: PREFIX }, format: 'auto', layout: { kind: 'hive' }, schedule: 'nightly',
      targetDatabase: 'lake_bench_scale', targetTable: 'scale', options: { batchObjects: BATCH_OBJECTS }, enabled: false,
    });
    const before = await tableWrites(db);

    const temporalPid = temporalServerPid(config.temporal.address.split(':').pop()!);
    const temporalBefore = temporalPid ? processCpu(temporalPid) : 0;
    const backends = catalogBackendCpu(db, dbName);
    const workerPids = workers.pids('scale-');
    const workersBefore = workerPids.map(processCpu);
    t = process.hrtime.bigint();
    running = true;
    const handle = await client.workflow.start(crawlSource, {
      taskQueue: queues.io,
      workflowId,
      args: [{ source: SOURCE, full: true, inferenceTaskQueue: queues.inference }],
      workflowExecutionTimeout: '3 hours',
    });
    const summary = await handle.result();
    running = false;
    const total = Number(process.hrtime.bigint() - t) / 1e9;
    const postgresCpu = await backends.stop();
    const temporalCpu = temporalPid ? processCpu(temporalPid) - temporalBefore : 0;
    const workerCpu = workerPids.map((pid, i) => processCpu(pid) - workersBefore[i]!);

    const after = await tableWrites(db);
    const writes = [...after].map(([table, n]) => ({ table, n: n - (before.get(table) ?? 0) })).filter((w) => w.n > 0).sort((a, b) => b.n - a.n);
    const rowsWritten = writes.reduce((n, w) => n + w.n, 0);
    const [{ n: manifestRows }] = await db('source_objects').count<{ n: string }[]>({ n: '*' });
    const facts = await chainFacts(client, workflowId, handle.firstExecutionRunId);
    const probes = JSON.parse(readFileSync(probeFile, 'utf8')) as Record<string, { calls: number; seconds: number; peakRssBytes: number }>;
    const run = await db('crawl_runs').where({ id: summary.runId }).first('started_at');
    const lastInferred = await db('crawl_batches').where({ run_id: summary.runId }).max<{ at: Date }>('inferred_at as at').first();
    const inferenceSeconds = (new Date(lastInferred!.at).getTime() - new Date(run.started_at).getTime()) / 1000;
    void io;

    const plan = probes.planCrawl!;
    const merge = probes.mergeCrawl!;
    const publish = probes.publishSource!;
    if (Number(manifestRows) !== objects || summary.counts.files !== objects) throw new Error(`the crawl recorded ${manifestRows} of ${objects} objects (read ${summary.counts.files})`);
    console.log(`  listing the generated keys alone:  ${listSeconds.toFixed(2)} s (${(objects / listSeconds / 1000).toFixed(0)}k keys/s)`);
    console.log(`  planning (planCrawl):              ${plan.seconds.toFixed(1)} s   ${(plan.seconds / objects * 1e6).toFixed(1)} µs/object   peak RSS ${(plan.peakRssBytes / MB).toFixed(0)} MB (target < 1024)`);
    console.log(`  inference (${summary.counts.files} objects):      ${inferenceSeconds.toFixed(1)} s after planning, ${facts.activities.inferBatch ?? 0} batches`);
    console.log(`  merge (mergeCrawl):                ${merge.seconds.toFixed(1)} s   peak RSS ${(merge.peakRssBytes / MB).toFixed(0)} MB`);
    console.log(`  publish (publishSource):           ${publish.seconds.toFixed(1)} s   ${summary.merged.partitions} partitions`);
    console.log(`  whole crawl:                       ${total.toFixed(1)} s   (load ${load()})`);
    const batchCount = facts.activities.inferBatch ?? 0;
    console.log(
      `  CPU: workers ${workerCpu.map((c) => c.toFixed(0)).join(' + ')} s (I/O + inference), catalog's PostgreSQL backends ${postgresCpu.toFixed(0)} s, ` +
        `Temporal server ${temporalCpu.toFixed(0)} s (shared with other work: at most ${((temporalCpu * 1000) / Math.max(1, batchCount)).toFixed(0)} ms a batch)`,
    );
    console.log(`  workflow runs (continued as new):  ${facts.runs}   events per run ${facts.eventsPerRun.join(', ')}   max ${Math.max(...facts.eventsPerRun)} (target < 10000)`);
    console.log(`  largest payload:                   ${facts.largestPayload.bytes} bytes (${facts.largestPayload.eventType}; target < 262144)`);
    console.log(`  catalog rows written:              ${rowsWritten} = ${(rowsWritten / objects).toFixed(3)} per object (${writes.slice(0, 6).map((w) => `${w.table} ${w.n}`).join(', ')})`);
    return [
      { name: 'scale: plan activity peak RSS / 1 GiB', value: plan.peakRssBytes / (1024 * MB), note: `${objects} objects, planned in ${plan.seconds.toFixed(1)} s` },
      { name: 'scale: longest history / 10,000 events', value: Math.max(...facts.eventsPerRun) / 10_000, note: `${facts.runs} run(s)` },
      { name: 'scale: largest payload / 256 KiB', value: facts.largestPayload.bytes / 262_144, note: `${facts.largestPayload.bytes} bytes` },
    ];
  } finally {
    if (running) await client.workflow.getHandle(workflowId).terminate('the bench stopped').catch(() => undefined);
    await workers.stop();
    rmSync(probeFile, { force: true });
    const ms = new MetastoreClient(config.metastore);
    await ms.dropDatabase('lake_bench_scale', { cascade: true }).catch(() => undefined);
    ms.close();
    const real = createS3Client(config.s3);
    await removeRealObjects(real, shape).catch(() => undefined);
    real.destroy();
    await db.destroy();
    await connection.close();
    if (process.env.BENCH_SCALE_KEEP !== '1') {
      await withServerAdmin(config.postgres.url, (admin, name) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
  }
}
