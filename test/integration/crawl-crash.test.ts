// A worker killed (SIGKILL) in the middle of a crawl: a new worker finishes it, and the catalog and the
// metastore end exactly as after an uninterrupted crawl of the same data.
import type { ChildProcess } from 'node:child_process';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetastoreClient } from '../../adapters/metastore/client';
import { createS3Client } from '../../adapters/s3';
import type { CrawlSummary } from '../../crawl/run';
import type { SourceDefinition } from '../../crawl/source';
import { createDb } from '../../db/knex';
import { saveSource } from '../../db/sources';
import { activityLogHour } from '../../infra/demo-lake';
import { crawlSource } from '../../workflows';
import { catalogState, watchCrawlEvents } from '../support/catalog-state';
import { killWorkerHost, startWorkerHost, stopWorkerHosts } from '../support/worker-host';
import { testConfig, uniqueName } from './setup';

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
    const host = startWorkerHost(env);
    workers.push(host);
    return host;
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
      args: [{ source: name, inferenceTaskQueue: env.LAKE_INFERENCE_TASK_QUEUE }],
    });
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
    stopWorkerHosts(workers);
    await ms.dropDatabase(database, { cascade: true }).catch(() => undefined);
    ms.close();
    s3.destroy();
    await db.destroy();
    await connection?.close();
  });

  it('finishes after SIGKILL mid-inference and ends equal to an uninterrupted crawl', async () => {
    // kill the whole worker host as soon as the first batch of the run is inferred: the catalog tells
    // this test at once (a trigger's NOTIFY), so the kill lands mid-crawl however fast the machine is
    const events = await watchCrawlEvents(db, config.postgres.url, uniqueName('crash'));
    let runId: number;
    let first: ChildProcess;
    let result: Promise<CrawlSummary>;
    try {
      const inferred = events.until((e) => e.source === killed && e.step === 'inferred');
      first = startWorkers();
      result = crawl(killed);
      ({ runId } = await inferred);
      killWorkerHost(first);
    } finally {
      await events.stop();
    }
    const inferredAtKill = Number((await db('crawl_batches').where({ run_id: runId, status: 'inferred' }).count<{ n: string }[]>({ n: '*' }))[0].n);
    expect(inferredAtKill).toBeLessThan(HOURS.length); // really mid-crawl

    startWorkers();
    const summary = await result;
    expect(summary.runId).toBe(runId); // the same run, resumed: planned once
    expect(summary.counts.files).toBe(HOURS.length);
    const batches = await db('crawl_batches').where({ run_id: runId }).select('status');
    expect(batches.every((b: { status: string }) => b.status === 'inferred')).toBe(true);

    await crawl(reference);
    const a = await catalogState(db, ms, killed);
    const b = await catalogState(db, ms, reference);
    expect(a).toEqual(b);
    expect(a.partitions).toHaveLength(HOURS.length);
    expect(a.metastore.partitions).toHaveLength(HOURS.length);
  }, 600_000);
});
