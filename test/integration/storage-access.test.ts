// Access enforced where the data is read: each principal reads the lake's files with its own S3 key, and
// the bucket policy on the stack's S3 server (versitygw with its IAM store) lets it read exactly what its
// live grants give. Proven with the principal's own key: denied, allowed, read by Spark, denied again,
// and the end of the grant proven and audited. A "day" lasts a second or a minute here (approveRequest's
// dayMs).
import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { listGrants } from '../../adapters/metastore/grants';
import { publishTable } from '../../adapters/metastore/publisher';
import { tableParameters } from '../../adapters/metastore/table-spec';
import { readAs, type S3Account } from '../../adapters/s3-accounts';
import { addPrincipal, approveRequest, auditTrail, getGrant, listGrantsOf, requestAccess, type Grant } from '../../db/governance';
import { activeStorageAccesses } from '../../db/storage-access';
import { saveSource } from '../../db/sources';
import type { PrincipalRef } from '../../governance/levels';
import { bucketPolicyFor, samePolicy, storageAccountOf } from '../../governance/storage-policy';
import { ensureBucket } from '../../infra/bootstrap-s3';
import { startGrantExpiry } from '../../client/grants';
import { bundleWorkflows, closeDeps, createDeps, createWorker } from '../../workers/worker';
import type { grantExpiry } from '../../workflows/grant-expiry';
import { stateQuery } from '../../workflows/shared';
import { runSparkQueries } from '../support/spark';
import { runLake, testConfig, uniqueName, waitFor as waitUntil } from './setup';

// grants here are applied and proven over a worker shared by 200 of them: a little longer than the default
const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000) => waitUntil(what, fn, timeoutMs);

// A test that starts a Spark session: its JVM alone takes 20-50 s on a busy 2-core host.
const SPARK_TEST_MS = 180_000;

