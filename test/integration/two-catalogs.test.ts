// Two catalogs side by side on one Temporal namespace, one metastore and one S3 bucket, each with a source
// of the same name publishing to the same table and grants whose ids are the same number. Syncing
// schedules, reconciling and revoking in one never deletes, replaces or revokes what the other made: its
// schedules, grant workflows, metastore privileges or bucket policy statements.
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { grantorOf, grantTable, listGrants, type Principal } from '../../adapters/metastore/grants';
import { publishTable } from '../../adapters/metastore/publisher';
import { tableParameters } from '../../adapters/metastore/table-spec';
import { grantState, grantWorkflowRunning, reconcileNow, revokeGrant, startGrantExpiry } from '../../client/grants';
import { legacyCatalogKey, syncSchedules } from '../../client/schedules';
import { catalogBeside, type LakeConfig } from '../../config';
import { addPrincipal, approveRequest, getGrant, requestAccess, type Grant } from '../../db/governance';
import { createDb, migrateLatest, withServerAdmin } from '../../db/knex';
import { removeSource, saveSource } from '../../db/sources';
import { statementIdPrefix, storageAccountOf, type BucketPolicy } from '../../governance/storage-policy';
import { ensureBucket } from '../../infra/bootstrap-s3';
import { bundleWorkflows, closeDeps, createDeps, createWorker } from '../../workers/worker';
import { crawlScheduleId, grantWorkflowId, LEGACY_IDS, WORKFLOW_TYPES, type ReconcileReport } from '../../workflows/shared';
import { recreateTestDatabase, testConfig, uniqueName, waitFor } from './setup';

interface Catalog {
  config: LakeConfig;
  deps: ActivityDeps;
  worker: Worker;
  running: Promise<unknown>;
}

