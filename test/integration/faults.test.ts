// Faults, on a stack of the test's own (other ports, its own data folder; test/support/own-stack.ts), so
// nothing here takes down the stack the rest of the suite or a developer's worker uses. Each crawl meets
// one fault, recovers with no human action, and must leave the catalog (PostgreSQL) and the metastore
// exactly as an undisturbed crawl of the same data does.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetastoreClient } from '../../adapters/metastore/client';
import { createS3Client } from '../../adapters/s3';
import type { CrawlSummary } from '../../crawl/run';
import { createDb, migrateLatest } from '../../db/knex';
import { saveSource } from '../../db/sources';
import { activityLogHour } from '../../infra/demo-lake';
import { crawlSource } from '../../workflows';
import { catalogState, watchCrawlEvents } from '../support/catalog-state';
import { startOwnStack, type OwnStack } from '../support/own-stack';
import { uniqueName, waitFor } from './setup';

const root = path.join(__dirname, '..', '..');
const HOURS = Array.from({ length: 8 }, (_, h) => h);
const DATABASE = 'lake_faults';

describe('crawls that meet faults finish after recovery, equal to undisturbed ones', () => {
  let stack: OwnStack;
  let db: Knex;
  let ms: MetastoreClient;
  let connection: Connection;
  let client: Client;
  const queues = { LAKE_TASK_QUEUE: uniqueName('faults-io'), LAKE_INFERENCE_TASK_QUEUE: uniqueName('faults-inference') };
  const workers = new Set<ChildProcess>();
  const reference = 'reference';

  function startWorkers(): ChildProcess {
    // its own process group, so SIGKILL takes the inference child down with it, as a crashed host would
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'workers/main.ts', '--no-schedules'], {
      cwd: root,
      env: { ...process.env, ...stack.env, ...queues },
      detached: true,
      stdio: 'ignore',
    });
    workers.add(child);
    child.once('exit', () => workers.delete(child));
    return child;
  }

  function kill(child: ChildProcess): Promise<void> {
    const gone = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
    return gone;
  }

  async function source(name: string): Promise<void> {
    const s3 = createS3Client(stack.config.s3);
    try {
      for (const h of HOURS) {
        await s3.send(new PutObjectCommand({ Bucket: stack.config.s3.demoBucket, Key: `${name}/date_id=2019-10-15/hour=${h}/part-0.json`, Body: activityLogHour('2019-10-15', h, 2000) }));
      }
    } finally {
      s3.destroy();
    }
    await saveSource(db, {
      name, kind: 's3', location: { bucket: stack.config.s3.demoBucket, prefix: `${name}/` }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'nightly', targetDatabase: DATABASE, targetTable: name.replace(/-/g, '_'), options: { batchObjects: 1 }, enabled: false,
    });
  }

  /** Starts a crawl; `result` waits for it through outages of the server (the wait itself is retried). */
  async function crawl(name: string): Promise<{ result: () => Promise<CrawlSummary> }> {
    const workflowId = `crawl/${name}/${uniqueName('t')}`;
    await client.workflow.start(crawlSource, { taskQueue: queues.LAKE_TASK_QUEUE, workflowId, args: [{ source: name, inferenceTaskQueue: queues.LAKE_INFERENCE_TASK_QUEUE }] });
    return {
      async result() {
        for (const deadline = Date.now() + 8 * 60_000; ; ) {
          try {
            return (await client.workflow.getHandle(workflowId).result()) as CrawlSummary;
          } catch (e) {
            if (Date.now() > deadline || !/unavailable|connect|deadline|ECONNREFUSED|14 /i.test(String((e as Error).message) + String((e as Error).cause ?? ''))) throw e;
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      },
    };
  }

  async function expectEqualToReference(name: string, summary: CrawlSummary) {
    expect(summary.counts.files).toBe(HOURS.length);
    const runs = await db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('sources.name', name).select('crawl_runs.id');
    expect(runs).toHaveLength(1); // planned once: the run resumed, never started over
    expect(await catalogState(db, ms, name)).toEqual(await catalogState(db, ms, reference));
  }

  beforeAll(async () => {
    stack = await startOwnStack();
    db = createDb(stack.config.postgres);
    await migrateLatest(db);
    ms = new MetastoreClient(stack.config.metastore);
    connection = await Connection.connect({ address: stack.config.temporal.address });
    client = new Client({ connection, namespace: stack.config.temporal.namespace });
    startWorkers();
    await source(reference);
    const r = await crawl(reference);
    expect((await r.result()).counts.files).toBe(HOURS.length);
  }, 10 * 60_000);

  afterAll(async () => {
    await Promise.all([...workers].map(kill));
    ms?.close();
    await db?.destroy();
    await connection?.close();
    await stack?.destroy();
  }, 5 * 60_000);

  for (const [service, name, what] of [['s3', 's3-restart', 'S3 restarted during inference'], ['temporal', 'temporal-restart', 'Temporal dev server restarted mid-crawl']] as const) {
    it(what, async () => {
      await source(name);
      const events = await watchCrawlEvents(db, stack.config.postgres.url, uniqueName(service));
      try {
        const inferred = events.until((e) => e.source === name && e.step === 'inferred');
        const c = await crawl(name);
        await inferred;
        await stack.down(service);
        await stack.up();
        await expectEqualToReference(name, await c.result());
      } finally {
        await events.stop();
      }
    }, 10 * 60_000);
  }

  it('metastore down 60 s while the crawl publishes', async () => {
    await source('metastore-down');
    const downAt = Date.now();
    await stack.down('metastore');
    const c = await crawl('metastore-down');
    // the crawl plans, infers and merges without the metastore, then its publish fails and is retried
    await waitFor('the crawl to reach its publish', async () => {
      const run = await db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('sources.name', 'metastore-down').first('crawl_runs.status');
      return run?.status === 'merged';
    }, 5 * 60_000);
    const stillDown = 60_000 - (Date.now() - downAt);
    if (stillDown > 0) await new Promise((r) => setTimeout(r, stillDown));
    const published = await db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('sources.name', 'metastore-down').first('crawl_runs.status');
    expect(published.status).toBe('merged'); // nothing published while the metastore was down
    await stack.up();
    await expectEqualToReference('metastore-down', await c.result());
  }, 10 * 60_000);

  it('PostgreSQL restarted during the merge', async () => {
    await source('postgres-restart');
    const { id } = await db('sources').where({ name: 'postgres-restart' }).first('id');
    // a merge that takes a while, only for this source: the restart lands inside its transaction
    await db.raw(`CREATE OR REPLACE FUNCTION slow_merge() RETURNS trigger AS $$ BEGIN IF NEW.source_id = ${Number(id)} THEN PERFORM pg_sleep(4); END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.raw('CREATE TRIGGER slow_merge BEFORE INSERT ON schema_versions FOR EACH ROW EXECUTE FUNCTION slow_merge()');
    try {
      const c = await crawl('postgres-restart');
      for (const deadline = Date.now() + 5 * 60_000; ; ) {
        const sleeping = await db.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%schema_versions%' AND wait_event = 'PgSleep'`);
        if (sleeping.rows[0].n > 0) break;
        if (Date.now() > deadline) throw new Error('the merge never started');
        await new Promise((r) => setTimeout(r, 100));
      }
      await db.destroy(); // its connections die with the server anyway
      await stack.down('postgres');
      await stack.up();
      db = createDb(stack.config.postgres);
      const summary = await c.result();
      await expectEqualToReference('postgres-restart', summary);
    } finally {
      await db.raw('DROP TRIGGER IF EXISTS slow_merge ON schema_versions');
      await db.raw('DROP FUNCTION IF EXISTS slow_merge()');
    }
  }, 10 * 60_000);

  it('the worker SIGKILLed at 20 random points across several crawls', async () => {
    // Points drawn from a seeded sequence over every step a crawl records: planned, each batch inferred,
    // merged, published. The worker host is killed the moment the catalog records the step (a trigger's
    // NOTIFY), restarted, and the crawl goes on to the next point.
    let seed = 20261205;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const steps = ['planned', ...HOURS.map((_, i) => `inferred ${i + 1}`), 'merged', 'published'];
    const events = await watchCrawlEvents(db, stack.config.postgres.url, uniqueName('kills'));
    const points: string[] = [];
    const crawled: [string, CrawlSummary][] = [];
    try {
      for (const child of [...workers]) await kill(child);
      let worker = startWorkers();
      while (points.length < 20) {
        const name = `kill-${crawled.length + 1}`;
        await source(name);
        // two or three points of this crawl, in the order a crawl reaches them
        const picks = [...new Set(Array.from({ length: 2 + Math.floor(random() * 2) }, () => Math.floor(random() * steps.length)))].sort((a, b) => a - b).slice(0, 20 - points.length);
        const c = await crawl(name);
        for (const p of picks) {
          const step = steps[p]!;
          // a step the inference worker reached while the I/O worker was being killed counts as reached
          const reached = await events.reached((e) => e.source === name && (step.startsWith('inferred') ? e.step === 'inferred' && e.inferred === Number(step.split(' ')[1]) : e.step === step));
          await kill(worker);
          points.push(`${name}: killed as the run was ${step === reached.step ? step : `${reached.step} (${reached.inferred}/${HOURS.length})`}`);
          worker = startWorkers();
        }
        crawled.push([name, await c.result()]);
      }
    } finally {
      await events.stop();
    }
    for (const [name, summary] of crawled) await expectEqualToReference(name, summary);
    console.log(`the worker was SIGKILLed at ${points.length} points:\n  ${points.join('\n  ')}`);
    expect(points).toHaveLength(20);
  }, 20 * 60_000);
});
