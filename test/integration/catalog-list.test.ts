// The catalog list behind the web catalog's first page (db/catalog-list.ts) and the search index it reads
// (db/search-index.ts), on messy data written through the catalog's own functions: column names and
// descriptions with markup, quotes and other scripts, a failing source, a stream with an active and a new
// logical source, owners, a viewer's grants. Every source name of this run holds one word, so the list is
// read over this run's sources only (`text: word`), whatever other tests left in the catalog.
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCatalog, type CatalogItem, type CatalogPage, type CatalogQuery } from '../../db/catalog-list';
import { addPrincipal, approveRequest, markGrantActive, requestAccess } from '../../db/governance';
import { createDb } from '../../db/knex';
import { upsertPartition } from '../../db/manifest';
import { search, setColumnMetadata } from '../../db/metadata';
import { createRun, markRunCompleted, markRunFailed } from '../../db/runs';
import { latestSchema, recordSchemaVersions } from '../../db/schema-versions';
import { MAX_SOURCE_DOCUMENT_CHARS } from '../../db/search-index';
import { insertSlices, markSlicesSeen, upsertSlicePartitions } from '../../db/slices';
import { removeSource, saveSource, setLogicalSourcesActive } from '../../db/sources';
import { nextSchemaVersion } from '../../crawl/schema-version';
import type { SourceDefinition } from '../../crawl/source';
import type { PrincipalRef } from '../../governance/levels';
import { canonicalFields, field } from '../../schema/fields';
import { T, type LakeType, type Schema } from '../../schema/types';
import { testConfig, uniqueName } from './setup';

