import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceDefinition } from '../../crawl/source';
import { main } from '../../cli/main';
import { createDb } from '../../db/knex';
import { findSource, removeSource, saveSource } from '../../db/sources';
import { syncSchedules } from '../../client/schedules';
import { crawlScheduleId, crawlWorkflowId } from '../../workflows/shared';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { testConfig, uniqueName } from './setup';

async function lake(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let out = '';
  try {
    const code = await main(args, { stdout: (t) => (out += t), stderr: (t) => (out += t) });
    return { code, out };
  } finally {
    process.env = saved;
  }
}

describe('sources and their schedules', () => {
  const config = testConfig();
  const db = createDb(config.postgres);
  // `lake source add` has a worker check the source: the one of this test's queue
  const env: Record<string, string> = { LAKE_DATABASE_URL: config.postgres.url };
  let workers: CrawlWorkers;
  let connection: Connection;
  let client: Client;
  const names: string[] = [];

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'sources');
    env.LAKE_TASK_QUEUE = workers.taskQueue;
    connection = await Connection.connect({ address: config.temporal.address });
    client = new Client({ connection, namespace: config.temporal.namespace });
  });

  afterAll(async () => {
    for (const n of names) await removeSource(db, n);
    await syncSchedules(client, db, config); // deletes the schedules of the removed sources
    await db.destroy();
    await connection.close();
    await workers?.stop();
  });

  it('`lake source add` registers an S3 source after checking its bucket and globs', async () => {
    const name = uniqueName('cli-src').replace(/_/g, '-');
    names.push(name);
    const ok = await lake(['source', 'add', name, '--s3', `s3://${config.s3.demoBucket}/x/`, '--format', 'jsonl', '--schedule', 'hourly', '--include', '**/*.json'], env);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`source ${name} registered`);
    const s = await findSource(db, name);
    expect(s).toMatchObject({ kind: 's3', format: 'jsonl', targetDatabase: 'lake', targetTable: name.replace(/-/g, '_'), options: { include: ['**/*.json'] } });
  });

  it('refuses an unknown bucket, a bad glob and an unreachable database with a clear reason, writing nothing', async () => {
    const name = uniqueName('bad-src').replace(/_/g, '-');
    const bucket = await lake(['source', 'add', name, '--s3', 's3://no-such-bucket-here/x/'], env);
    expect(bucket.code).toBe(2);
    expect(bucket.out).toMatch(/location\.bucket: bucket "no-such-bucket-here" is not reachable/);
    const glob = await lake(['source', 'add', name, '--s3', `s3://${config.s3.demoBucket}/x/`, '--include', 'a/{b'], env);
    expect(glob.code).toBe(2);
    expect(glob.out).toMatch(/include\/exclude: .*a\/\{b/);
    const pg = await lake(['source', 'add', name, '--postgres', 'nowhere', '--from', 'public.t', '--cursor', 'id'], { ...env, LAKE_SECRET_NOWHERE: 'postgres://x:y@127.0.0.1:1/none' });
    expect(pg.code).toBe(2);
    expect(pg.out).toMatch(/the database of secret "nowhere" is unreachable/);
    const secret = await lake(['source', 'add', name, '--postgres', 'unset-secret', '--from', 'public.t', '--cursor', 'id'], env);
    expect(secret.out).toMatch(/LAKE_SECRET_UNSET_SECRET/);
    const usage = await lake(['source', 'add', name, '--schedule', 'soon'], env);
    expect(usage.code).toBe(1);
    expect(await findSource(db, name)).toBeUndefined();
  });

  it('`lake crawl --dry-run` of a database table source is refused, as its connector says, reading nothing', async () => {
    const name = uniqueName('pg-dry').replace(/_/g, '-');
    names.push(name);
    await saveSource(db, { name, kind: 'postgres', location: { secretRef: 'nowhere', schema: 'public', table: 't', cursorColumn: 'id' }, schedule: 'nightly', targetDatabase: 'lake', targetTable: 't', options: {}, enabled: false });
    const r = await lake(['crawl', name, '--dry-run'], env);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`--dry-run reads S3 sources; ${name} is a postgres table source`);
  });

  it('`lake source add` with no worker on the queue says which queue and how to start one, within seconds', async () => {
    const name = uniqueName('no-worker').replace(/_/g, '-');
    const queue = uniqueName('nobody-polls');
    const started = Date.now();
    const r = await lake(['source', 'add', name, '--s3', `s3://${config.s3.demoBucket}/x/`], { ...env, LAKE_TASK_QUEUE: queue });
    expect(r.code).toBe(3);
    expect(r.out).toContain(`task queue "${queue}"`);
    expect(r.out).toMatch(/start the worker \(npm start, or npm run worker\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await findSource(db, name)).toBeUndefined();
  });

  it('syncs one schedule per enabled source (overlap SKIP, catch-up window), updates and deletes only its own', async () => {
    const name = uniqueName('sched').replace(/_/g, '-');
    names.push(name);
    const def: SourceDefinition = {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: 'x/' }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'hourly', targetDatabase: 'lake', targetTable: 't', options: {}, enabled: true,
    };
    await saveSource(db, def);
    const first = await syncSchedules(client, db, config);
    expect(first.created).toContain(name);
    const scheduleId = crawlScheduleId(config.catalog, name);
    const d = await client.schedule.getHandle(scheduleId).describe();
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d.policies.catchupWindow).toBe(24 * 3600 * 1000);
    expect(d.action.type === 'startWorkflow' && d.action.workflowId).toBe(crawlWorkflowId(config.catalog, name));
    expect(d.action.type === 'startWorkflow' && d.action.args).toEqual([{ source: name, inferenceTaskQueue: config.temporal.inferenceTaskQueue }]);
    expect(d.memo).toMatchObject({ source: name, catalog: config.catalog });

    expect((await syncSchedules(client, db, config)).unchanged).toContain(name);
    await saveSource(db, { ...def, schedule: '15 3 * * *' });
    expect((await syncSchedules(client, db, config)).updated).toContain(name);
    expect((await client.schedule.getHandle(scheduleId).describe()).memo?.schedule).toBe('15 3 * * *');

    // what a person does from the UI: trigger now, and backfill a past range
    const handle = client.schedule.getHandle(scheduleId);
    await handle.trigger();
    await handle.backfill({ start: new Date(Date.now() - 3 * 86_400_000), end: new Date(Date.now() - 2 * 86_400_000), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
    const started = async () => {
      const ids: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowType = 'crawlSource' AND WorkflowId STARTS_WITH '${crawlWorkflowId(config.catalog, name)}'` })) ids.push(w.runId);
      return ids;
    };
    let runs: string[] = [];
    for (let i = 0; i < 50 && runs.length < 2; i++) {
      runs = await started();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(runs.length).toBeGreaterThanOrEqual(2); // the trigger and the backfilled day (15 3 * * *)
    for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${crawlWorkflowId(config.catalog, name)}' AND ExecutionStatus = 'Running'` })) {
      await client.workflow.getHandle(w.workflowId, w.runId).terminate('test: no worker polls this queue');
    }

    await saveSource(db, { ...def, enabled: false });
    expect((await syncSchedules(client, db, config)).deleted).toContain(name);
  });
});
