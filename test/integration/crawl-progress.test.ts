// `lake crawl` draws a progress bar from the crawl workflow's `progress` query and the inference
// heartbeats. The workers' S3 client answers each GET a little late (a slow network, not a mock), so the
// crawl lasts long enough for the CLI to draw several times.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createS3Client } from '../../adapters/s3';
import { saveSource } from '../../db/sources';
import { activityLogHour } from '../../infra/demo-lake';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { runLake, testConfig, uniqueName } from './setup';

const GET_DELAY_MS = 400;

describe('lake crawl progress bar', () => {
  const config = testConfig();
  const name = uniqueName('progress').replace(/_/g, '-');
  const prefix = `${uniqueName('progress')}/log/`;
  const database = uniqueName('lake_progress');
  const s3 = createS3Client(config.s3);
  const savedEnv = { ...process.env };
  let workers: CrawlWorkers;
  let deps: ActivityDeps;

  beforeAll(async () => {
    // the workers' S3 client answers each GET a little late
    workers = await startCrawlWorkers(config, 'progress', (d) =>
      d.s3.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'GetObjectCommand') await new Promise((r) => setTimeout(r, GET_DELAY_MS));
          return next(args);
        },
        { step: 'initialize', name: 'slowGets' },
      ),
    );
    deps = workers.deps;
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format: 'jsonl', layout: { kind: 'hive' },
      schedule: 'nightly', targetDatabase: database, targetTable: 'log', options: { batchObjects: 1 }, enabled: true,
    });
    for (let h = 0; h < 6; h++) {
      await s3.send(new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${prefix}date_id=2019-10-15/hour=${10 + h}/part-0.json`, Body: activityLogHour('2019-10-15', 10 + h) }));
    }
    // the CLI reads its queues from the environment, as a deployment sets them
    process.env.LAKE_TASK_QUEUE = workers.taskQueue;
    process.env.LAKE_INFERENCE_TASK_QUEUE = workers.inferenceTaskQueue;
  }, 120_000);

  afterAll(async () => {
    process.env = savedEnv;
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
    s3.destroy();
  });

  it('draws the bar while the crawl runs and leaves the finished bar', async () => {
    const r = await runLake(config, 'crawl', name);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`crawl of ${name}`);
    expect(r.progress.length).toBeGreaterThanOrEqual(2);
    for (const line of r.progress) expect(line).toMatch(/^\[[#.]{30}\] (0\/0 files, 0\.0\/0\.0 MB \(planning\)|\d\/6 files, \d+\.\d\/\d+\.\d MB \((inferring|merging|publishing|done)\))$/);
    expect(r.progress.some((l) => l.includes('(inferring)'))).toBe(true);
    expect(r.progress[r.progress.length - 1]).toMatch(/^\[#{30}\] 6\/6 files, .* \(done\)$/);
  });

  it('draws nothing with --json (scripts read stdout only)', async () => {
    const r = await runLake(config, 'crawl', name, '--json');
    expect(r.code).toBe(0);
    expect(r.progress).toEqual([]);
    expect(JSON.parse(r.out)).toMatchObject({ sourceId: name, kind: 'crawl' });
  });
});