describe('two catalogs on one namespace, metastore and bucket', () => {
  const base = testConfig();
  const sourceName = uniqueName('shared').replace(/_/g, '-'); // the same name in both catalogs
  const database = uniqueName('lake_two');
  const table = { database, table: 'events' };
  const bucket = uniqueName('lake-two').replace(/_/g, '-').toLowerCase();
  const principals: Record<string, { name: string; kind: 'user' }> = Object.fromEntries(['alice', 'bob', 'carol', 'dave', 'mallory'].map((n) => [n, { name: uniqueName(n), kind: 'user' as const }]));
  const started: string[] = [];
  let env: TestWorkflowEnvironment;
  let a: Catalog;
  let b: Catalog;

  async function openCatalog(config: LakeConfig): Promise<Catalog> {
    const taskQueue = uniqueName(`test-two-${config.catalog}`);
    const cfg = { ...config, temporal: { ...config.temporal, taskQueue } };
    const deps = createDeps(cfg);
    const worker = await createWorker({ config: cfg, deps, connection: env.nativeConnection, bundle: await bundleWorkflows() });
    const running = worker.run();
    await saveSource(deps.db, {
      name: sourceName, kind: 's3', location: { bucket, prefix: `${database}/events/` }, format: 'jsonl', layout: { kind: 'none' },
      schedule: 'nightly', targetDatabase: database, targetTable: 'events', options: {}, enabled: true,
    });
    for (const p of Object.values(principals)) await addPrincipal(deps.db, p as never, 'tester');
    return { config: cfg, deps, worker, running };
  }

  async function grant(c: Catalog, p: Principal, level: string): Promise<Grant> {
    const r = await requestAccess(c.deps.db, { principal: p as never, source: sourceName, level, days: 5, reason: 'two catalogs', requestedBy: 'tester' });
    const g = await approveRequest(c.deps.db, { requestId: r.id, catalog: c.config.catalog, by: 'approver' });
    started.push(g.workflowId);
    await startGrantExpiry(env.client, c.config.catalog, { id: g.id, source: g.source }, c.config.temporal.taskQueue);
    // the row says active before the bucket policy is rewritten; the workflow says so once the whole apply is
    // done. Each catalog serializes its own rewrites of a bucket, not the other's: see the README's note on
    // two catalogs sharing a bucket.
    await waitFor(`grant ${g.id} of ${c.config.catalog} to be applied`, async () => (await getGrant(c.deps.db, g.id)).status === 'active' && (await grantState(env.client, g)).phase === 'active');
    return getGrant(c.deps.db, g.id);
  }

  const grantorsOf = async (p: Principal) => (await listGrants(a.deps.metastore, table, p)).map((g) => g.grantor).sort();
  const sidsOf = async () => ((await a.deps.storage.accounts.getBucketPolicy(bucket)) as BucketPolicy | undefined)?.Statement.map((s) => s.Sid) ?? [];

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: base.temporal.address, namespace: base.temporal.namespace });
    const second = catalogBeside(base, 'two');
    await recreateTestDatabase(second);
    const db = createDb(second.postgres);
    await migrateLatest(db).finally(() => db.destroy());
    a = await openCatalog(base);
    b = await openCatalog(second);
    expect(a.config.catalog).not.toBe(b.config.catalog);
    // both catalogs number their next grant the same: the ids that used to collide
    const next = 2_000_000 + Math.floor(Math.random() * 1_000_000_000);
    for (const c of [a, b]) await c.deps.db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${next}`);
    await ensureBucket(a.deps.s3, bucket);
    await publishTable(
      a.deps.metastore,
      {
        database, table: 'events', location: `s3a://${bucket}/${database}/events/`, format: 'jsonl',
        columns: [{ name: 'id', type: 'bigint' }, { name: 'email', type: 'string' }], partitionKeys: [],
        parameters: tableParameters({ format: 'jsonl', source: sourceName, schemaVersion: 1, lastCrawl: '2026-01-01T00:00:00.000Z', stats: { recordCount: 0, objectCount: 0, sizeBytes: 0, compression: 'none' } }),
      },
      [],
    );
  });

  afterAll(async () => {
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const c of [a, b]) {
      if (!c) continue;
      await removeSource(c.deps.db, sourceName).catch(() => undefined);
      await syncSchedules(env.client, c.deps.db, c.config).catch(() => undefined);
      c.worker.shutdown();
      await c.running;
    }
    await a?.deps.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await a?.deps.storage.accounts.putBucketPolicy(bucket, undefined).catch(() => undefined);
    for (const c of [a, b]) if (c) await closeDeps(c.deps);
    if (b) await withServerAdmin(b.config.postgres.url, (admin, name) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
    await env?.teardown();
  });

  it('each syncs only its own schedules, and replaces only the ones it made under the old ids', async () => {
    // schedules from before ids named their catalog, one of each catalog, paused by a person
    const legacyId = `${LEGACY_IDS.crawlSchedulePrefix}${sourceName}`;
    const legacyOf = (c: Catalog, id: string) =>
      env.client.schedule.create({
        scheduleId: id,
        spec: { cronExpressions: ['0 2 * * *'] },
        action: { type: 'startWorkflow', workflowType: WORKFLOW_TYPES.crawl, workflowId: `crawl/${sourceName}`, taskQueue: c.config.temporal.taskQueue, args: [{ sourceId: sourceName }] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        state: { paused: true, note: 'paused by a person' },
        memo: { source: sourceName, schedule: 'nightly', catalog: legacyCatalogKey(c.config) },
      });
    await legacyOf(a, legacyId);
    const bLegacyId = `${legacyId}-b`; // another id: the old ids could not be two at once
    await legacyOf(b, bLegacyId);
    try {
      const first = await syncSchedules(env.client, a.deps.db, a.config);
      expect(first.created).toContain(sourceName);
      expect(first.deleted).not.toContain(sourceName); // replaced, not gone
      const aSchedule = await env.client.schedule.getHandle(crawlScheduleId(a.config.catalog, sourceName)).describe();
      expect(aSchedule.state.paused).toBe(true); // the person's pause carried over
      await expect(env.client.schedule.getHandle(legacyId).describe()).rejects.toThrow(); // replaced
      expect((await env.client.schedule.getHandle(bLegacyId).describe()).memo?.catalog).toBe(legacyCatalogKey(b.config)); // not A's

      expect((await syncSchedules(env.client, b.deps.db, b.config)).created).toContain(sourceName);
      // A again: its own unchanged, B's left alone
      const again = await syncSchedules(env.client, a.deps.db, a.config);
      expect(again.unchanged).toContain(sourceName);
      expect(again.deleted).toEqual([]);
      const bSchedule = await env.client.schedule.getHandle(crawlScheduleId(b.config.catalog, sourceName)).describe();
      expect(bSchedule.memo?.catalog).toBe(b.config.catalog);
      expect(bSchedule.action.type === 'startWorkflow' && bSchedule.action.taskQueue).toBe(b.config.temporal.taskQueue);
    } finally {
      await env.client.schedule.getHandle(bLegacyId).delete().catch(() => undefined);
    }
  });

  it('grants, reconciles and revokes without touching the other catalog', async () => {
    const { alice, bob, carol, dave, mallory } = principals;
    const ga = await grant(a, alice, 'A-5');
    const gb = await grant(b, bob, 'A-5');
    expect(gb.id).toBe(ga.id); // the same number in both catalogs…
    expect(ga.workflowId).toBe(grantWorkflowId(a.config.catalog, ga.id)); // …under two workflow ids
    expect(gb.workflowId).toBe(grantWorkflowId(b.config.catalog, gb.id));
    await grant(b, carol, 'A-5');
    expect(await grantorsOf(alice)).toEqual([grantorOf(a.config.catalog)]);
    expect(await grantorsOf(bob)).toEqual([grantorOf(b.config.catalog)]);
    const sids = await sidsOf();
    expect(sids).toEqual(expect.arrayContaining([
      `${statementIdPrefix(a.config.catalog)}${storageAccountOf(alice)}/read`,
      `${statementIdPrefix(b.config.catalog)}${storageAccountOf(bob)}/read`,
      `${statementIdPrefix(b.config.catalog)}${storageAccountOf(carol)}/read`,
    ]));

    // a grant approved before ids named the catalog: its workflow runs under grant/<id> on A's queue
    const r = await requestAccess(a.deps.db, { principal: dave as never, source: sourceName, level: 'A-2', days: 5, reason: 'old', requestedBy: 'tester' });
    const old = await approveRequest(a.deps.db, { requestId: r.id, catalog: a.config.catalog, by: 'approver' });
    const legacyId = LEGACY_IDS.grantWorkflow(old.id);
    await a.deps.db('grants').where({ id: old.id }).update({ workflow_id: legacyId });
    started.push(legacyId);
    await env.client.workflow.start(WORKFLOW_TYPES.grantExpiry, { workflowId: legacyId, taskQueue: a.config.temporal.taskQueue, args: [{ grantId: old.id }] });
    await waitFor('the old grant to be active', async () => (await getGrant(a.deps.db, old.id)).status === 'active');
    expect(await grantWorkflowRunning(env.client, await getGrant(a.deps.db, old.id), a.config.temporal.taskQueue)).toBe(true);
    expect(await grantWorkflowRunning(env.client, await getGrant(a.deps.db, old.id), b.config.temporal.taskQueue)).toBe(false); // not B's

    // privileges behind each catalog's back: carol's in A's name (B gave her the same), mallory's in B's
    await grantTable(a.deps.metastore, grantorOf(a.config.catalog), carol, table, ['SELECT']);
    await grantTable(a.deps.metastore, grantorOf(b.config.catalog), mallory, table, ['SELECT']);

    // A is the test catalog other files share: its reconciliation is judged by what it did to this test's grants
    const mine = (r: ReconcileReport) => ({
      failed: r.failed.filter((f) => 'grantId' in f.drift ? f.drift.grantId === ga.id || f.drift.grantId === old.id : ('database' in f.drift && f.drift.database === database) || ('bucket' in f.drift && f.drift.bucket === bucket)),
      restarted: r.workflowsRestarted.filter((id) => id === ga.id || id === old.id),
      stray: r.strayPrivilegesRevoked.filter((p) => p.table.startsWith(`${database}.`)),
      rewritten: (r.bucketPoliciesRewritten ?? []).filter((b) => b === bucket),
    });
    const ra = mine(await reconcileNow(env.client, a.config.catalog, a.config.temporal.taskQueue));
    expect(ra.failed).toEqual([]);
    expect(ra.restarted).toEqual([]); // neither the old grant/<id> nor B's grant of the same number
    expect(ra.stray).toEqual([{ table: `${database}.events`, principal: `user:${carol.name}`, privilege: 'SELECT' }]);
    expect(ra.rewritten).toEqual([]);
    expect(await grantorsOf(carol)).toEqual([grantorOf(b.config.catalog)]); // B's grant of carol stays
    expect(await grantorsOf(mallory)).toEqual([grantorOf(b.config.catalog)]); // not A's to revoke

    const rb = mine(await reconcileNow(env.client, b.config.catalog, b.config.temporal.taskQueue));
    expect(rb.failed).toEqual([]);
    expect(rb.restarted).toEqual([]);
    expect(rb.stray).toEqual([{ table: `${database}.events`, principal: `user:${mallory.name}`, privilege: 'SELECT' }]);
    expect(rb.rewritten).toEqual([]);
    expect(await grantorsOf(alice)).toEqual([grantorOf(a.config.catalog)]);
    expect((await getGrant(a.deps.db, old.id)).workflowId).toBe(legacyId); // still found where it runs

    // A ends alice's grant: B's grants keep their privileges, statements and workflows
    expect((await revokeGrant(env.client, ga, { by: 'tester', reason: 'test' })).phase).toBe('revoked');
    await waitFor('the end of alice’s grant to be proven', async () => (await getGrant(a.deps.db, ga.id)).revocationVerifiedAt);
    expect(await grantorsOf(alice)).toEqual([]);
    expect(await grantorsOf(bob)).toEqual([grantorOf(b.config.catalog)]);
    expect(await grantorsOf(carol)).toEqual([grantorOf(b.config.catalog)]);
    const after = await sidsOf();
    expect(after.filter((s) => s.startsWith(statementIdPrefix(a.config.catalog)))).toEqual([]);
    expect(after.filter((s) => s.startsWith(statementIdPrefix(b.config.catalog))).sort()).toEqual(sids.filter((s) => s.startsWith(statementIdPrefix(b.config.catalog))).sort());
    expect((await grantState(env.client, gb)).phase).toBe('active');
    expect(await env.client.schedule.getHandle(crawlScheduleId(b.config.catalog, sourceName)).describe()).toBeTruthy();
  }, 180_000);
});
