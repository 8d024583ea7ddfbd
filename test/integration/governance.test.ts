// Access requests, grants and their expiry workflows on the real stack: Temporal, the catalog database
// and the Hive Metastore's privileges. A "day" lasts one second here (approveRequest's dayMs), so a grant
// of 4 days expires after 4 s; every timing assertion is "within N seconds".
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createGovernanceActivities } from '../../activities/governance';
import { grantorOf, grantTable, listGrants, type Principal } from '../../adapters/metastore/grants';
import { publishTable } from '../../adapters/metastore/publisher';
import { tableParameters } from '../../adapters/metastore/table-spec';
import { main } from '../../cli/main';
import {
  addPrincipal,
  approveRequest,
  auditTrail,
  endDueGrants,
  getGrant,
  listNotifications,
  markGrantEnded,
  notifySourceHolders,
  requestAccess,
  type Grant,
} from '../../db/governance';
import { saveSource } from '../../db/sources';
import { ensureBucket } from '../../infra/bootstrap-s3';
import { GovernanceError } from '../../governance/levels';
import { ensureReconcileSchedule, grantWorkflowRunning, startGrantExpiry } from '../../client/grants';
import { bundleWorkflows, closeDeps, createDeps, createWorker } from '../../workers/worker';
import { grantExpiry } from '../../workflows/grant-expiry';
import { extendUpdate, grantWorkflowId, reconcileScheduleId, revokeUpdate, stateQuery } from '../../workflows/shared';
import { reconcileGrants } from '../../workflows/reconcile-grants';
import { historyToJsonText } from '../support/histories';
import { testConfig, uniqueName, waitFor } from './setup';

const HISTORIES = path.join(__dirname, '..', 'replay', 'histories');


function captureIo() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

