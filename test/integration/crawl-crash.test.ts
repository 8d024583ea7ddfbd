// A worker killed (SIGKILL) in the middle of a crawl: a new worker finishes it, and the catalog and the
// metastore end exactly as after an uninterrupted crawl of the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetastoreClient } from '../../adapters/metastore/client';
import { createS3Client } from '../../adapters/s3';
import type { CrawlSummary } from '../../crawl/run';
import type { SourceDefinition } from '../../crawl/source';
import { createDb } from '../../db/knex';
import { saveSource } from '../../db/sources';
import { activityLogHour } from '../../infra/demo-lake';
import { toHiveColumns, type Schema } from '../../schema';
import { crawlSource } from '../../workflows';
import { testConfig, uniqueName } from './setup';

const root = path.join(__dirname, '..', '..');
const HOURS = Array.from({ length: 16 }, (_, h) => h);

describe('a crawl whose worker is killed', () => {
  const config = testConfig();
  const db = createDb(config.postgres);
  const s3 = createS3Client(config.s3);
  const ms = new MetastoreClient(config.metastore);
  const database = uniqueName('lake_crash');
  const env = {
    LAKE_DATABASE_URL: config.postgres.url,
    LAKE_TASK_QUEUE: uniqueName('test-crash-io'),
    LAKE_INFERENCE_TASK_QUEUE: uniqueName('test-crash-inference'),
  };
  let connection: Connection;
  let client: Client;
  const workers: ChildProcess[] = [];
  let killed: string;
  let reference: string;

  function startWorkers(): ChildProcess {
    // its own process group, so SIGKILL takes the inference child down with it, as a crashed host would
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'workers/main.ts', '--no-schedules'], {
      cwd: root,
      env: { ...process.env, ...env },
      detached: true,
      stdio: 'ignore',
    });
    workers.push(child);
    return child;
  }

  async function source(name: string, prefix: string): Promise<void> {
    for (const h of HOURS) {
      await s3.send(new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${prefix}date_id=2019-10-15/hour=${h}/part-0.json`, Body: activityLogHour('2019-10-15', h, 3000) }));
    }
    const def: SourceDefinition = {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'nightly', targetDatabase: database, targetTable: name.replace(/-/g, '_'), options: { batchObjects: 1 }, enabled: false,
    };
    await saveSource(db, def);
  }

  function crawl(name: string): Promise<CrawlSummary> {
    return client.workflow.execute(crawlSource, {
      taskQueue: env.LAKE_TASK_QUEUE,
      workflowId: `crawl/${name}`,
      args: [{ sourceId: name, inferenceTaskQueue: env.LAKE_INFERENCE_TASK_QUEUE }],
    });
  }

  async function catalogState(name: string) {
    const src = await db('sources').where({ name }).first('id', 'target_table');
    const version = await db('schema_versions').where({ source_id: src.id }).orderBy('version', 'desc').first();
    const partitions = await db('source_partitions').where({ source_id: src.id }).orderBy('path').select('path', 'records', 'bytes', 'objects', 'corrupt_records');
    const objects = await db('source_objects').where({ source_id: src.id }).count<{ n: string }[]>({ n: '*' });
    const t = await ms.getTable(database, src.target_table);
    return {
      version: version.version,
      columns: toHiveColumns(version.schema as Schema),
      partitions,
      objects: Number(objects[0].n),
      corrupt: Number((await db('corrupt_records').where({ source_id: src.id }).count<{ n: string }[]>({ n: '*' }))[0].n),
      metastore: {
        columns: t.sd.cols.map((c) => [c.name, c.type]),
        partitions: (await ms.getPartitionNames(database, src.target_table)).sort(),
        recordCount: t.parameters.recordCount,
        objectCount: t.parameters.objectCount,
      },
    };
  }

  beforeAll(async () => {
    connection = await Connection.connect({ address: config.temporal.address });
    client = new Client({ connection, namespace: config.temporal.namespace });
    const tag = uniqueName('crash');
    killed = `${tag}-killed`.replace(/_/g, '-');
    reference = `${tag}-reference`.replace(/_/g, '-');
    await source(killed, `${tag}/killed/`);
    await source(reference, `${tag}/reference/`);
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) {
      try {
        process.kill(-w.pid!, 'SIGTERM');
      } catch {
        // gone already (the killed one)
      }
    }
    await ms.dropDatabase(database, { cascade: true }).catch(() => undefined);
    ms.close();
    s3.destroy();
    await db.destroy();
    await connection?.close();
  });

  /**
   * Starts listening for `source`'s batches being inferred (a trigger on crawl_batches NOTIFYs) and returns
   * the run id of the first one, within a generous deadline: worker processes start slowly on a busy machine.
   */
  async function watchFirstInferredBatch(source: string): Promise<{ first: Promise<number> }> {
    const channel = uniqueName('batch_inferred');
    const listener = new pg.Client({ connectionString: config.postgres.url });
    await listener.connect();
    await listener.query(`LISTEN ${channel}`);
    await db.raw(`CREATE OR REPLACE FUNCTION ${channel}() RETURNS trigger AS $$ BEGIN PERFORM pg_notify('${channel}', NEW.run_id::text); RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.raw(`CREATE TRIGGER ${channel} AFTER UPDATE OF status ON crawl_batches FOR EACH ROW WHEN (NEW.status = 'inferred') EXECUTE FUNCTION ${channel}()`);
    const ours = async (runId: number) =>
      (await db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where({ 'crawl_runs.id': runId, 'sources.name': source }).first('crawl_runs.id')) !== undefined;
    const first = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the crawl never started inferring')), 240_000);
      listener.on('notification', (n) => {
        const runId = Number(n.payload);
        void ours(runId).then((yes) => {
          if (!yes) return;
          clearTimeout(timer);
          resolve(runId);
        }, reject);
      });
    }).finally(async () => {
      await db.raw(`DROP TRIGGER IF EXISTS ${channel} ON crawl_batches`);
      await db.raw(`DROP FUNCTION IF EXISTS ${channel}()`);
      await listener.end();
    });
    return { first };
  }

  it('finishes after SIGKILL mid-inference and ends equal to an uninterrupted crawl', async () => {
    // kill the whole worker host as soon as the first batch of the run is inferred: the catalog tells
    // this test at once (a trigger's NOTIFY), so the kill lands mid-crawl however fast the machine is
    const inferred = await watchFirstInferredBatch(killed);
    const first = startWorkers();
    const result = crawl(killed);
    const runId = await inferred.first;
    process.kill(-first.pid!, 'SIGKILL');
    const inferredAtKill = Number((await db('crawl_batches').where({ run_id: runId, status: 'inferred' }).count<{ n: string }[]>({ n: '*' }))[0].n);
    expect(inferredAtKill).toBeLessThan(HOURS.length); // really mid-crawl

    startWorkers();
    const summary = await result;
    expect(summary.runId).toBe(runId); // the same run, resumed: planned once
    expect(summary.counts.files).toBe(HOURS.length);
    const batches = await db('crawl_batches').where({ run_id: runId }).select('status');
    expect(batches.every((b: { status: string }) => b.status === 'inferred')).toBe(true);

    await crawl(reference);
    const a = await catalogState(killed);
    const b = await catalogState(reference);
    expect(a).toEqual(b);
    expect(a.partitions).toHaveLength(HOURS.length);
    expect(a.metastore.partitions).toHaveLength(HOURS.length);
  }, 600_000);
});
