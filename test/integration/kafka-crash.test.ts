// A Kafka crawl whose worker host is killed (SIGKILL) in the middle of inference: a new worker finishes the
// same run, and every message is counted exactly once: the catalog ends as a second source on the same
// topic crawled without interruption does, its offsets at the high watermarks, and a crawl after that reads
// nothing.
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, deleteTopic, kafkaEndpoint, produce, topicOffsets, type ProducedMessage } from '../../adapters/kafka';
import type { CrawlSummary } from '../../crawl/run';
import { createDb } from '../../db/knex';
import { saveSource } from '../../db/sources';
import { crawlSource } from '../../workflows';
import { watchCrawlEvents } from '../support/catalog-state';
import { killWorkerHost, startWorkerHost, stopWorkerHosts } from '../support/worker-host';
import { testConfig, uniqueName } from './setup';

const MESSAGES = 180_000; // 60,000 a partition: two ranges each, six batches

describe('a Kafka crawl whose worker is killed', () => {
  const config = testConfig();
  const db = createDb(config.postgres);
  const kafka = kafkaEndpoint(config.kafka.bootstrap, 'lake-catalog-test');
  const tag = uniqueName('kcrash').replace(/_/g, '-');
  const topic = `${tag}.events`;
  const killed = `${tag}-killed`;
  const reference = `${tag}-reference`;
  const env = {
    LAKE_DATABASE_URL: config.postgres.url,
    LAKE_TASK_QUEUE: uniqueName('test-kcrash-io'),
    LAKE_INFERENCE_TASK_QUEUE: uniqueName('test-kcrash-inference'),
  };
  let connection: Connection;
  let client: Client;
  const workers: ChildProcess[] = [];

  function startWorkers(): ChildProcess {
    const host = startWorkerHost(env);
    workers.push(host);
    return host;
  }

  const crawl = (name: string): Promise<CrawlSummary> =>
    client.workflow.execute(crawlSource, { taskQueue: env.LAKE_TASK_QUEUE, workflowId: `crawl/${name}/${uniqueName('t')}`, args: [{ source: name, inferenceTaskQueue: env.LAKE_INFERENCE_TASK_QUEUE }] });

  /** What a crawl left of a topic source, names aside. */
  async function state(name: string) {
    const src = await db('sources').where({ name }).first('id');
    const version = await db('schema_versions').where({ source_id: src.id }).orderBy('version', 'desc').first('version', 'schema');
    return {
      version: version.version,
      columns: (version.schema.columns as { name: string; type: unknown }[]).map((c) => [c.name, c.type]),
      partitions: await db('source_partitions').where({ source_id: src.id }).orderBy('path').select('path', 'records', 'corrupt_records'),
      objects: Number((await db('source_objects').where({ source_id: src.id }).count<{ n: string }[]>({ n: '*' }))[0]!.n),
      corrupt: Number((await db('corrupt_records').where({ source_id: src.id }).count<{ n: string }[]>({ n: '*' }))[0]!.n),
      offsets: (await db('kafka_offsets').where({ source_id: src.id }).orderBy('partition').select('partition', 'next_offset')).map((o: { partition: number; next_offset: string }) => [o.partition, String(o.next_offset)]),
    };
  }

  beforeAll(async () => {
    connection = await Connection.connect({ address: config.temporal.address });
    client = new Client({ connection, namespace: config.temporal.namespace });
    await createTopic(kafka, topic, { partitions: 3 });
    const t0 = Date.now() - 2 * 3_600_000;
    const messages: ProducedMessage[] = Array.from({ length: MESSAGES }, (_, i) => ({
      partition: i % 3,
      key: `k${i % 101}`,
      value: i % 9_973 === 0 ? `{"broken": ${i}` : JSON.stringify(i % 2 ? { id: i, kind: 'a', n: i % 17 } : { kind: 'b', id: i, tags: [`t${i % 5}`] }),
      timestamp: t0 + Math.floor((i / MESSAGES) * 2 * 3_600_000),
    }));
    await produce(kafka, topic, messages, { compression: 'snappy' });
    for (const name of [killed, reference]) {
      await saveSource(db, { name, kind: 'kafka', location: { topic }, schedule: 'hourly', targetDatabase: 'lake', targetTable: name.replace(/-/g, '_'), options: {}, enabled: false });
    }
  }, 120_000);

  afterAll(async () => {
    stopWorkerHosts(workers);
    await deleteTopic(kafka, topic).catch(() => undefined);
    await db.destroy();
    await connection?.close();
  });

  it('finishes after SIGKILL mid-inference and counts every message exactly once', async () => {
    const events = await watchCrawlEvents(db, config.postgres.url, uniqueName('kcrash'));
    let runId: number;
    let result: Promise<CrawlSummary>;
    try {
      const inferred = events.until((e) => e.source === killed && e.step === 'inferred');
      const first = startWorkers();
      result = crawl(killed);
      ({ runId } = await inferred);
      killWorkerHost(first);
    } finally {
      await events.stop();
    }
    const batches = async () => db('crawl_batches').where({ run_id: runId }).select('status');
    const atKill = (await batches()).filter((b: { status: string }) => b.status === 'inferred').length;
    expect(atKill).toBeLessThan(6); // really mid-crawl

    startWorkers();
    const summary = await result;
    expect(summary.runId).toBe(runId); // the same run, resumed: planned once
    expect(summary.counts).toMatchObject({ added: MESSAGES, files: 6 });
    expect(summary.merged.records + summary.merged.corruptRecords).toBe(MESSAGES);

    await crawl(reference);
    const a = await state(killed);
    expect(a).toEqual(await state(reference));
    expect(a.partitions.reduce((n: number, p: { records: string; corrupt_records: string }) => n + Number(p.records) + Number(p.corrupt_records), 0)).toBe(MESSAGES);
    expect(a.offsets).toEqual((await topicOffsets(kafka, topic)).map((p) => [p.partition, p.highWatermark]));
    // nothing new: nothing read, nothing counted
    const again = await crawl(killed);
    expect(again.counts.added).toBe(0);
    expect((await state(killed)).partitions).toEqual(a.partitions);
  }, 600_000);
});