describe('governance: access requests, grants and their expiry on the real stack', () => {
  const config = testConfig();
  const taskQueue = uniqueName('test-governance');
  const database = uniqueName('lake_gov');
  const sourceName = uniqueName('gov').replace(/_/g, '-');
  const table = { database, table: 'events' };
  // a bucket of this test alone: an A-5 grant rewrites the policy of its table's bucket
  const bucket = uniqueName('lake-gov').replace(/_/g, '-').toLowerCase();
  const alice: Principal = { name: uniqueName('alice'), kind: 'user' };
  const bob: Principal = { name: uniqueName('bob'), kind: 'user' };
  const analysts: Principal = { name: uniqueName('analysts'), kind: 'group' };
  const started: string[] = [];
  const savedEnv = { ...process.env };
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let bundle: WorkflowBundleWithSourceMap;
  let worker: Worker;
  let running: Promise<unknown>;

  /** request → approve (a day lasts `dayMs`) → start <catalog>/grant/<id> on `queue`. */
  async function grant(p: Principal, level: string, days: number, opts: { queue?: string; dayMs?: number; warnBeforeDays?: number } = {}): Promise<Grant> {
    const r = await requestAccess(deps.db, { principal: p as never, source: sourceName, level, days, reason: 'integration test', requestedBy: 'tester' });
    const g = await approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'approver', dayMs: opts.dayMs ?? 1000, warnBeforeDays: opts.warnBeforeDays ?? 2 });
    started.push(g.workflowId);
    await startGrantExpiry(env.client, config.catalog, { id: g.id, source: g.source }, opts.queue ?? taskQueue);
    return g;
  }

  const held = async (p: Principal, on: { database: string; table: string } = table) => (await listGrants(deps.metastore, on, p)).map((g) => g.privilege);
  // read their level's view of the table (governance/level-views.ts)
  const a3View = { database, table: 'events__deidentified' };
  const a4View = { database, table: 'events__no_identifying' };
  const statusOf = async (id: number) => (await getGrant(deps.db, id)).status;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.temporal.address, namespace: config.temporal.namespace });
    deps = createDeps(config);
    bundle = await bundleWorkflows();
    worker = await createWorker({ config, deps, connection: env.nativeConnection, bundle, taskQueue });
    running = worker.run();
    // every run's test catalog has the same name, so the same <catalog>/grant/<id>: start this run's ids somewhere unused
    await deps.db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${1_000_000 + Math.floor(Math.random() * 1_000_000_000)}`);
    await ensureBucket(deps.s3, bucket);
    await publishTable(
      deps.metastore,
      {
        database, table: 'events', location: `s3a://${bucket}/${database}/events/`, format: 'jsonl',
        columns: [{ name: 'id', type: 'bigint' }, { name: 'email', type: 'string' }], partitionKeys: [],
        parameters: tableParameters({ format: 'jsonl', source: sourceName, schemaVersion: 1, lastCrawl: '2026-01-01T00:00:00.000Z', stats: { recordCount: 0, objectCount: 0, sizeBytes: 0, compression: 'none' } }),
      },
      [],
    );
    await saveSource(deps.db, {
      name: sourceName, kind: 's3', location: { bucket, prefix: `${database}/events/` }, format: 'jsonl', layout: { kind: 'none' },
      schedule: 'nightly', targetDatabase: database, targetTable: 'events', options: {}, enabled: true,
    });
    for (const p of [alice, bob, analysts]) await addPrincipal(deps.db, p as never, 'tester');
    // the CLI reads its settings from the environment: point it at the test catalog and this queue
    process.env.LAKE_DATABASE_URL = config.postgres.url;
    process.env.LAKE_TASK_QUEUE = taskQueue;
  });

  afterAll(async () => {
    process.env = savedEnv;
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    worker?.shutdown();
    await running;
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    if (deps) await closeDeps(deps);
    await env?.teardown();
  });

  it('request → approve → SELECT in the metastore → warning → expiry: privilege gone, grant expired, audit complete', async () => {
    const g = await grant(alice, 'A-4', 4); // expires 4 s after approval, warned 2 s before
    expect(g.status).toBe('pending');
    await waitFor('the grant to be active', async () => (await statusOf(g.id)) === 'active');
    expect(await held(alice, a4View)).toEqual(['SELECT']);
    expect(await held(alice)).toEqual([]); // not the table's identifying columns
    const handle = env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId);
    expect((await handle.query(stateQuery)).phase).toBe('active');

    const final = await handle.result();
    expect(final).toMatchObject({ grantId: g.id, phase: 'expired', warned: true });
    expect(await held(alice, a4View)).toEqual([]);
    const after = await getGrant(deps.db, g.id);
    expect(after.status).toBe('expired');
    expect(after.expiredAt!.getTime()).toBeGreaterThanOrEqual(after.expiresAt.getTime()); // never before its deadline
    expect(after.expiredAt!.getTime() - after.expiresAt.getTime()).toBeLessThan(10_000);

    const audit = await auditTrail(deps.db, 'grant', g.id);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['created', 'activated', 'warned', 'expired', 'verified']);
    expect(audit.at(-2)).toMatchObject({ from_status: 'active', to_status: 'expired', actor: 'lake-catalog' });
    expect(audit.at(-2).details.metastoreRevoked).toEqual(['SELECT']);
    // the end proven: the privilege is gone, and alice has no key that could read the files
    expect(audit.at(-1).details).toMatchObject({ metastore: `no SELECT on ${database}.events__no_identifying`, storage: `lake-user-${alice.name} has no S3 account` });
    const requestAudit = await auditTrail(deps.db, 'request', g.requestId!);
    expect(requestAudit.map((a: { action: string }) => a.action)).toEqual(['requested', 'approved']);

    const notes = await listNotifications(deps.db, { grantId: g.id });
    expect(notes.map((n: { kind: string }) => n.kind)).toEqual(['warning', 'expired']);
    expect(new Date(notes[0].created_at).getTime()).toBeLessThan(after.expiresAt.getTime());
    expect(notes[0].recipient).toBe(alice.name);

    // the audit log cannot be rewritten
    await expect(deps.db('governance_audit').where({ entity: 'grant', entity_id: g.id }).delete()).rejects.toThrow(/append-only/);

    if (process.env.LAKE_SAVE_HISTORIES) {
      mkdirSync(HISTORIES, { recursive: true });
      writeFileSync(path.join(HISTORIES, 'grant-expiry-warned-expired-local.json'), historyToJsonText(await handle.fetchHistory()));
    }
  });

  it('extends a grant within the level maximum, refuses beyond it, and revokes early on request', async () => {
    const g = await grant(bob, 'A-5', 3); // at most 30 "days" (30 s) from approval
    const handle = env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId);
    // the workflow, not only the catalog: it refuses an extension until it has seen the grant applied
    await waitFor('the grant to be active', async () => (await statusOf(g.id)) === 'active' && (await handle.query(stateQuery)).phase === 'active');

    const until = new Date(g.createdAt.getTime() + 20_000).toISOString();
    const s = await handle.executeUpdate(extendUpdate, { args: [{ until, by: 'approver' }] });
    expect(s.expiresAt).toBe(until);
    expect(s.extensions).toBe(1);
    expect((await getGrant(deps.db, g.id)).expiresAt.toISOString()).toBe(until);

    const tooFar = new Date(g.createdAt.getTime() + 31_000).toISOString();
    await expect(handle.executeUpdate(extendUpdate, { args: [{ until: tooFar, by: 'approver' }] })).rejects.toThrow();
    const refused = await handle.executeUpdate(extendUpdate, { args: [{ until: tooFar }] }).catch((e: Error) => (e.cause as Error)?.message ?? e.message);
    expect(refused).toMatch(/beyond the level's maximum period/);
    const past = await handle.executeUpdate(extendUpdate, { args: [{ until: '2020-01-01T00:00:00Z' }] }).catch((e: Error) => (e.cause as Error)?.message ?? e.message);
    expect(past).toMatch(/not in the future/);

    // past the original expiry (3 "days" of 1 s): the extension holds
    await waitFor('the original expiry to pass', async () => Date.now() > g.expiresAt.getTime() + 1000);
    expect(await statusOf(g.id)).toBe('active');
    expect(await held(bob)).toEqual(['SELECT']);

    const revoked = await handle.executeUpdate(revokeUpdate, { args: [{ by: 'security', reason: 'left the project' }] });
    expect(revoked.phase).toBe('revoked');
    expect(await held(bob)).toEqual([]);
    const after = await getGrant(deps.db, g.id);
    expect(after).toMatchObject({ status: 'revoked', revokedBy: 'security', revokeReason: 'left the project' });
    expect((await handle.result()).phase).toBe('revoked');
    // the proof runs in the workflow task that revoked, so it may be recorded before the update answers
    expect((await auditTrail(deps.db, 'grant', g.id)).map((a: { action: string }) => a.action)).toEqual(['created', 'activated', 'extended', 'revoked', 'verified']);
  });

  it('refuses to extend an expired grant, through the workflow and the CLI', async () => {
    const g = await grant(analysts, 'A-3', 2);
    const handle = env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId);
    expect((await handle.result()).phase).toBe('expired');
    await expect(handle.executeUpdate(extendUpdate, { args: [{ until: new Date(Date.now() + 5000).toISOString() }] })).rejects.toThrow();
    const { out, io } = captureIo();
    expect(await main(['access', 'extend', String(g.id), '--days', '1', '--by', 'approver'], io)).toBe(2);
    expect(out.stderr).toMatch(new RegExp(`grant ${g.id} is expired`));
    expect(await statusOf(g.id)).toBe('expired');
  });

  it('revokes within seconds of a worker coming back after the expiry passed while it was down', async () => {
    const queue = uniqueName('test-governance-restart');
    const first = await createWorker({ config, deps, connection: env.nativeConnection, bundle, taskQueue: queue });
    const firstRun = first.run();
    const g = await grant(alice, 'A-4', 4, { queue, warnBeforeDays: 1 });
    await waitFor('the grant to be active', async () => (await statusOf(g.id)) === 'active');
    first.shutdown();
    await firstRun;

    await waitFor('the expiry to pass', async () => Date.now() > g.expiresAt.getTime() + 3000, 15_000);
    expect(await statusOf(g.id)).toBe('active'); // no worker: nobody revoked
    expect(await held(alice, a4View)).toEqual(['SELECT']);

    const second = await createWorker({ config, deps, connection: env.nativeConnection, bundle, taskQueue: queue });
    const secondRun = second.run();
    const restartedAt = Date.now();
    try {
      // the wait is generous so that a slow revocation fails on the bound below, not on a timeout
      await waitFor('the grant to expire', async () => (await statusOf(g.id)) === 'expired', 60_000);
      expect(Date.now() - restartedAt).toBeLessThan(10_000);
      expect(await held(alice, a4View)).toEqual([]);
    } finally {
      second.shutdown();
      await secondRun;
    }
  });

  it('reconciliation revokes a privilege granted behind the catalog and restarts a terminated expiry workflow', async () => {
    const mallory: Principal = { name: uniqueName('mallory'), kind: 'user' };
    await grantTable(deps.metastore, grantorOf(config.catalog), mallory, table, ['SELECT']);
    const g = await grant(bob, 'A-4', 50);
    await waitFor('the grant to be active', async () => (await statusOf(g.id)) === 'active');
    await env.client.workflow.getHandle(g.workflowId).terminate('terminated by hand');
    expect(await grantWorkflowRunning(env.client, g, taskQueue)).toBe(false);

    const report = await env.client.workflow.execute(reconcileGrants, { taskQueue, workflowId: uniqueName('reconcile-grants/test'), args: [{}] });
    expect(report.workflowsRestarted).toEqual([g.id]);
    expect(report.strayPrivilegesRevoked).toEqual([{ table: `${database}.events`, principal: `user:${mallory.name}`, privilege: 'SELECT' }]);
    expect(report.failed).toEqual([]);
    expect(await held(mallory)).toEqual([]);
    expect(await held(bob, a4View)).toEqual(['SELECT']); // the live grant keeps its privilege
    expect(await grantWorkflowRunning(env.client, g, taskQueue)).toBe(true);

    // nothing left to repair
    const again = await env.client.workflow.execute(reconcileGrants, { taskQueue, workflowId: uniqueName('reconcile-grants/test'), args: [{}] });
    expect(again.found).toBe(0);
    await env.client.workflow.getHandle(g.workflowId).executeUpdate(revokeUpdate, { args: [{ by: 'tester', reason: 'cleanup' }] });
    expect(await held(bob, a4View)).toEqual([]);
  }, 180_000); // two reconciliation passes over the shared stack: slow on a loaded machine

  it('grants due at one instant end together: one transaction, each with its own audit, notice and proof; a privilege a live grant needs stays', async () => {
    const users: Principal[] = [0, 1, 2].map((i) => ({ name: uniqueName(`together${i}`), kind: 'user' }));
    for (const u of users) await addPrincipal(deps.db, u as never, 'tester');
    const [keeps, both, one] = users as [Principal, Principal, Principal];
    const approve = async (p: Principal, days: number) => {
      const r = await requestAccess(deps.db, { principal: p as never, source: sourceName, level: 'A-4', days, reason: 'integration test', requestedBy: 'tester' });
      const g = await approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'approver', dayMs: 1000, warnBeforeDays: 1 });
      started.push(g.workflowId);
      return g;
    };
    // `keeps` holds a second, longer grant on the same view; `both` has two grants ending together
    const staying = await approve(keeps, 40);
    const ending = [await approve(keeps, 5), await approve(both, 5), await approve(both, 5), await approve(one, 5)];
    const instant = new Date(Date.now() + 6000);
    await deps.db('grants').whereIn('id', ending.map((g) => g.id)).update({ expires_at: instant });
    for (const g of [staying, ...ending]) await startGrantExpiry(env.client, config.catalog, { id: g.id, source: g.source }, taskQueue);
    await waitFor('the grants to be active', async () => (await deps.db('grants').whereIn('id', [staying, ...ending].map((g) => g.id)).where({ status: 'active' })).length === 5);
    for (const u of users) expect(await held(u, a4View)).toEqual(['SELECT']);

    const finals = await Promise.all(ending.map((g) => env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId).result()));
    for (const f of finals) expect(f).toMatchObject({ phase: 'expired', verification: 'verified' });
    expect(await held(keeps, a4View)).toEqual(['SELECT']); // its other grant lives
    expect(await held(both, a4View)).toEqual([]);
    expect(await held(one, a4View)).toEqual([]);
    for (const g of ending) {
      const after = await getGrant(deps.db, g.id);
      expect(after.expiredAt!.getTime()).toBeGreaterThanOrEqual(instant.getTime()); // never before its deadline
      const audit = await auditTrail(deps.db, 'grant', g.id);
      expect(audit.map((a: { action: string }) => a.action)).toEqual(['created', 'activated', 'warned', 'expired', 'verified']);
      // the first of the four to wake ended all of them, in one transaction (other due grants may join it)
      expect(audit.at(-2).details.endedTogether).toBeGreaterThanOrEqual(4);
      expect(audit.at(-2).details.metastoreRevoked).toEqual(g.principal.name === keeps.name ? [] : ['SELECT']);
      expect((await listNotifications(deps.db, { grantId: g.id })).map((n: { kind: string }) => n.kind)).toEqual(['warning', 'expired']);
    }
    // both of `both`'s grants gave SELECT up: one revoke in the metastore, recorded for each
    expect(new Set(ending.map((g) => g.id)).size).toBe(4);
    await env.client.workflow.getHandle(staying.workflowId).executeUpdate(revokeUpdate, { args: [{ by: 'tester', reason: 'cleanup' }] });
    expect(await held(keeps, a4View)).toEqual([]);
  });

  it('ending due grants together skips a grant another transaction holds, and leaves one the metastore refused live', async () => {
    const carol: Principal = { name: uniqueName('carol'), kind: 'user' };
    await addPrincipal(deps.db, carol as never, 'tester');
    const approve = async () => {
      const r = await requestAccess(deps.db, { principal: carol as never, source: sourceName, level: 'A-4', days: 5, reason: 'integration test', requestedBy: 'tester' });
      return approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'approver', dayMs: 1000 });
    };
    const [locked, refused, free] = [await approve(), await approve(), await approve()];
    const mine = new Set([locked.id, refused.id, free.id]);
    await deps.db('grants').whereIn('id', [...mine]).update({ expires_at: new Date(Date.now() - 1000) });
    // an extension of `locked` being committed holds its row
    const trx = await deps.db.transaction();
    try {
      await trx('grants').where({ id: locked.id }).forUpdate().first();
      const seen: number[] = [];
      // the metastore's part is this test's: other due grants of the shared catalog are left to their own workflows
      const ended = await endDueGrants(deps.db, { limit: 1000, by: 'lake-catalog' }, async (due) =>
        due.map((d) => {
          if (!mine.has(d.grant.id)) return undefined;
          seen.push(d.grant.id);
          return d.grant.id === refused.id ? undefined : [];
        }),
      );
      expect(seen.sort()).toEqual([refused.id, free.id].sort());
      expect(ended.map((g) => g.id)).toEqual([free.id]);
    } finally {
      await trx.rollback();
    }
    expect(await statusOf(free.id)).toBe('expired');
    expect(await statusOf(locked.id)).toBe('pending');
    expect(await statusOf(refused.id)).toBe('pending');
    expect((await auditTrail(deps.db, 'grant', free.id)).map((a: { action: string }) => a.action)).toEqual(['created', 'expired']);
    expect((await listNotifications(deps.db, { grantId: free.id })).map((n: { kind: string }) => n.kind)).toEqual(['expired']);
    // no workflow holds them: end them here, so no later reconciliation finds them
    for (const g of [locked, refused]) await markGrantEnded(deps.db, { grantId: g.id, kind: 'revoked', by: 'tester', reason: 'cleanup', revokedPrivileges: [] });
  });

  it('refuses bad requests with every problem named, writing nothing', async () => {
    const count = async () => ({
      requests: Number((await deps.db('access_requests').count({ n: '*' }))[0].n),
      // of requests: earlier tests' grant workflows may still be proving their ends meanwhile
      audit: Number((await deps.db('governance_audit').where({ entity: 'request' }).count({ n: '*' }))[0].n),
    });
    const before = await count();
    const attempt = (o: Partial<Parameters<typeof requestAccess>[1]>) =>
      requestAccess(deps.db, { principal: alice as never, source: sourceName, level: 'A-4', days: 10, reason: 'analysis', requestedBy: 'tester', ...o }).then(
        () => undefined,
        (e: unknown) => e,
      );

    const unknownLevel = await attempt({ level: 'A-7' });
    expect(unknownLevel).toBeInstanceOf(GovernanceError);
    expect((unknownLevel as GovernanceError).problems).toEqual([{ field: 'level', reason: 'unknown level "A-7" (one of A-1, A-2, A-3, A-4, A-5)' }]);
    expect(((await attempt({ level: 'A-5', days: 45 })) as GovernanceError).problems).toEqual([{ field: 'days', reason: '45 days is above the maximum of 30 for A-5 (read identified)' }]);
    expect(((await attempt({ source: 'no-such-source' })) as GovernanceError).problems[0]).toMatchObject({ field: 'source', reason: expect.stringMatching(/unknown source "no-such-source"/) });
    expect(((await attempt({ principal: { name: 'nobody-here', kind: 'user' } })) as GovernanceError).problems).toEqual([
      { field: 'principal', reason: 'unknown user "nobody-here" (lake access principal add registers one)' },
    ]);

    const { out, io } = captureIo();
    expect(await main(['access', 'request', sourceName, '--principal', alice.name, '--level', 'A-9', '--days', '400', '--reason', 'x y z'], io)).toBe(2);
    expect(out.stderr).toMatch(/level: unknown level "A-9"/);
    expect(await count()).toEqual(before);
  });

  it('the CLI requests, approves (starting the expiry workflow), lists, shows users and revokes', async () => {
    const run = async (...args: string[]) => {
      const { out, io } = captureIo();
      const code = await main(args, io);
      return { code, ...out };
    };
    const req = await run('access', 'request', sourceName, '--principal', analysts.name, '--group', '--level', 'A-3', '--days', '7', '--reason', 'dashboards', '--by', 'carol');
    expect(req.code).toBe(0);
    const requestId = /request (\d+):/.exec(req.stdout)![1];
    const approved = await run('access', 'approve', requestId, '--by', 'dave');
    expect(approved.code).toBe(0);
    const grantId = Number(/grant (\d+) \(A-3/.exec(approved.stdout)![1]);
    started.push(grantWorkflowId(config.catalog, grantId));
    expect(approved.stdout).toContain(`workflow ${grantWorkflowId(config.catalog, grantId)} started`);
    await waitFor('the grant to be active', async () => (await statusOf(grantId)) === 'active');
    expect(await held(analysts, a3View)).toEqual(['SELECT']);
    expect((await getGrant(deps.db, grantId)).expiresAt.getTime() - Date.now()).toBeGreaterThan(6 * 86_400_000);

    const users = await run('users', sourceName);
    expect(users.stdout).toMatch(new RegExp(`${grantId}\\s+group:${analysts.name}\\s+${sourceName}\\s+A-3\\s+active`));
    const list = await run('access', 'list', '--source', sourceName, '--json');
    expect(JSON.parse(list.stdout).grants.map((g: { id: number }) => g.id)).toContain(grantId);

    const revoked = await run('access', 'revoke', String(grantId), '--reason', 'project over', '--by', 'dave');
    expect(revoked).toMatchObject({ code: 0, stdout: `grant ${grantId} revoked\n` });
    expect(await held(analysts, a3View)).toEqual([]);
    expect((await run('users', sourceName)).stdout).toBe(`nobody holds access to ${sourceName}\n`);
  });

  it('records one notification per active holder when the source changes incompatibly', async () => {
    const g = await grant(alice, 'A-2', 30);
    await waitFor('the grant to be active', async () => (await statusOf(g.id)) === 'active');
    const sourceId = (await getGrant(deps.db, g.id)).sourceId;
    const payload = { schemaVersion: 7, changes: 2 };
    expect(await notifySourceHolders(deps.db, { sourceId, kind: 'breaking-change', event: 'schema/v7', payload })).toBe(1);
    expect(await notifySourceHolders(deps.db, { sourceId, kind: 'breaking-change', event: 'schema/v7', payload })).toBe(0); // a retried merge
    const notes = await listNotifications(deps.db, { sourceId, kind: 'breaking-change' });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ recipient: alice.name, grant_id: g.id, payload: { schemaVersion: 7, source: sourceName, level: 'A-2' } });
    await env.client.workflow.getHandle(g.workflowId).executeUpdate(revokeUpdate, { args: [{ by: 'tester', reason: 'cleanup' }] });
  });

  it('creates the reconciliation schedule once and leaves an existing one alone', async () => {
    const catalog = uniqueName('test');
    const scheduleId = reconcileScheduleId(catalog);
    try {
      expect(await ensureReconcileSchedule(env.client, { catalog, taskQueue, every: '1 hour' })).toBe('created');
      expect(await ensureReconcileSchedule(env.client, { catalog, taskQueue })).toBe('exists');
      const d = await env.client.schedule.getHandle(scheduleId).describe();
      expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileGrants', taskQueue });
    } finally {
      await env.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    }
  });

  it('delivers outbox notifications to the webhook once, and keeps them when the webhook fails', async () => {
    const received: { kind: string; recipient: string }[] = [];
    let status = 500;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (status === 200) received.push(JSON.parse(body));
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const acts = createGovernanceActivities({ ...deps, governance: { warnBeforeDays: 3, notifyWebhook: url } });
      const undelivered = async () => Number((await deps.db('notifications').whereNull('delivered_at').count({ n: '*' }))[0].n);
      const pending = await undelivered();
      expect(pending).toBeGreaterThan(0);

      const failing = await acts.deliverNotifications({ limit: 1000 });
      expect(failing).toEqual({ delivered: 0, failed: pending });
      expect(await undelivered()).toBe(pending);
      expect((await deps.db('notifications').first('last_error')).last_error).toMatch(/webhook answered 500/);

      status = 200;
      expect(await acts.deliverNotifications({ limit: 1000 })).toEqual({ delivered: pending, failed: 0 });
      expect(await acts.deliverNotifications({ limit: 1000 })).toEqual({ delivered: 0, failed: 0 });
      expect(await undelivered()).toBe(0);
      expect(received.map((n) => n.kind)).toEqual(expect.arrayContaining(['warning', 'expired', 'revoked', 'breaking-change']));
      expect(received.some((n) => n.recipient === alice.name)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('refuses to approve table access to an unpublished source; metadata levels need no table', async () => {
    const name = uniqueName('unpublished').replace(/_/g, '-');
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: `${database}/never/` }, format: 'jsonl', layout: { kind: 'none' },
      schedule: 'nightly', targetDatabase: database, targetTable: 'never_published', options: {}, enabled: true,
    });
    const ask = (level: string) => requestAccess(deps.db, { principal: alice as never, source: name, level, days: 5, reason: 'integration test', requestedBy: 'tester' });

    const read = await ask('A-4');
    const { out, io } = captureIo();
    expect(await main(['access', 'approve', String(read.id), '--by', 'dave'], io)).toBe(2);
    expect(out.stderr).toMatch(new RegExp(`table ${database}.never_published, which is not published`));
    expect((await deps.db('access_requests').where({ id: read.id }).first('status')).status).toBe('pending');

    // approved anyway (e.g. the table was dropped since): the workflow ends the grant with the reason
    const g = await approveRequest(deps.db, { requestId: read.id, catalog: config.catalog, by: 'approver', dayMs: 1000 });
    started.push(g.workflowId);
    await startGrantExpiry(env.client, config.catalog, { id: g.id, source: name }, taskQueue);
    expect((await env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId).result()).phase).toBe('revoked');
    expect((await getGrant(deps.db, g.id)).revokeReason).toMatch(/could not be applied: .*never_published is not published/);

    const meta = await approveRequest(deps.db, { requestId: (await ask('A-1')).id, catalog: config.catalog, by: 'approver', dayMs: 1000 });
    started.push(meta.workflowId);
    await startGrantExpiry(env.client, config.catalog, { id: meta.id, source: name }, taskQueue);
    await waitFor('the metadata grant to be active', async () => (await statusOf(meta.id)) === 'active');
    await env.client.workflow.getHandle(meta.workflowId).executeUpdate(revokeUpdate, { args: [{ by: 'tester', reason: 'cleanup' }] });
  });
});
