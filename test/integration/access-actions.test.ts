// The governance actions every front end shares (client/access.ts), the owners and admins of sources
// (db/owners.ts) and the queries of the access pages (db/access-views.ts), on the real stack: Temporal with a
// worker running the grants' expiry workflows, the catalog database, and the metastore asked whether a
// level's table is published. Grants are A-2 (samples; no metastore privilege), so no table is needed.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { approveAccess, cancelRequest, extendAccess, giveUpAccess, rejectRequest, type AccessDeps } from '../../client/access';
import { grantWorkflowRunning } from '../../client/grants';
import { UnknownPrincipalError } from '../../db/catalog';
import { accessEvents, accessLog, approvalsInbox, myAccess, viewerLevel } from '../../db/access-views';
import { addPrincipal, getGrant, getRequest, recordWarning, requestAccess } from '../../db/governance';
import { addOwner, isAdmin, ownersOf, removeOwner, setAdmin, sourcesOwnedBy } from '../../db/owners';
import { insertSlices } from '../../db/slices';
import type { Source } from '../../crawl/source';
import { saveSource, UnknownSourceError } from '../../db/sources';
import { DAY_MS, GovernanceError } from '../../governance/levels';
import { bundleWorkflows, closeDeps, createDeps, createWorker } from '../../workers/worker';
import { runLake, testConfig, uniqueName, waitFor } from './setup';

// what people type into a reason or a note: markup, quotes, unicode, and nothing at all
const MESSY = `need it for <script>alert("x")</script> "><img src=x onerror=alert(1)> — Ünïcode ✓ 'quoted'`;

