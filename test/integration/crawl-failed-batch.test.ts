// A crawl whose inference batch fails for good: the run is recorded as failed (not left `planned`), the
// holders of the source hear of it after three failed crawls in a row, and `lake crawl` exits 3. The I/O
// worker is the real one; the inference worker's inferBatch refuses every batch.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { addPrincipal, approveRequest, listNotifications, markGrantActive, requestAccess } from '../../db/governance';
import { saveSource } from '../../db/sources';
import { startCrawl } from '../../client/crawl';
import { EXIT } from '../../cli/command';
import { bundleWorkflows, closeDeps, createDeps, createWorker } from '../../workers/worker';
import { runLake, testConfig, uniqueName } from './setup';

describe('a crawl whose inference batch fails', () => {
  const base = testConfig();
  const taskQueue = uniqueName('test-failed-batch-io');
  const inferenceTaskQueue = uniqueName('test-failed-batch-inference');
  const config = { ...base, temporal: { ...base.temporal, taskQueue, inferenceTaskQueue } };
  const name = uniqueName('failing').replace(/_/g, '-');
  const prefix = `${uniqueName('failing')}/`;
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let workers: Worker[];
  let running: Promise<unknown>;
  let attempts = 0;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.temporal.address, namespace: config.temporal.namespace });
    deps = createDeps(config);
    workers = [
      await createWorker({ config, deps, connection: env.nativeConnection, bundle: await bundleWorkflows() }),
      await Worker.create({
        connection: env.nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue: inferenceTaskQueue,
        activities: {
          async inferBatch(): Promise<never> {
            attempts++;
            throw ApplicationFailure.nonRetryable('the batch cannot be read', 'TestBatchError');
          },
        },
      }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
    await deps.s3.send(new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${prefix}part-0.json`, Body: '{"id":1}\n' }));
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format: 'jsonl', layout: { kind: 'none' },
      schedule: 'nightly', targetDatabase: uniqueName('lake_failing'), targetTable: 'events', options: {}, enabled: true,
    });
    // someone holds the source: the one told when it keeps failing
    const holder = { name: uniqueName('holder'), kind: 'user' as const };
    await addPrincipal(deps.db, holder, 'test');
    const r = await requestAccess(deps.db, { principal: holder, source: name, level: 'A-1', days: 1, reason: 'test', requestedBy: holder.name });
    await markGrantActive(deps.db, (await approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'admin' })).id);
  });

  afterAll(async () => {
    for (const w of workers ?? []) w.shutdown();
    await running;
    if (deps) await closeDeps(deps);
    await env?.teardown();
  });

  const runs = async () => deps.db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('sources.name', name).orderBy('crawl_runs.id').select('crawl_runs.status', 'crawl_runs.error');
  const notices = async () => {
    const src = await deps.db('sources').where({ name }).first('id');
    return listNotifications(deps.db, { sourceId: src.id, kind: 'source-failing' });
  };

  it('records each failed run, tells the holders after the third, and lake crawl exits 3', async () => {
    for (let i = 1; i <= 3; i++) {
      const handle = await startCrawl(env.client, config, name);
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      const all = await runs();
      expect(all).toHaveLength(i);
      expect(all[i - 1].status).toBe('failed');
      expect(all[i - 1].error).toMatch(/the batch cannot be read/);
      expect(await notices()).toHaveLength(i < 3 ? 0 : 1);
    }
    expect(attempts).toBe(3); // refused for good: never retried

    const saved = { ...process.env };
    Object.assign(process.env, { LAKE_TASK_QUEUE: taskQueue, LAKE_INFERENCE_TASK_QUEUE: inferenceTaskQueue });
    try {
      const r = await runLake(config, 'crawl', name, '--json');
      expect(r.code).toBe(EXIT.failed);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(new RegExp(`crawl of ${name} failed`));
    } finally {
      process.env = saved;
    }
    expect((await runs()).map((r: { status: string }) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(await notices()).toHaveLength(1); // the same failing streak: told once
  }, 120_000);
});
