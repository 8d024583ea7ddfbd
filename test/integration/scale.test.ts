// A crawl of 20,000 objects in 200 partitions (a generated lake behind the S3 client, as the scale
// benchmark crawls a million) through the real workflow, activities, catalog and metastore: what makes a
// crawl of any size fit in Temporal holds at this size too. No run of the workflow holds more than the
// history bound and what its last batches add; it continues as new without planning again; no payload in
// any history is more than a few KB (ids and counts, never keys); every object is inferred once and recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveSource } from '../../db/sources';
import { crawlSource } from '../../workflows';
import { HISTORY_BOUND } from '../../workflows/crawl';
import type { S3Client } from '@aws-sdk/client-s3';
import { generatedS3, GeneratedLake, objectCount, partitionCount, removeRealObjects, type LakeShape } from '../../bench/generated-lake';
import { chainFacts } from '../../bench/history-facts';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { testConfig, uniqueName } from './setup';

describe('a crawl of 20,000 objects', () => {
  const config = testConfig();
  const shape: LakeShape = { bucket: config.s3.demoBucket, prefix: `${uniqueName('scale')}/`, days: 20, hours: 10, perPartition: 100 };
  const lake = new GeneratedLake(shape);
  const objects = objectCount(shape);
  const perBatch = 40; // 500 batches: past the history bound, so the crawl continues as new
  const name = uniqueName('scale').replace(/_/g, '-');
  const database = uniqueName('lake_scale');
  let workers: CrawlWorkers;
  let real: S3Client;

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'scale', (deps) => {
      real = deps.s3;
      deps.s3 = generatedS3(lake, deps.s3);
    });
    await saveSource(workers.deps.db, {
      name, kind: 's3', location: { bucket: shape.bucket, prefix: shape.prefix }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'nightly', targetDatabase: database, targetTable: 'scale', options: { batchObjects: perBatch }, enabled: false,
    });
  }, 180_000);

  afterAll(async () => {
    await workers?.deps.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    if (real) await removeRealObjects(real, shape);
    await workers?.stop();
  });

  it('keeps every history bounded and every payload small, and records each object once', { timeout: 900_000 }, async () => {
    const workflowId = `crawl/${name}`;
    const handle = await workers.env.client.workflow.start(crawlSource, {
      taskQueue: workers.taskQueue,
      workflowId,
      args: [{ source: name, full: true, inferenceTaskQueue: workers.inferenceTaskQueue }],
    });
    const summary = await handle.result();
    const batches = objects / perBatch;
    expect(summary.counts).toMatchObject({ added: objects, files: objects, deleted: 0 });
    expect(summary.merged).toMatchObject({ records: 2 * objects, corruptRecords: 0, partitions: partitionCount(shape) });

    const facts = await chainFacts(workers.env.client, workflowId, handle.firstExecutionRunId);
    expect(facts.runs).toBeGreaterThanOrEqual(2);
    for (const events of facts.eventsPerRun) expect(events).toBeLessThanOrEqual(HISTORY_BOUND + 100);
    expect(facts.largestPayload.bytes).toBeLessThan(8 * 1024);
    // planned once, each batch inferred once over the chain, merged and published once
    expect(facts.activities).toMatchObject({ planCrawl: 1, inferBatch: batches, describeRun: facts.runs - 1, mergeCrawl: 1, publishSource: 1 });

    const db = workers.deps.db;
    const source = await db('sources').where({ name }).first('id');
    const [{ n: recorded }] = await db('source_objects').where({ source_id: source.id }).count<{ n: string }[]>({ n: '*' });
    expect(Number(recorded)).toBe(objects);
    const volumes = await db('source_partitions').where({ source_id: source.id }).select('objects', 'records');
    expect(volumes).toHaveLength(partitionCount(shape));
    expect(volumes.every((p: { objects: number; records: string }) => p.objects === shape.perPartition && Number(p.records) === 2 * shape.perPartition)).toBe(true);
    const stored = await db('crawl_batches').where({ run_id: summary.runId }).count<{ n: string }[]>({ n: '*' });
    expect(Number(stored[0]!.n)).toBe(batches);
  });

  it('recrawls with a pruned listing that reads the manifest of the partitions it listed only', { timeout: 300_000 }, async () => {
    const again = await workers.env.client.workflow.execute(crawlSource, {
      taskQueue: workers.taskQueue,
      workflowId: `crawl/${name}`,
      args: [{ source: name, inferenceTaskQueue: workers.inferenceTaskQueue }],
    });
    // the newest two partitions (the default lookback), each object unchanged: none read, none deleted
    expect(again.counts).toMatchObject({ added: 0, changed: 0, deleted: 0, files: 0, unchanged: 2 * shape.perPartition });
  });
});