describe('access actions, owners and the access pages on the real stack', () => {
  const base = testConfig();
  const taskQueue = uniqueName('test-access-actions');
  const config = { ...base, temporal: { ...base.temporal, taskQueue } };
  const user = (p: string) => uniqueName(p).replace(/_/g, '-');
  const olga = user('olga'); // owns the stream
  const otto = user('otto'); // owns the other source
  const ana = user('ana'); // the analyst
  const sam = user('sam'); // nobody in particular
  const root = user('root'); // an admin
  const stream = user('events');
  const other = user('payments');
  const database = uniqueName('lake_access');
  let slice: string;
  let streamSource: Source;
  let otherSource: Source;
  let sliceId: number;
  const started: string[] = [];
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let actions: AccessDeps;
  let worker: Worker;
  let running: Promise<unknown>;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.temporal.address, namespace: config.temporal.namespace });
    deps = createDeps(config);
    worker = await createWorker({ config, deps, connection: env.nativeConnection, bundle: await bundleWorkflows(), taskQueue });
    running = worker.run();
    actions = { db: deps.db, temporal: async () => env.client, config };
    // every run's test catalog has the same name, so the same <catalog>/grant/<id>: start this run's ids somewhere unused
    await deps.db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${1_000_000 + Math.floor(Math.random() * 1_000_000_000)}`);
    const s3 = (name: string, prefix: string, table: string) =>
      saveSource(deps.db, {
        name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format: 'jsonl', layout: { kind: 'none' },
        schedule: 'nightly', targetDatabase: database, targetTable: table, options: { discriminators: ['label'] }, enabled: true,
      });
    streamSource = await s3(stream, `${database}/events/`, 'events');
    otherSource = await s3(other, `${database}/payments/`, 'payments');
    slice = `${stream}-purchase`;
    const [row] = await deps.db.transaction((trx) =>
      insertSlices(trx, [{ name: slice, streamId: streamSource.id, stream, values: ['purchase'], schedule: 'nightly', targetDatabase: database, targetTable: 'events_purchase' }]),
    );
    sliceId = row.id;
    for (const name of [olga, otto, ana, sam, root]) await addPrincipal(deps.db, { name, kind: 'user' }, 'tester');
  });

  afterAll(async () => {
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    worker?.shutdown();
    await running;
    if (deps) await closeDeps(deps);
    await env?.teardown();
  });

  it('gives sources owners, inherited by logical sources, and users admin rights, every change audited once', async () => {
    expect(await addOwner(deps.db, { source: stream, principal: olga, by: 'tester' })).toBe(true);
    expect(await addOwner(deps.db, { source: stream, principal: olga, by: 'tester' })).toBe(false); // already
    expect(await addOwner(deps.db, { source: other, principal: otto, by: 'tester' })).toBe(true);
    expect(await addOwner(deps.db, { source: other, principal: sam, by: 'tester' })).toBe(true);
    expect(await removeOwner(deps.db, { source: other, principal: sam, by: 'tester' })).toBe(true);
    expect(await removeOwner(deps.db, { source: other, principal: sam, by: 'tester' })).toBe(false);

    expect(await ownersOf(deps.db, streamSource.id)).toEqual([olga]);
    expect(await ownersOf(deps.db, sliceId)).toEqual([olga]); // the stream's owners own its logical sources
    expect(await ownersOf(deps.db, otherSource.id)).toEqual([otto]);
    expect(await sourcesOwnedBy(deps.db, olga)).toEqual([stream, slice].sort());
    expect(await sourcesOwnedBy(deps.db, sam)).toEqual([]);
    expect(await sourcesOwnedBy(deps.db, 'nobody-at-all')).toEqual([]);

    await expect(addOwner(deps.db, { source: slice, principal: ana, by: 'tester' })).rejects.toThrow(new RegExp(`${slice} is a logical source: its stream's owners own it \\(lake source owner add ${stream} <user>\\)`));
    await expect(addOwner(deps.db, { source: stream, principal: 'nobody-at-all', by: 'tester' })).rejects.toBeInstanceOf(UnknownPrincipalError);
    await expect(addOwner(deps.db, { source: 'no-such-source', principal: ana, by: 'tester' })).rejects.toBeInstanceOf(UnknownSourceError);

    expect(await isAdmin(deps.db, root)).toBe(false);
    expect(await setAdmin(deps.db, root, true, 'tester')).toBe(true);
    expect(await setAdmin(deps.db, root, true, 'tester')).toBe(false);
    expect(await isAdmin(deps.db, root)).toBe(true);
    expect(await isAdmin(deps.db, 'nobody-at-all')).toBe(false);
    await expect(setAdmin(deps.db, 'nobody-at-all', true, 'tester')).rejects.toBeInstanceOf(UnknownPrincipalError);

    const sourceAudit = await deps.db('governance_audit').where({ entity: 'source', entity_id: otherSource.id }).orderBy('id');
    expect(sourceAudit.map((a: { action: string; details: { principal: string } }) => `${a.action} ${a.details.principal}`)).toEqual([`owner-added ${otto}`, `owner-added ${sam}`, `owner-removed ${sam}`]);
    const rootId = (await deps.db('principals').where({ name: root }).first('id')).id;
    expect((await deps.db('governance_audit').where({ entity: 'principal', entity_id: rootId }).orderBy('id')).map((a: { action: string }) => a.action)).toEqual(['registered', 'admin-granted']);
    // the stream's owner changes are part of its journey
    expect((await accessEvents(deps.db, { source: stream })).map((e) => e.action)).toEqual(['owner-added']);
  });

  it('request → inbox → approve (workflow exists) → extend → refused beyond the maximum → give up, every step listed', async () => {
    const req = await requestAccess(deps.db, { principal: { name: ana, kind: 'user' }, source: slice, level: 'A-2', days: 7, reason: MESSY, requestedBy: ana });

    // the inbox: the slice's owner (its stream's) and admins see it; another source's owner and strangers do not
    const inboxIds = async (name: string, admin = false) => (await approvalsInbox(deps.db, { name, admin })).map((r) => r.id);
    expect(await inboxIds(olga)).toContain(req.id);
    expect(await inboxIds(root, true)).toContain(req.id);
    expect(await inboxIds(otto)).not.toContain(req.id);
    expect(await inboxIds(sam)).toEqual([]);
    const item = (await approvalsInbox(deps.db, { name: olga, admin: false })).find((r) => r.id === req.id)!;
    expect(item).toMatchObject({ source: slice, principal: { name: ana, kind: 'user' }, level: 'A-2', days: 7, reason: MESSY, requestedBy: ana, status: 'pending' });
    expect(item.requestedAt).toBeInstanceOf(Date);

    const { grant, workflowStarted } = await approveAccess(actions, { requestId: req.id, by: olga, note: MESSY });
    started.push(grant.workflowId);
    expect(workflowStarted).toBe(true);
    expect(grant).toMatchObject({ level: 'A-2', source: slice, approvedBy: olga, status: 'pending' });
    expect(grant.workflowId).toBe(`${config.catalog}/grant/${grant.id}`);
    const again = await approveAccess(actions, { requestId: req.id, by: olga });
    expect(again).toMatchObject({ grant: { id: grant.id }, workflowStarted: false }); // a repeated approval changes nothing
    expect(await inboxIds(olga)).not.toContain(req.id);
    await waitFor('the grant to be active', async () => (await getGrant(deps.db, grant.id)).status === 'active');
    expect(await grantWorkflowRunning(env.client, grant, taskQueue)).toBe(true);
    expect((await viewerLevel(deps.db, sliceId, { name: ana, kind: 'user' }))?.id).toBe('A-2');
    expect(await viewerLevel(deps.db, sliceId, { name: sam, kind: 'user' })).toBeNull();

    const extended = await extendAccess(actions, { grantId: grant.id, days: 3, by: ana });
    expect(extended.expiresAt).toBe(new Date(grant.expiresAt.getTime() + 3 * DAY_MS).toISOString());
    expect((await getGrant(deps.db, grant.id)).expiresAt.toISOString()).toBe(extended.expiresAt);
    const tooFar = await extendAccess(actions, { grantId: grant.id, days: 400, by: ana }).catch((e: unknown) => e);
    expect(tooFar).toBeInstanceOf(GovernanceError);
    expect((tooFar as Error).message).toMatch(new RegExp(`^extension refused: grant ${grant.id}: "until" \\(.*\\) is beyond the level's maximum period`));
    await expect(extendAccess(actions, { grantId: grant.id, by: ana })).rejects.toThrow(/say either until/);

    // the outbox's warning for the current expiry shows on My access
    expect(await recordWarning(deps.db, grant.id)).toBe(true);
    const mine = await myAccess(deps.db, { name: ana, kind: 'user' });
    expect(mine.grants).toHaveLength(1);
    expect(mine.grants[0]).toMatchObject({ id: grant.id, level: 'A-2', source: slice, maxDays: 180, extendable: true, status: 'active' });
    expect(mine.grants[0].expiresAt.toISOString()).toBe(extended.expiresAt);
    expect(mine.grants[0].maxExpiresAt.getTime()).toBe(grant.maxExpiresAt.getTime());
    expect(mine.requests.map((r) => [r.id, r.status])).toEqual([[req.id, 'approved']]);
    expect(mine.warnings).toEqual([{ grantId: grant.id, source: slice, level: 'A-2', expiresAt: new Date(extended.expiresAt), warnedAt: expect.any(Date) }]);
    await expect(myAccess(deps.db, { name: 'nobody-at-all', kind: 'user' })).rejects.toBeInstanceOf(UnknownPrincipalError);

    const gaveUp = await giveUpAccess(actions, { grantId: grant.id, by: ana });
    expect(gaveUp.phase).toBe('revoked');
    const after = await getGrant(deps.db, grant.id);
    expect(after).toMatchObject({ status: 'revoked', revokedBy: ana, revokeReason: `given up by ${ana}` });
    // refused by the workflow while it proves the end, or told the grant is revoked once it has ended
    await expect(extendAccess(actions, { grantId: grant.id, days: 1, by: ana })).rejects.toThrow(new RegExp(`grant ${grant.id}.* revoked.*: request access again$`));
    expect((await myAccess(deps.db, { name: ana, kind: 'user' })).grants).toEqual([]);
    expect(await viewerLevel(deps.db, sliceId, { name: ana, kind: 'user' })).toBeNull();

    // the access log: one row, in the access list's columns, the grant's status once approved
    const [row, ...more] = await accessLog(deps.db, { source: slice });
    expect(more).toEqual([]);
    expect(row).toEqual({
      id: req.id, grantId: grant.id, userType: 'user', authLevel: 'A-2', user: ana, dataSource: slice, description: MESSY, status: 'revoked',
      createdBy: ana, requestPeriodDays: 7, createdAt: req.requestedAt, expiration: new Date(extended.expiresAt), expiredAt: after.revokedAt, enableCatalog: true,
    });
    expect(await accessLog(deps.db, { source: slice, status: 'active' })).toEqual([]);
    expect((await accessLog(deps.db, { source: slice, status: 'revoked', level: 'A-2', principal: ana })).map((r) => r.id)).toEqual([req.id]);
    // who sees it: the holder, the source's owners and admins; not a stranger nor another source's owner
    for (const [name, admin, sees] of [[ana, false, true], [olga, false, true], [root, true, true], [sam, false, false], [otto, false, false]] as const) {
      expect((await accessLog(deps.db, { source: slice, viewer: { name, admin } })).length).toBe(sees ? 1 : 0);
    }

    // every step of the journey, with its actor, in order
    await waitFor('the end to be verified', async () => (await accessEvents(deps.db, { grantId: grant.id })).some((e) => e.action === 'verified'));
    const steps = await accessEvents(deps.db, { requestId: req.id });
    expect(steps.map((e) => `${e.entity} ${e.action} ${e.actor}`)).toEqual([
      `request requested ${ana}`, `request approved ${olga}`, `grant created ${olga}`, `grant activated lake-catalog`,
      `grant extended ${ana}`, `grant warned lake-catalog`, `grant revoked ${ana}`, `grant verified lake-catalog`,
    ]);
    expect(steps.every((e) => e.requestId === req.id && e.at instanceof Date)).toBe(true);
    expect(steps.slice(2).every((e) => e.grantId === grant.id)).toBe(true);
    expect(steps[1].details).toMatchObject({ note: MESSY, grantId: grant.id });
    expect(await accessEvents(deps.db, { grantId: grant.id })).toEqual(steps);
    expect((await accessEvents(deps.db, { principal: ana, source: slice })).map((e) => e.id)).toEqual(steps.map((e) => e.id));
    expect(await accessEvents(deps.db, { principal: sam, source: slice })).toEqual([]);
  });

  it('rejects with a note, cancels, and refuses to decide twice', async () => {
    const ask = (by: string) => requestAccess(deps.db, { principal: { name: sam, kind: 'user' }, source: other, level: 'A-1', days: 30, reason: 'curious ✓', requestedBy: by });
    const r1 = await ask(sam);
    expect((await approvalsInbox(deps.db, { name: otto, admin: false })).map((r) => r.id)).toEqual([r1.id]);
    const rejected = await rejectRequest(actions, { requestId: r1.id, by: otto, note: MESSY });
    expect(rejected).toMatchObject({ status: 'rejected', decidedBy: otto, decisionNote: MESSY });
    expect(await approvalsInbox(deps.db, { name: otto, admin: false })).toEqual([]);
    await expect(cancelRequest(actions, { requestId: r1.id, by: sam })).rejects.toThrow(`access request ${r1.id} is rejected, not pending`);
    await expect(approveAccess(actions, { requestId: r1.id, by: otto })).rejects.toThrow(`access request ${r1.id} is rejected, not pending`);

    const r2 = await ask(ana); // asked by someone else on sam's behalf
    expect((await cancelRequest(actions, { requestId: r2.id, by: sam })).status).toBe('cancelled');

    const log = await accessLog(deps.db, { source: other });
    expect(log.map((r) => [r.id, r.status, r.grantId, r.expiration, r.enableCatalog])).toEqual([[r2.id, 'cancelled', null, null, null], [r1.id, 'rejected', null, null, null]]);
    expect((await accessLog(deps.db, { source: other, status: 'rejected' })).map((r) => r.id)).toEqual([r1.id]);
    // ana made r2, so ana sees it; not r1
    expect((await accessLog(deps.db, { source: other, viewer: { name: ana, admin: false } })).map((r) => r.id)).toEqual([r2.id]);
    expect((await accessEvents(deps.db, { requestId: r1.id })).map((e) => `${e.action} ${e.actor}`)).toEqual([`requested ${sam}`, `rejected ${otto}`]);
    expect((await myAccess(deps.db, { name: sam, kind: 'user' })).requests.map((r) => r.status)).toEqual(['cancelled', 'rejected']);
  });

  it('refuses to approve a level whose table is not published, naming it, and changes nothing', async () => {
    const r = await requestAccess(deps.db, { principal: { name: ana, kind: 'user' }, source: other, level: 'A-4', days: 5, reason: 'read it', requestedBy: ana });
    const refused = await approveAccess(actions, { requestId: r.id, by: otto }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GovernanceError);
    expect((refused as Error).message).toBe(`request ${r.id} cannot be approved yet: its level reads table ${database}.payments, which is not published (crawl the source first)`);
    expect((await getRequest(deps.db, r.id)).status).toBe('pending');
    expect(await deps.db('grants').where({ request_id: r.id })).toEqual([]);
    await rejectRequest(actions, { requestId: r.id, by: otto });
  });

  it('the CLI sets owners and admins and shows them', async () => {
    const lake = (...args: string[]) => runLake(config, ...args);
    expect(await lake('source', 'owner', 'add', other, ana, '--by', 'tester')).toMatchObject({ code: 0, out: `${ana} now owns ${other}\n` });
    expect(JSON.parse((await lake('source', 'owner', 'list', other, '--json')).out)).toEqual({ source: other, owners: [ana, otto].sort() });
    expect((await lake('source', 'owner', 'list', slice)).out).toBe(`OWNER\n${olga}\n(the owners of its stream)\n`);
    const logical = await lake('source', 'owner', 'add', slice, ana);
    expect(logical.code).toBe(2);
    expect(logical.err).toContain("is a logical source: its stream's owners own it");
    expect(await lake('source', 'owner', 'remove', other, 'nobody-at-all')).toMatchObject({ code: 2, err: expect.stringContaining('unknown user "nobody-at-all"') });
    expect((await lake('source', 'owner', 'list', 'no-such-source')).code).toBe(2);
    expect((await lake('source', 'owner', 'add', other)).code).toBe(1);
    expect((await lake('source', 'owner', 'remove', other, ana)).out).toBe(`${ana} no longer owns ${other}\n`);

    const boss = user('boss');
    expect(await lake('access', 'principal', 'add', boss, '--admin', '--by', 'tester')).toMatchObject({ code: 0, out: expect.stringMatching(/registered \(id \d+\), admin\n$/) });
    expect(await isAdmin(deps.db, boss)).toBe(true);
    expect((await lake('access', 'principal', 'list')).out).toMatch(new RegExp(`user\\s+${boss}\\s+-\\s+admin\\n`));
    expect((await lake('access', 'admin', boss, '--off')).out).toBe(`user ${boss} is not an admin\n`);
    expect(await isAdmin(deps.db, boss)).toBe(false);
    expect((await lake('access', 'admin', 'nobody-at-all')).code).toBe(2);
    expect((await lake('access', 'principal', 'add', user('team'), '--group', '--admin')).code).toBe(1);

    // owners given at registration: a misspelt one stops it before anything is written
    const named = user('clicks');
    const add = (...owners: string[]) => lake('source', 'add', named, '--s3', `s3://${config.s3.demoBucket}/${database}/clicks/`, '--format', 'jsonl', ...owners.flatMap((o) => ['--owner', o]));
    const misspelt = await add(otto, 'nobody-at-all');
    expect(misspelt).toMatchObject({ code: 2, err: expect.stringContaining('unknown user "nobody-at-all"') });
    expect(await deps.db('sources').where({ name: named })).toEqual([]);
    const savedQueue = process.env.LAKE_TASK_QUEUE;
    process.env.LAKE_TASK_QUEUE = taskQueue; // the worker of this test checks the source is reachable
    try {
      const registered = await add(otto, ana, otto);
      expect(registered.code).toBe(0);
      expect(registered.out).toContain(`owners: ${[ana, otto].sort().join(', ')}\n`);
    } finally {
      process.env.LAKE_TASK_QUEUE = savedQueue;
    }

    const described = await lake('describe', slice, '--json');
    expect(described.code).toBe(0);
    expect(JSON.parse(described.out).owners).toEqual([olga]);
    expect((await lake('describe', stream)).out).toContain(`  owners     ${olga}\n`);
    expect((await lake('describe', slice)).out).toContain(`  owners     ${olga} (its stream's)\n`);
  });
});