describe('the catalog list and its search index', () => {
  const config = testConfig();
  const word = `cl${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const rare = `zq${Math.random().toString(36).slice(2, 8)}`; // a second word of this run, for ranking
  const n = (what: string) => `${word}-${what}`;
  const alice: PrincipalRef = { name: `${uniqueName('alice.o-brien')}@example.com`, kind: 'user' };
  const bob: PrincipalRef = { name: uniqueName('bob'), kind: 'user' };
  const carol: PrincipalRef = { name: uniqueName('carol'), kind: 'user' };
  const hostile = `"><img src=x onerror=alert(1)> <script>alert('x')</script>`;
  let db: Knex;
  const ids: Record<string, number> = {};

  const s3 = (name: string, format: 'csv' | 'parquet' | 'jsonl', schedule: string, options = {}): SourceDefinition => ({
    name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: `${name}/` }, format, layout: { kind: 'hive' },
    schedule, targetDatabase: 'lake', targetTable: name.replace(/-/g, '_'), options, enabled: true,
  });
  const schema = (...columns: [string, LakeType][]): Schema => ({ columns: canonicalFields(columns.map(([name, type], i) => field(name, type, i, { file: `s3://b/${name}.json`, line: i + 1 }))) });

  async function run(sourceId: number, outcome: 'completed' | 'failed'): Promise<number> {
    const id = await createRun(db, { sourceId, workflowId: `crawl/${sourceId}`, workflowRunId: uniqueName('run'), kind: 'crawl', scope: {}, counts: { files: 1 } as never, summary: {} }, []);
    if (outcome === 'completed') await markRunCompleted(db, id);
    else await markRunFailed(db, id, 'listing failed: Access Denied');
    return id;
  }
  async function version(sourceId: number, next: Schema, runId: number): Promise<void> {
    const previous = await latestSchema(db, sourceId);
    await db.transaction((trx) => recordSchemaVersions(trx, runId, [{ sourceId, next: nextSchemaVersion(previous, next) }]));
  }
  async function partition(sourceId: number, path: string, records: number, bytes: number): Promise<void> {
    await db.transaction((trx) => upsertPartition(trx, sourceId, path, { keys: ['date_id'], values: [path.slice(8, 18)] }, { objects: 1, records, bytes, corrupt: 0, mismatches: 0 }));
  }
  const list = (q: CatalogQuery = {}) => listCatalog(db, { text: word, limit: 100, ...q });
  const names = (p: CatalogPage) => p.items.map((i) => i.name);
  const item = (p: CatalogPage, name: string): CatalogItem => p.items.find((i) => i.name === name)!;
  const facet = (p: CatalogPage, f: keyof CatalogPage['facets']) => Object.fromEntries(p.facets[f].map((v) => [v.value, v.count]));

  beforeAll(async () => {
    db = createDb(config.postgres);
    for (const p of [alice, bob, carol]) await addPrincipal(db, p, 'tester');
    const principal = async (p: PrincipalRef) => (await db('principals').where({ name: p.name, kind: p.kind }).first('id')).id as number;

    // orders: CSV, a column whose name is markup, a description in German with quotes and markup
    ids.orders = (await saveSource(db, s3(n('orders'), 'csv', 'nightly'))).id;
    const ordersRun = await run(ids.orders, 'completed');
    await version(ids.orders, schema(['user_id', T.bigint], ['<script>alert(1)</script>', T.string], ['Größe', T.double], ['props', { kind: 'struct', fields: canonicalFields([field('e-mail', T.string, 0)]) }]), ordersRun);
    await partition(ids.orders, 'date_id=2026-12-01/', 100, 1_000);
    await partition(ids.orders, 'date_id=2026-12-02/', 50, 500);
    await setColumnMetadata(db, n('orders'), 'user_id', { description: `who bought; "quoted" and 'single' ${hostile}`, tags: ['pii'] });
    await setColumnMetadata(db, n('orders'), 'props.e_mail', { description: 'Größe des Warenkorbs — Adresse für die Quittung', tags: ['identified'] });

    // purchases: Parquet, changed this week (two versions), its last crawl failed, the most bytes
    ids.purchases = (await saveSource(db, s3(n('purchases'), 'parquet', 'hourly'))).id;
    const first = await run(ids.purchases, 'completed');
    await version(ids.purchases, schema(['purchase_id', T.string]), first);
    await version(ids.purchases, schema(['purchase_id', T.string], ['amount', T.double]), first);
    await partition(ids.purchases, 'date_id=2026-12-01/', 10, 99_999);
    await run(ids.purchases, 'failed');

    // a database table: never crawled, no owner
    ids.users = (await saveSource(db, { name: n('pg-users'), kind: 'postgres', location: { secretRef: 'pg', schema: 'public', table: 'users', cursorColumn: 'id' }, schedule: '15 3 * * 1', targetDatabase: 'lake', targetTable: `${word}_users`, options: {}, enabled: true })).id;

    // a stream with two logical sources, one active and one new
    ids.stream = (await saveSource(db, s3(n('stream'), 'jsonl', 'hourly', { discriminators: ['service', 'event'] }))).id;
    const streamRun = await run(ids.stream, 'completed');
    await partition(ids.stream, 'date_id=2026-12-01/', 30, 3_000);
    const slices = await db.transaction((trx) =>
      insertSlices(trx, [
        { name: n('stream-music-purchase'), streamId: ids.stream, stream: n('stream'), values: ['music', 'purchase'], schedule: 'hourly', targetDatabase: 'lake', targetTable: `${word}_music_purchase` },
        { name: n('stream-taxi-ride'), streamId: ids.stream, stream: n('stream'), values: ['taxi', 'ride'], schedule: 'hourly', targetDatabase: 'lake', targetTable: `${word}_taxi_ride` },
      ]),
    );
    for (const s of slices) ids[s.name === n('stream-taxi-ride') ? 'taxi' : 'music'] = s.id;
    await version(ids.music, schema(['service', T.string], [`${rare}_total`, T.double]), streamRun);
    await version(ids.taxi, schema(['service', T.string], ['fare', T.double]), streamRun);
    await db.transaction((trx) => markSlicesSeen(trx, [ids.music!], streamRun));
    await db.transaction((trx) => upsertSlicePartitions(trx, [{ sliceId: ids.music!, path: 'date_id=2026-12-01/', keys: ['date_id'], values: ['2026-12-01'], records: 20, bytes: 2_000, objects: 1, corrupt: 0 }]));
    await setLogicalSourcesActive(db, [n('stream-music-purchase')], true);

    // a source whose name holds the rare word, and one whose description does
    ids.rare = (await saveSource(db, s3(n(rare), 'jsonl', 'nightly'))).id;
    await version(ids.rare, schema(['note', T.string]), await run(ids.rare, 'completed'));
    await setColumnMetadata(db, n('orders'), '<script>alert(1)</script>', { description: `mentions ${rare} in passing` });

    await db('source_owners').insert([
      { source_id: ids.orders, principal_id: await principal(alice), added_by: 'tester' },
      { source_id: ids.stream, principal_id: await principal(alice), added_by: 'tester' },
      { source_id: ids.purchases, principal_id: await principal(bob), added_by: 'tester' },
    ]);
    // carol holds A-4 on orders; A-5 on purchases is approved but not applied yet (pending): not held
    for (const [source, level, active] of [[n('orders'), 'A-4', true], [n('purchases'), 'A-5', false]] as const) {
      const r = await requestAccess(db, { principal: carol, source, level, days: 7, reason: 'catalog list test', requestedBy: carol.name });
      const g = await approveRequest(db, { requestId: r.id, catalog: config.catalog, by: 'owner', enableCatalog: true });
      if (active) await markGrantActive(db, g.id);
    }
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
  });

  it('lists every source of the run with what the page shows of it', async () => {
    const page = await list({ sort: 'name' });
    expect(page.total).toBe(7);
    expect(names(page)).toEqual([n('orders'), n('pg-users'), n('purchases'), n('stream'), n('stream-music-purchase'), n('stream-taxi-ride'), n(rare)].sort());
    const orders = item(page, n('orders'));
    expect(orders).toMatchObject({
      kind: 'source', format: 'csv', isNew: false, tags: ['identified', 'pii'], owners: [alice.name], schedule: 'nightly', enabled: true,
      lastRun: { status: 'completed' }, failing: false, records: 150, bytes: 1_500, columns: 5,
    });
    expect(orders.where).toBe(`s3://${config.s3.demoBucket}/${n('orders')}/ (csv, hive layout)`);
    expect(orders.freshness).toBeDefined();
    expect(orders.viewerLevel).toBeUndefined(); // no viewer
    expect(item(page, n('purchases'))).toMatchObject({ format: 'parquet', failing: true, lastRun: { status: 'failed' }, owners: [bob.name], records: 10, bytes: 99_999 });
    expect(item(page, n('pg-users'))).toMatchObject({ kind: 'source', format: 'postgres', owners: [], failing: false, records: 0, bytes: 0, columns: 0, schedule: '15 3 * * 1' });
    expect(item(page, n('pg-users')).lastRun).toBeUndefined();
    expect(item(page, n('pg-users')).freshness).toBeUndefined();
    expect(item(page, n('stream'))).toMatchObject({ kind: 'stream', format: 'jsonl', owners: [alice.name], records: 30 });
    // logical sources: their stream's format, owners and runs; their own volumes and columns
    expect(item(page, n('stream-music-purchase'))).toMatchObject({ kind: 'logical', stream: n('stream'), isNew: false, format: 'jsonl', owners: [alice.name], lastRun: { status: 'completed' }, records: 20, bytes: 2_000, columns: 2 });
    expect(item(page, n('stream-music-purchase')).freshness).toBeDefined(); // seen by its stream's crawl
    expect(item(page, n('stream-taxi-ride'))).toMatchObject({ kind: 'logical', isNew: true, enabled: false, records: 0 });
    expect(item(page, n('stream-taxi-ride')).freshness).toBeUndefined(); // never seen
    expect(item(page, n('stream-taxi-ride')).where).toBe(`records of ${n('stream')} with taxi, ride`);
  });

  it('counts every facet over the text\'s matches', async () => {
    const page = await list();
    expect(facet(page, 'kind')).toEqual({ source: 4, stream: 1, logical: 2 });
    expect(facet(page, 'format')).toEqual({ jsonl: 4, csv: 1, parquet: 1, postgres: 1 });
    expect(facet(page, 'owner')).toEqual({ [alice.name]: 4, [bob.name]: 1 });
    expect(facet(page, 'tag')).toEqual({ identified: 1, pii: 1 });
    expect(facet(page, 'schedule')).toEqual({ hourly: 4, nightly: 2, '15 3 * * 1': 1 });
    // failing: purchases, and nothing else (the logical sources' stream crawled fine);
    // changed-7d: purchases' version 2 (a version 1 is a first crawl, not a change)
    expect(facet(page, 'health')).toEqual({ failing: 1, 'changed-7d': 1 });
    expect(page.facets.level).toEqual([]); // without a viewer
    expect(page.facets.format[0]).toEqual({ value: 'jsonl', count: 4 }); // most first
  });

  it('facets are disjunctive: a facet\'s own choice leaves its counts, the others narrow them', async () => {
    const csv = await list({ format: ['csv'] });
    expect(names(csv)).toEqual([n('orders')]);
    expect(facet(csv, 'format')).toEqual({ jsonl: 4, csv: 1, parquet: 1, postgres: 1 });
    expect(facet(csv, 'owner')).toEqual({ [alice.name]: 1 });
    const either = await list({ format: ['csv', 'parquet'], sort: 'name' });
    expect(names(either)).toEqual([n('orders'), n('purchases')]);
    const both = await list({ format: ['csv', 'parquet'], health: ['failing'] });
    expect(names(both)).toEqual([n('purchases')]);
    expect(facet(both, 'health')).toEqual({ failing: 1, 'changed-7d': 1 }); // over csv or parquet
    expect(facet(both, 'format')).toEqual({ parquet: 1 }); // over failing
    expect((await list({ kind: ['logical'], tag: ['pii'] })).total).toBe(0);
    expect((await list({ kind: ['stream', 'logical'], owner: [alice.name] })).total).toBe(3);
    expect(names(await list({ tag: ['identified'] }))).toEqual([n('orders')]);
  });

  it('a viewer sees the level of their active grants, and can filter by it', async () => {
    const page = await list({ viewer: carol, sort: 'name' });
    expect(item(page, n('orders')).viewerLevel).toBe('A-4');
    expect(item(page, n('purchases')).viewerLevel).toBeNull(); // approved, not applied: not held yet
    expect(page.facets.level).toEqual([{ value: 'none', count: 6 }, { value: 'A-4', count: 1 }]);
    expect(names(await list({ viewer: carol, level: ['A-4'] }))).toEqual([n('orders')]);
    expect((await list({ viewer: carol, level: ['none'] })).total).toBe(6);
    await expect(listCatalog(db, { viewer: { name: 'carol-misspelt', kind: 'user' } })).rejects.toThrow(/unknown user "carol-misspelt"/);
  });

  it('sorts by volume, freshness and name, and pages', async () => {
    expect(names(await list({ sort: 'volume' })).slice(0, 4)).toEqual([n('purchases'), n('stream'), n('stream-music-purchase'), n('orders')]);
    const fresh = (await list({ sort: 'freshness' })).items;
    const times = fresh.map((i) => (i.freshness ? Date.parse(i.freshness) : -Infinity));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(fresh.slice(-2).map((i) => i.freshness)).toEqual([undefined, undefined]); // never landed: last
    const all = names(await list({ sort: 'name' }));
    const page = await list({ sort: 'name', limit: 2, offset: 2 });
    expect(page.total).toBe(7);
    expect(names(page)).toEqual(all.slice(2, 4));
    expect((await list({ sort: 'name', offset: 50 })).items).toEqual([]);
    // relevance without text is by name; no text lists the whole catalog
    const everything = await listCatalog(db, { limit: 500 });
    expect(everything.total).toBeGreaterThanOrEqual(7);
    expect(everything.items.map((i) => i.name)).toEqual([...everything.items.map((i) => i.name)].sort());
  });

  it('ranks a name above a column name above a description, and says what matched', async () => {
    const page = await listCatalog(db, { text: rare });
    expect(names(page)).toEqual([n(rare), n('stream-music-purchase'), n('orders')]);
    expect(page.items[0]!.matched).toMatchObject({ text: `${n(rare)} ${word}_${rare}` });
    expect(page.items[0]!.matched!.column).toBeUndefined();
    expect(page.items[1]!.matched).toMatchObject({ column: `${rare}_total` });
    const described = page.items[2]!.matched!;
    const scriptColumn = (await latestSchema(db, ids.orders!))!.schema.columns.find((c) => c.name === '<script>alert(1)</script>')!.hiveName;
    expect(described.column).toBe(scriptColumn);
    expect(described.text).toContain(`mentions ${rare} in passing`);
    expect(page.items[0]!.matched!.rank).toBeGreaterThan(page.items[1]!.matched!.rank);
    expect(page.items[1]!.matched!.rank).toBeGreaterThan(described.rank);
  });

  it('finds words inside names, prefixes, other scripts, and keeps matched text as written', async () => {
    // user_id is found by "user" and by "id"; nested columns by their path
    // every word must be in one document, each as a prefix: "user" finds pg-users by its name, not orders by user_id
    expect(names(await listCatalog(db, { text: `${word} user` }))).toEqual([n('pg-users')]);
    const user = await search(db, 'user id');
    expect(user.some((h) => h.source === n('orders') && h.column === 'user_id')).toBe(true);
    const nested = await search(db, 'props e_mail');
    expect(nested.some((h) => h.source === n('orders') && h.column === 'props.e_mail')).toBe(true);
    const german = await search(db, 'größe warenkorb');
    expect(german.find((h) => h.source === n('orders'))).toMatchObject({ column: 'props.e_mail', matched: 'props.e_mail Größe des Warenkorbs — Adresse für die Quittung identified' });
    const quoted = (await search(db, 'quoted single')).find((h) => h.source === n('orders'))!;
    expect(quoted.matched).toBe(`user_id who bought; "quoted" and 'single' ${hostile} pii`);
    // punctuation only, or nothing: no match, no error
    expect(await search(db, `"'<>`)).toEqual([]);
    expect(await listCatalog(db, { text: `"'<>` })).toMatchObject({ total: 0, items: [], facets: { format: [] } });
    expect((await listCatalog(db, { text: '   ' })).total).toBeGreaterThanOrEqual(7); // blank text: everything
  });

  it('the index follows a new schema version, a description edit and a removed source', async () => {
    const late = `${rare}late`;
    expect(await search(db, late)).toEqual([]);
    await version(ids.orders!, schema(['user_id', T.bigint], ['<script>alert(1)</script>', T.string], ['Größe', T.double], ['props', { kind: 'struct', fields: canonicalFields([field('e-mail', T.string, 0)]) }], [`${late}_at`, T.timestamp]), await run(ids.orders!, 'completed'));
    expect((await search(db, late)).map((h) => [h.source, h.column])).toEqual([[n('orders'), `${late}_at`]]);
    expect(item(await list(), n('orders')).columns).toBe(6);

    await setColumnMetadata(db, n('orders'), `${late}_at`, { description: `${rare}edited first` });
    expect((await search(db, `${rare}edited`)).map((h) => h.column)).toEqual([`${late}_at`]);
    await setColumnMetadata(db, n('orders'), `${late}_at`, { description: 'replaced wording', tags: ['finance'] });
    expect(await search(db, `${rare}edited`)).toEqual([]);
    expect(item(await list(), n('orders')).tags).toEqual(['finance', 'identified', 'pii']);

    expect(await removeSource(db, n('purchases'))).toBe(true);
    expect((await search(db, n('purchases'))).filter((h) => h.source === n('purchases'))).toEqual([]);
    const page = await list();
    expect(names(page)).not.toContain(n('purchases'));
    expect(facet(page, 'health')).toEqual({ 'changed-7d': 1 }); // orders' version 2, above
    expect(names(await list({ health: ['changed-7d'] }))).toEqual([n('orders')]);
    expect(await db('search_documents').where({ source_id: ids.purchases })).toEqual([]);
  });

  it('one word finds what its columns\' documents find, through each source\'s whole document', async () => {
    const columnMatches = async (w: string): Promise<number> =>
      (await db.raw(`select count(distinct source_id)::int as n from search_documents where doc @@ to_tsquery('simple', ?) or doc @@ plainto_tsquery('english', ?)`, [`${w}:*`, w])).rows[0].n;
    for (const w of [word, rare, 'user', 'größe', 'warenkorbs', 'e', 'script', 'pii', 'hourly']) {
      expect({ w, total: (await listCatalog(db, { text: w, limit: 0 })).total }).toEqual({ w, total: await columnMatches(w) });
    }
  });

  it('a source too large for one document is still found by one word, from its columns', async () => {
    const wide = `${rare}wide`;
    // column names of 114 characters, enough of them to pass the whole document's limit
    const count = Math.ceil(MAX_SOURCE_DOCUMENT_CHARS / 114) + 10;
    const columns: [string, LakeType][] = Array.from({ length: count }, (_, i) => [`${i === count - 1 ? wide : 'filler'}_${String(i).padStart(6, '0')}_${'x'.repeat(100)}`, T.string]);
    ids.wide = (await saveSource(db, s3(n('wide'), 'jsonl', 'nightly'))).id;
    await version(ids.wide, schema(...columns), await run(ids.wide, 'completed'));
    expect(await db('catalog_entries').where({ source_id: ids.wide }).first('whole_document')).toEqual({ whole_document: false });
    expect(await db('source_documents').where({ source_id: ids.wide })).toEqual([]);
    const found = await listCatalog(db, { text: wide });
    expect(names(found)).toEqual([n('wide')]);
    expect(found.items[0]!.matched).toMatchObject({ column: columns[count - 1]![0] });
    expect(names(await list({ sort: 'name' }))).toContain(n('wide')); // its name, from its name's document
  });

  it('a change to a source and to its volumes at once both reach the list', async () => {
    const entry = () => db('catalog_entries').where({ source_id: ids.orders }).first('schedule', 'records');
    const before = await entry();
    // the source's row changes first and holds its entry; the partition's write waits for it, then lands
    let waiting: Promise<unknown> = Promise.resolve();
    await db.transaction(async (trx) => {
      await trx('sources').where({ id: ids.orders }).update({ schedule: 'weekly' });
      waiting = partition(ids.orders!, 'date_id=2026-12-03/', 7, 70);
      await new Promise((r) => setTimeout(r, 200));
    });
    await waiting;
    expect(await entry()).toEqual({ schedule: 'weekly', records: String(Number(before.records) + 7) });
    // and the other way round
    await db.transaction(async (trx) => {
      await upsertPartition(trx, ids.orders!, 'date_id=2026-12-04/', { keys: ['date_id'], values: ['2026-12-04'] }, { objects: 1, records: 5, bytes: 50, corrupt: 0, mismatches: 0 });
      waiting = db('sources').where({ id: ids.orders }).update({ schedule: 'nightly' }).then(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    });
    await waiting;
    expect(await entry()).toEqual({ schedule: 'nightly', records: String(Number(before.records) + 12) });
    expect(item(await list(), n('orders'))).toMatchObject({ schedule: 'nightly', records: Number(before.records) + 12 });
  });
});
