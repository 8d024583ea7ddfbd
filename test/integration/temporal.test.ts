import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { catalogStatus } from '../../workflows';
import { bundleWorkflows, closeDeps, createDeps, createWorker } from '../../workers/worker';
import { testConfig, uniqueName } from './setup';

describe('Temporal round trip on the stack\'s dev server', () => {
  const config = testConfig();
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let worker: Worker;
  const taskQueue = uniqueName('test-roundtrip');

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporal.address,
      namespace: config.temporal.namespace,
    });
    deps = createDeps(config);
    worker = await createWorker({ config, deps, connection: env.nativeConnection, bundle: await bundleWorkflows(), taskQueue });
  });

  afterAll(async () => {
    await closeDeps(deps);
    await env?.teardown();
  });

  it('runs a workflow whose activity reads the catalog database and the metastore', async () => {
    await deps.db('sources').insert({ name: uniqueName('src'), kind: 's3', location: { bucket: 'b', prefix: 'p/' } });
    const result = await worker.runUntil(
      env.client.workflow.execute(catalogStatus, {
        taskQueue,
        workflowId: uniqueName('test/catalog-status'),
        args: [{ requestedBy: 'vitest' }],
      }),
    );
    expect(result.requestedBy).toBe('vitest');
    expect(result.sources).toBeGreaterThanOrEqual(1);
    expect(result.metastoreDatabases).toBeGreaterThanOrEqual(1); // `default` always exists
  });

  it('has the LakeSource search attribute registered as a keyword', async () => {
    const res = await env.connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
    // 2 = INDEXED_VALUE_TYPE_KEYWORD
    expect(res.customAttributes?.LakeSource).toBe(2);
  });
});
