// A principal's own catalog (ENABLE CATALOG) through the `lake` CLI on the real stack: which sources a
// user finds listed and searchable as theirs (`--as`), and that the catalog-wide list and search stay as
// they were. Grants are written with db/governance.ts (request → approve → activate / end) as the expiry
// workflow would; one is approved by `lake access approve --no-catalog` itself, which starts its workflow on
// a task queue no worker polls, so it stays pending (a live grant) until the test terminates it.
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPrincipal, approveRequest, getGrant, markGrantActive, markGrantEnded, requestAccess, type Grant } from '../../db/governance';
import { createDb } from '../../db/knex';
import { refreshSearchDocuments } from '../../db/search-index';
import { listSourceStates, saveSource } from '../../db/sources';
import type { PrincipalRef } from '../../governance/levels';
import { runLake, testConfig, uniqueName } from './setup';

describe('catalog visibility: ENABLE CATALOG decides what a holder finds as theirs', () => {
  const config = testConfig();
  // one lower-case word in every source name of this run, so searches see only this run's sources
  const word = `cv${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const src = (what: string) => `${word}-${what}`;
  const orders = src('orders'); // alice: A-2, catalog enabled
  const payments = src('payments'); // alice: A-4 approved --no-catalog (by the CLI)
  const clicks = src('clicks'); // alice: A-3, catalog enabled, expires during the test
  const sessions = src('sessions'); // alice: A-2, catalog enabled, revoked during the test
  const shared = src('shared'); // the group analysts: A-3; alice as a user holds nothing
  const fillers = Array.from({ length: 60 }, (_, i) => src(`a-filler_${String(i).padStart(2, '0')}`)); // nobody holds these
  const alice: PrincipalRef = { name: `${uniqueName('alice.o-brien')}@example.com`, kind: 'user' };
  const nobody: PrincipalRef = { name: uniqueName('nobody'), kind: 'user' };
  const analysts: PrincipalRef = { name: uniqueName('analysts'), kind: 'group' };
  const taskQueue = uniqueName('test-catalog-visibility');
  const savedEnv = { ...process.env };
  let db: Knex;
  let temporal: Client;
  let connection: Connection;
  const started: string[] = [];
  const grants: Record<string, Grant> = {};

  /** request → approve (→ active, as the expiry workflow does once it applied the grant). */
  async function grant(p: PrincipalRef, source: string, level: string, o: { enableCatalog?: boolean; activate?: boolean } = {}): Promise<Grant> {
    const r = await requestAccess(db, { principal: p, source, level, days: 10, reason: 'catalog visibility test', requestedBy: 'tester' });
    const g = await approveRequest(db, { requestId: r.id, catalog: config.catalog, by: 'approver', enableCatalog: o.enableCatalog ?? true });
    if (o.activate ?? true) await markGrantActive(db, g.id);
    return getGrant(db, g.id);
  }

  async function lake(...args: string[]) {
    const r = await runLake(config, ...args);
    expect(r.err, `lake ${args.join(' ')}`).toBe('');
    expect(r.code, `lake ${args.join(' ')}`).toBe(0);
    return r.out;
  }
  const listedAs = async (p: PrincipalRef) =>
    (JSON.parse(await lake('source', 'list', '--as', p.name, ...(p.kind === 'group' ? ['--group'] : []), '--json')) as { source: { name: string }; held: { level: string; status: string } }[])
      .map((r) => `${r.source.name} ${r.held.level} ${r.held.status}`);
  const foundAs = async (p: PrincipalRef, words: string) =>
    [...new Set((JSON.parse(await lake('search', words, '--as', p.name, ...(p.kind === 'group' ? ['--group'] : []), '--json')) as { source: string }[]).map((h) => h.source))].sort();

  beforeAll(async () => {
    db = createDb(config.postgres);
    // every run's test catalog has the same name, so the same <catalog>/grant/<id>: start this run's ids somewhere unused
    await db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${1_000_000 + Math.floor(Math.random() * 1_000_000_000)}`);
    for (const name of [orders, payments, clicks, sessions, shared, ...fillers]) {
      await saveSource(db, {
        name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: `${name}/` }, format: 'jsonl', layout: { kind: 'none' },
        schedule: 'nightly', targetDatabase: 'lake', targetTable: name.replace(/-/g, '_'), options: {}, enabled: true,
      });
    }
    // a column description that search finds (the column part of search, not only source names)
    const ids = Object.fromEntries((await db('sources').whereIn('name', [orders, fillers[0]]).select('id', 'name')).map((r: { id: number; name: string }) => [r.name, r.id]));
    await db('column_metadata').insert([
      { source_id: ids[orders], path: 'e-mail', description: `address the ${word}refund receipt goes to`, tags: ['pii'] },
      { source_id: ids[fillers[0]], path: 'payer', description: `who asked for the ${word}refund`, tags: [] },
    ]);
    await refreshSearchDocuments(db, Object.values(ids)); // written as rows, not through setColumnMetadata (these sources have no schema)
    for (const p of [alice, nobody, analysts]) await addPrincipal(db, p, 'tester');
    grants.orders = await grant(alice, orders, 'A-2');
    grants.clicks = await grant(alice, clicks, 'A-3');
    grants.sessions = await grant(alice, sessions, 'A-2');
    grants.shared = await grant(analysts, shared, 'A-3');
    // the CLI approves with --no-catalog and starts <catalog>/grant/<id> on a queue nobody polls: the grant stays pending
    process.env.LAKE_DATABASE_URL = config.postgres.url;
    process.env.LAKE_TASK_QUEUE = taskQueue;
    const requested = JSON.parse(await lake('access', 'request', payments, '--principal', alice.name, '--level', 'A-2', '--days', '10', '--reason', 'no catalog please', '--by', 'tester', '--json'));
    const approved = JSON.parse(await lake('access', 'approve', String(requested.id), '--by', 'approver', '--no-catalog', '--json')) as { grant: Grant; workflowStarted: boolean };
    started.push(approved.grant.workflowId);
    expect(approved.workflowStarted).toBe(true);
    grants.payments = await getGrant(db, approved.grant.id);
    connection = await Connection.connect({ address: config.temporal.address });
    temporal = new Client({ connection, namespace: config.temporal.namespace });
  });

  afterAll(async () => {
    process.env = savedEnv;
    for (const id of started) await temporal?.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await connection?.close();
    await db?.destroy();
  });

  it('`lake access list` shows ENABLE CATALOG: yes by default, no for a grant approved with --no-catalog', async () => {
    expect(grants.payments).toMatchObject({ enableCatalog: false, status: 'pending' });
    const lines = (await lake('access', 'list')).split('\n');
    const header = lines.find((l) => l.startsWith('GRANT '))!;
    expect(header).toMatch(/EXPIRES\s+ENABLE CATALOG\s+TABLE/);
    const column = header.indexOf('ENABLE CATALOG');
    const cell = (g: Grant) => lines.find((l) => l.startsWith(`${g.id} `))!.slice(column).split(/\s+/)[0];
    expect(cell(grants.payments)).toBe('no');
    expect(cell(grants.orders)).toBe('yes');
    expect(cell(grants.shared)).toBe('yes');
  });

  it('a holder with ENABLE CATALOG finds the source under --as in the list and in search, with the level held', async () => {
    expect(await listedAs(alice)).toEqual([`${clicks} A-3 active`, `${orders} A-2 active`, `${sessions} A-2 active`]);
    const text = await lake('source', 'list', '--as', alice.name);
    expect(text.split('\n')[0]).toMatch(/^NAME\s+KIND\s+WHERE\s+TABLE\s+LEVEL\s+GRANT\s+EXPIRES\s+STATE$/);
    expect(text).toMatch(new RegExp(`^${orders}\\s.*\\sA-2\\s+${grants.orders.id} active\\s`, 'm'));
    expect(await foundAs(alice, word)).toEqual([clicks, orders, sessions].sort());
    // a column's description finds the source too, and only among the holder's sources
    const hits = JSON.parse(await lake('search', `${word}refund`, '--as', alice.name, '--json')) as { source: string; column?: string; held: { level: string } }[];
    expect(hits.map((h) => [h.source, h.column, h.held.level])).toEqual([[orders, 'e-mail', 'A-2']]);
  });

  it('search under --as ranks and limits among the holder\'s sources, not after the catalog-wide limit', async () => {
    // 60 unheld sources match the word and sort before the held ones: the catalog-wide search stops at 50
    const everywhere = JSON.parse(await lake('search', word, '--json')) as { source: string }[];
    expect(everywhere).toHaveLength(50);
    expect(everywhere.map((h) => h.source)).not.toContain(orders);
    expect(await foundAs(alice, word)).toContain(orders);
  });

  it('a grant approved with --no-catalog gives access but keeps the source out of the holder\'s list and search', async () => {
    expect((await listedAs(alice)).some((l) => l.startsWith(`${payments} `))).toBe(false);
    expect(await lake('search', payments, '--as', alice.name)).toBe(`no match in the catalog of user ${alice.name}\n`);
    // everybody finds its metadata in the catalog-wide search, alice included
    expect((JSON.parse(await lake('search', payments, '--json')) as { source: string }[]).map((h) => h.source)).toContain(payments);
    // and once applied, the access is there: `lake describe --as` shows the level's samples rights
    await markGrantActive(db, grants.payments.id);
    const described = JSON.parse(await lake('describe', payments, '--as', alice.name, '--json')) as { viewer: { level: string | null } };
    expect(described.viewer.level).toBe('A-2');
    expect((await listedAs(alice)).some((l) => l.startsWith(`${payments} `))).toBe(false);
  });

  it('a user\'s catalog holds the user\'s own grants; a group\'s grant makes the group\'s catalog', async () => {
    expect(await listedAs(analysts)).toEqual([`${shared} A-3 active`]);
    expect(await foundAs(analysts, word)).toEqual([shared]);
    expect((await listedAs(alice)).some((l) => l.startsWith(`${shared} `))).toBe(false);
    expect(await listedAs(nobody)).toEqual([]);
    expect(await lake('source', 'list', '--as', nobody.name)).toMatch(/^no source in the catalog of user /);
    expect(await lake('search', word, '--as', nobody.name)).toBe(`no match in the catalog of user ${nobody.name}\n`);
  });

  it('an unknown principal is an error, not an empty catalog', async () => {
    for (const args of [['source', 'list', '--as', 'alice-misspelt'], ['search', word, '--as', 'alice-misspelt']]) {
      const r = await runLake(config, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/unknown user "alice-misspelt"/);
    }
  });

  it('an expired or revoked grant takes the source out of the holder\'s list and search', async () => {
    expect(await markGrantEnded(db, { grantId: grants.clicks.id, kind: 'expired', by: 'lake-catalog', revokedPrivileges: ['SELECT'] })).toBe(true);
    expect(await markGrantEnded(db, { grantId: grants.sessions.id, kind: 'revoked', by: 'security', reason: 'left the team', revokedPrivileges: [] })).toBe(true);
    expect(await listedAs(alice)).toEqual([`${orders} A-2 active`]);
    expect(await foundAs(alice, word)).toEqual([orders]);
    expect(await lake('search', clicks, '--as', alice.name)).toBe(`no match in the catalog of user ${alice.name}\n`);
  });

  it('the list and search without --as are unchanged: every source, the same columns', async () => {
    const text = await lake('source', 'list');
    expect(text.split('\n')[0]).toMatch(/^NAME\s+KIND\s+WHERE\s+TABLE\s+SCHEDULE\s+STATE\s+LAST SEEN$/);
    const listed = JSON.parse(await lake('source', 'list', '--json')) as { source: { name: string } }[];
    expect(listed.map((r) => r.source.name)).toEqual((await listSourceStates(db)).map((r) => r.source.name));
    for (const name of [orders, payments, clicks, sessions, shared, fillers[0]]) expect(listed.map((r) => r.source.name)).toContain(name);
    const hits = JSON.parse(await lake('search', `${word}refund`, '--json')) as Record<string, unknown>[];
    expect(hits.map((h) => h.source).sort()).toEqual([fillers[0], orders].sort());
    for (const h of hits) expect(Object.keys(h).sort()).toEqual(['column', 'matched', 'rank', 'source', 'table']);
    expect((await lake('search', `${word}refund`)).split('\n')[0]).toMatch(/^SOURCE\s+TABLE\s+COLUMN\s+MATCHED\s+RANK$/);
  });
});
