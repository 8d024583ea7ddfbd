// A crawl whose history grows long continues as new, carrying its run id and how far inference got; the
// continued run neither plans again nor re-infers a batch. A Temporal dev server of its own (the stack's
// binary, started by @temporalio/testing) suggests continue-as-new after a few events instead of 4,096.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { saveSource } from '../../db/sources';
import { crawlSource } from '../../workflows';
import { LAKE_SOURCE } from '../../workflows/shared';
import { bundleWorkflows, closeDeps, createDeps, createInferenceWorker, createWorker } from '../../workers/worker';
import { stackTemporalBinary, testConfig, uniqueName } from './setup';

describe('a long crawl continues as new', () => {
  const config = testConfig();
  const objects = 40;
  const name = uniqueName('long').replace(/_/g, '-');
  const prefix = `${uniqueName('can')}/long/`;
  const taskQueue = uniqueName('test-can-io');
  const inferenceTaskQueue = uniqueName('test-can-inference');
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let workers: Worker[];
  let running: Promise<unknown>;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: stackTemporalBinary() },
        searchAttributes: [LAKE_SOURCE],
        extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40', '--log-level', 'error'],
      },
    });
    deps = createDeps(config);
    workers = [
      await createWorker({ config, deps, connection: env.nativeConnection, bundle: await bundleWorkflows(), taskQueue }),
      await createInferenceWorker({ config, deps, connection: env.nativeConnection, taskQueue: inferenceTaskQueue }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
    for (let i = 0; i < objects; i++) {
      await deps.s3.send(new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${prefix}date_id=2019-10-15/part-${i}.json`, Body: `{"i":${i},"v":"x"}\n` }));
    }
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'nightly', targetDatabase: uniqueName('lake_can'), targetTable: 'long', options: { batchObjects: 1 }, enabled: false,
    });
  }, 180_000);

  afterAll(async () => {
    workers?.forEach((w) => w.shutdown());
    await running;
    const src = await deps.db('sources').where({ name }).first('target_database');
    if (src) await deps.metastore.dropDatabase(src.target_database, { cascade: true }).catch(() => undefined);
    await closeDeps(deps);
    await env?.teardown();
  });

  it('continues as new with its run and progress, planning once and inferring each batch once', async () => {
    const handle = await env.client.workflow.start(crawlSource, { taskQueue, workflowId: `crawl/${name}`, args: [{ source: name, inferenceTaskQueue }] });
    const summary = await handle.result();
    expect(summary.counts.files).toBe(objects);
    expect(summary.merged.records).toBe(objects);

    const first = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    const last = first.events![first.events!.length - 1];
    expect(last.eventType).toBe(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);

    const runs = await deps.db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('sources.name', name).select('crawl_runs.id');
    expect(runs).toHaveLength(1); // planned once, across every continued run
    const batches = await deps.db('crawl_batches').where({ run_id: runs[0].id });
    expect(batches).toHaveLength(objects);
    expect(batches.every((b: { status: string }) => b.status === 'inferred')).toBe(true);

    // every run of the chain, first to last: each batch's inference was scheduled exactly once in all of them
    const scheduled: number[] = [];
    let chain = 0;
    for (let runId: string | undefined = handle.firstExecutionRunId; runId !== undefined; ) {
      const history: temporal.api.history.v1.IHistory = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      chain++;
      runId = undefined;
      for (const e of history.events ?? []) {
        const a = e.activityTaskScheduledEventAttributes;
        if (a?.activityType?.name === 'inferBatch') {
          const input = JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString('utf8')) as { batchNo: number };
          scheduled.push(input.batchNo);
        }
        const next: string | null | undefined = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
        if (next) runId = next;
      }
    }
    expect(chain).toBeGreaterThan(1);
    expect(scheduled.sort((a, b) => a - b)).toEqual(batches.map((b: { batch_no: number }) => b.batch_no).sort((a: number, b: number) => a - b));
  }, 300_000);
});