describe('storage access: a principal reads with its own key exactly what its live grants give', () => {
  const config = testConfig();
  const taskQueue = uniqueName('test-storage');
  // buckets of this test alone: a bucket's policy belongs to the catalog that grants on it
  const bucket = uniqueName('lake-acl').replace(/_/g, '-').toLowerCase();
  const otherBucket = `${bucket}-b`;
  const database = uniqueName('lake_acl');
  const sourceName = uniqueName('acl').replace(/_/g, '-');
  const prefix = `${database}/events/`;
  const started: string[] = [];
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let worker: Worker;
  let running: Promise<unknown>;
  const savedTaskQueue = process.env.LAKE_TASK_QUEUE;

  const rows = [
    { id: 1, email: 'ann@example.com', plan: 'free' },
    { id: 2, email: 'bo@example.com', plan: 'pro' },
    { id: 3, email: 'cy@example.com', plan: 'pro' },
  ];

  async function grant(p: PrincipalRef, source: string, level: string, days: number, dayMs: number): Promise<Grant> {
    const r = await requestAccess(deps.db, { principal: p as never, source, level, days, reason: 'storage access test', requestedBy: 'tester' });
    const g = await approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'approver', dayMs, warnBeforeDays: 0 });
    started.push(g.workflowId);
    await startGrantExpiry(env.client, config.catalog, { id: g.id, source: g.source }, taskQueue);
    return g;
  }

  /** The principal's own key, issued through the CLI as a user would get it. */
  async function credentials(p: PrincipalRef, ...flags: string[]): Promise<S3Account> {
    const r = await runLake(config, 'access', 'credentials', p.name, ...(p.kind === 'group' ? ['--group'] : []), '--json', ...flags);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    return { access: j.accessKeyId, secret: j.secretAccessKey };
  }

  async function publish(db: string, table: string, location: string): Promise<void> {
    await publishTable(
      deps.metastore,
      {
        database: db, table, location, format: 'jsonl',
        columns: [{ name: 'id', type: 'bigint' }, { name: 'email', type: 'string' }, { name: 'plan', type: 'string' }], partitionKeys: [],
        parameters: tableParameters({ format: 'jsonl', source: table, schemaVersion: 1, lastCrawl: '2026-01-01T00:00:00.000Z', stats: { recordCount: 3, objectCount: 1, sizeBytes: 100, compression: 'none' } }),
      },
      [],
    );
  }

  const statusOf = async (id: number) => (await getGrant(deps.db, id)).status;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: config.temporal.address, namespace: config.temporal.namespace });
    deps = createDeps(config);
    worker = await createWorker({ config, deps, connection: env.nativeConnection, bundle: await bundleWorkflows(), taskQueue });
    running = worker.run();
    await deps.db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${1_000_000 + Math.floor(Math.random() * 1_000_000_000)}`);
    for (const b of [bucket, otherBucket]) await ensureBucket(deps.s3, b);
    await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}part-0.json`, Body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n' }));
    await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${database}/secret/part-0.json`, Body: '{"id":1}\n' }));
    await publish(database, 'events', `s3a://${bucket}/${prefix}`);
    await saveSource(deps.db, {
      name: sourceName, kind: 's3', location: { bucket, prefix }, format: 'jsonl', layout: { kind: 'none' },
      schedule: 'nightly', targetDatabase: database, targetTable: 'events', options: {}, enabled: true,
    });
    process.env.LAKE_TASK_QUEUE = taskQueue;
  });

  afterAll(async () => {
    if (savedTaskQueue === undefined) delete process.env.LAKE_TASK_QUEUE;
    else process.env.LAKE_TASK_QUEUE = savedTaskQueue;
    for (const id of started) await env?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    worker?.shutdown();
    await running;
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    if (deps) await closeDeps(deps);
    await env?.teardown();
  });

  it('denied without a grant; with A-5 reads the table (S3 and Spark) and nothing else; after expiry denied, the end proven in the audit', async () => {
    const alice: PrincipalRef = { name: uniqueName('alice'), kind: 'user' };
    await addPrincipal(deps.db, alice as never, 'tester');
    const key = await credentials(alice);
    expect(key.access).toBe(storageAccountOf(alice));
    const object = `${prefix}part-0.json`;
    expect(await readAs(config.s3, key, bucket, object)).toBe('denied');

    // a secret is shown once; rotating replaces it and the old one stops working
    const again = await runLake(config, 'access', 'credentials', alice.name);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/shown only once: --rotate/);
    const rotated = await credentials(alice, '--rotate');
    expect(rotated.access).toBe(key.access);
    expect(rotated.secret).not.toBe(key.secret);

    const g = await grant(alice, sourceName, 'A-5', 1, 10 * 60_000); // one "day" of ten minutes: ended below by a short --until
    // the workflow says active once the whole apply is done: the catalog's row first, the bucket policy after it
    const applied = env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId);
    await waitFor('the grant to be active', async () => (await statusOf(g.id)) === 'active' && (await applied.query(stateQuery)).phase === 'active');
    expect(await readAs(config.s3, rotated, bucket, object)).toBe('allowed');
    expect(await readAs(config.s3, key, bucket, object)).toBe('denied'); // the secret before rotation
    expect(await readAs(config.s3, rotated, bucket, `${database}/secret/part-0.json`)).toBe('denied'); // beside the table
    expect(await readAs(config.s3, rotated, otherBucket, object)).toBe('denied');

    const spark = await runSparkQueries([{ name: 'all', sql: `select id, email, plan from ${database}.events order by id` }], config, {
      s3Key: { accessKeyId: rotated.access, secretAccessKey: rotated.secret },
    });
    expect(spark.rows('all')).toEqual(rows.map((r) => [r.id, r.email, r.plan]));

    const until = new Date(Date.now() + 2_000).toISOString();
    const ext = await runLake(config, 'access', 'extend', String(g.id), '--until', until);
    expect(ext.err).toBe('');
    const handle = env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId);
    const final = await handle.result();
    expect(final).toMatchObject({ phase: 'expired', verification: 'verified' });
    expect(await readAs(config.s3, rotated, bucket, object)).toBe('denied');
    const ended = await getGrant(deps.db, g.id);
    expect(ended.revocationVerifiedAt).toBeInstanceOf(Date);
    const audit = await auditTrail(deps.db, 'grant', g.id);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['created', 'activated', 'extended', 'expired', 'verified']);
    expect(audit.at(-1).details).toMatchObject({ verifiedAt: ended.revocationVerifiedAt!.toISOString(), storage: `GetObject ${bucket}/${object} with ${key.access}'s key: denied` });
    expect(await deps.storage.accounts.getBucketPolicy(bucket)).toBeUndefined(); // nobody holds anything on it
    // (other tests' ends may be listed there: this grant's is not)
    expect((await runLake(config, 'access', 'list')).out).not.toMatch(new RegExp(`^${g.id}\\s`, 'm'));
  }, SPARK_TEST_MS);

  it('A-3 reads a view with identifying values hashed by the catalog\'s key, A-4 one without them; neither opens the raw prefix', async () => {
    const carol: PrincipalRef = { name: uniqueName('carol'), kind: 'user' };
    await addPrincipal(deps.db, carol as never, 'tester');
    const key = await credentials(carol);
    const source = await deps.db('sources').where({ name: sourceName }).first('id');
    await deps.db('column_metadata').insert({ source_id: source.id, path: 'email', tags: ['pii'] }).onConflict(['source_id', 'path']).merge();
    const grants = [await grant(carol, sourceName, 'A-3', 5, 60_000), await grant(carol, sourceName, 'A-4', 5, 60_000)];
    for (const g of grants) await waitFor(`grant ${g.id} to be active`, async () => (await statusOf(g.id)) === 'active');
    expect(grants.map((g) => g.table.table)).toEqual(['events__deidentified', 'events__no_identifying']);

    // the metastore grants go on the views, never on the table
    expect(await listGrants(deps.metastore, { database, table: 'events' }, carol)).toEqual([]);
    for (const view of ['events__deidentified', 'events__no_identifying']) {
      expect((await listGrants(deps.metastore, { database, table: view }, carol)).map((h) => h.privilege)).toEqual(['SELECT']);
    }
    // and the holder's own key reads no raw file, nor the catalog's key
    expect(await readAs(config.s3, key, bucket, `${prefix}part-0.json`)).toBe('denied');
    expect(await readAs(config.s3, key, config.s3.demoBucket, `${deps.privateStore.prefix}hash_key/key.json`)).toBe('denied');
    expect(JSON.stringify((await deps.storage.accounts.getBucketPolicy(bucket)) ?? {})).not.toContain(key.access);

    // what an engine that enforces the metastore's grants returns for them (Spark here, with the lake's key)
    const hashKey = (await deps.db('catalog_keys').where({ name: 'a3-hash' }).first('value')).value as string;
    const spark = await runSparkQueries(
      [
        { name: 'a3', sql: `select * from ${database}.events__deidentified order by id` },
        { name: 'a4', sql: `select * from ${database}.events__no_identifying order by id` },
      ],
      config,
    );
    expect(spark.columns('a4')).toEqual(['id', 'plan']);
    expect(spark.rows('a4')).toEqual(rows.map((r) => [r.id, r.plan]));
    expect(spark.columns('a3')).toEqual(['id', 'email', 'plan']);
    const keyed = (v: string) => createHash('sha256').update(hashKey + v).digest('hex');
    expect(spark.rows('a3')).toEqual(rows.map((r) => [r.id, keyed(r.email), r.plan]));
    expect(JSON.stringify(spark.rows('a3'))).not.toContain('@');
    expect(keyed(rows[0].email)).not.toBe(createHash('sha256').update(rows[0].email).digest('hex'));
    const view = await deps.metastore.getTable(database, 'events__deidentified');
    expect(view.viewExpandedText).not.toContain(hashKey);

    for (const g of grants) {
      const r = await runLake(config, 'access', 'revoke', String(g.id), '--reason', 'test over');
      expect(r.out).toContain('revoked');
      await waitFor(`grant ${g.id}'s end to be proven`, async () => (await getGrant(deps.db, g.id)).revocationVerifiedAt);
      expect(await listGrants(deps.metastore, g.table, carol)).toEqual([]);
    }
  }, SPARK_TEST_MS);

  it('a policy rewritten behind the catalog is put back by the reconciliation, and an unproven end is proven by it', async () => {
    const dave: PrincipalRef = { name: uniqueName('dave'), kind: 'user' };
    await addPrincipal(deps.db, dave as never, 'tester');
    const key = await credentials(dave);
    const g = await grant(dave, sourceName, 'A-5', 5, 60_000);
    await waitFor('the grant to be active', async () => (await statusOf(g.id)) === 'active');
    const wanted = await deps.storage.accounts.getBucketPolicy(bucket);
    // somebody with the root key opens the other table to dave as well
    const widened = JSON.parse(JSON.stringify(wanted));
    widened.Statement.find((st: { Principal: { AWS: string[] }; Action: string[] }) => st.Principal.AWS.includes(key.access) && st.Action.includes('s3:GetObject')).Resource.push(`arn:aws:s3:::${bucket}/${database}/secret/*`);
    await deps.storage.accounts.putBucketPolicy(bucket, widened);
    expect(await readAs(config.s3, key, bucket, `${database}/secret/part-0.json`)).toBe('allowed');

    const r = await runLake(config, 'access', 'reconcile', '--json');
    const report = JSON.parse(r.out);
    expect(report.bucketPoliciesRewritten).toEqual([bucket]);
    expect(await readAs(config.s3, key, bucket, `${database}/secret/part-0.json`)).toBe('denied');
    expect(await readAs(config.s3, key, bucket, `${prefix}part-0.json`)).toBe('allowed');
    expect(samePolicy(await deps.storage.accounts.getBucketPolicy(bucket), wanted)).toBe(true);
    await runLake(config, 'access', 'revoke', String(g.id), '--reason', 'test over');
    await waitFor('the end to be proven', async () => (await getGrant(deps.db, g.id)).revocationVerifiedAt);

    // an end whose proof was lost (say, the workflow was terminated first) is listed, then proven by the reconciliation
    await deps.db('grants').where({ id: g.id }).update({ revocation_verified_at: null });
    expect((await runLake(config, 'access', 'list')).out).toMatch(new RegExp(`revocation is not verified[\\s\\S]*${g.id}\\s+user:${dave.name}`));
    const again = JSON.parse((await runLake(config, 'access', 'reconcile', '--json')).out);
    expect(again.revocationsVerified).toEqual([g.id]);
    expect((await getGrant(deps.db, g.id)).revocationVerifiedAt).toBeInstanceOf(Date);
  });

  it('200 grants on 50 tables, applied and expired in one run: the policies say what the catalog says, and nothing is left', async () => {
    const principals: PrincipalRef[] = Array.from({ length: 40 }, (_, i) => ({ name: uniqueName(`p${i}`), kind: i % 10 === 9 ? 'group' : 'user' }));
    for (const p of principals) await addPrincipal(deps.db, p as never, 'tester');
    const sources: string[] = [];
    for (let t = 0; t < 50; t++) {
      const b = t % 2 === 0 ? bucket : otherBucket;
      const name = `${sourceName}-t${t}`;
      const p = `${database}/t${t}/`;
      await deps.s3.send(new PutObjectCommand({ Bucket: b, Key: `${p}part-0.json`, Body: `{"id":${t}}\n` }));
      await publish(database, `t${t}`, `s3a://${b}/${p}`);
      await saveSource(deps.db, {
        name, kind: 's3', location: { bucket: b, prefix: p }, format: 'jsonl', layout: { kind: 'none' },
        schedule: 'nightly', targetDatabase: database, targetTable: `t${t}`, options: {}, enabled: true,
      });
      sources.push(name);
    }
    // each principal on five tables, at A-5 (and some A-4, which reads no files), ending 8 to 20 s from now
    const grants: Grant[] = [];
    for (let i = 0; i < 200; i++) {
      const p = principals[i % 40];
      const source = sources[(i * 7 + Math.floor(i / 40)) % 50];
      grants.push(await grant(p, source, i % 5 === 4 ? 'A-4' : 'A-5', 8 + (i % 13), 1000));
    }
    await waitFor('every grant to be active or over', async () => (await listGrantsOf(deps.db, { status: ['pending'] })).filter((g) => grants.some((x) => x.id === g.id)).length === 0, 60_000);

    // while they are live: each bucket's policy is exactly the catalog's (read under the same lock order)
    const policiesMatch = async () => {
      for (const b of [bucket, otherBucket]) {
        const current = await deps.storage.accounts.getBucketPolicy(b);
        if (!samePolicy(current, bucketPolicyFor(b, await activeStorageAccesses(deps.db, b), config.catalog, current))) return false;
      }
      return true;
    };
    expect(await waitFor('the policies to settle', policiesMatch, 10_000)).toBe(true);
    const doc = JSON.stringify(await deps.storage.accounts.getBucketPolicy(bucket));
    expect(doc.length).toBeGreaterThan(1000);
    // a holder reads its table; a principal holding nothing there is denied
    const live = (await activeStorageAccesses(deps.db, bucket)).find((a) => principals.some((p) => storageAccountOf(p) === a.account))!;
    const holder = principals.find((p) => storageAccountOf(p) === live.account)!;
    const holderKey = await credentials(holder);
    expect(await readAs(config.s3, holderKey, bucket, `${live.prefix}part-0.json`)).toBe('allowed');

    for (const g of grants) {
      const handle = env.client.workflow.getHandle<typeof grantExpiry>(g.workflowId);
      await waitFor(`grant ${g.id} to end and be proven`, async () => {
        const s = await handle.query(stateQuery);
        return s.phase === 'expired' && s.verification === 'verified';
      }, 90_000);
    }
    for (const b of [bucket, otherBucket]) expect(await deps.storage.accounts.getBucketPolicy(b)).toBeUndefined();
    expect(await readAs(config.s3, holderKey, bucket, `${live.prefix}part-0.json`)).toBe('denied');
    for (const p of principals.slice(0, 5)) expect(await listGrants(deps.metastore, { database, table: 't0' }, p)).toEqual([]);
    const ended = await Promise.all(grants.map((g) => getGrant(deps.db, g.id)));
    expect(ended.filter((g) => g.status !== 'expired' || !g.revocationVerifiedAt)).toEqual([]);
  }, 240_000);
});
