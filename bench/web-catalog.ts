// `BENCH_ONLY=web-db npm run bench`: the web catalog's list and search at the database level, over a
// catalog of 10,000 sources of 100 columns (BENCH_WEB_SOURCES, BENCH_WEB_COLUMNS), so the HTTP page has
// room left within its 100 ms: each query's p95 should stay within 40 ms here.
//
// The catalog is seeded by `seedCatalog` in bulk statements (a few minutes, not a crawl): S3 sources in
// JSONL, CSV and Parquet, PostgreSQL tables, streams with logical sources (some new), each with a schema
// of `columns` columns (nested structs and arrays of structs among them, a few sources with several
// versions, some changed this week), column descriptions and tags, hourly partitions with volumes, runs
// (some sources failing), owners, and one analyst's grants. The search index is written by
// refreshSearchDocuments as the catalog's writers write it, and that is timed too.
// Everything runs in a catalog database of its own (`<catalog>_bench_web`), made for the run and dropped
// after it (BENCH_WEB_KEEP=1 keeps it for a look with psql, and a later run of the same size reuses it).
//
// `BENCH_ONLY=web`: the same catalog served by buildServer on a free port, its pages timed over HTTP with
// keep-alive (the source page's Info and Schema tabs, search, the list, two /api twins), for an anonymous
// visitor and for an analyst signed in through the development sign-in: each p95 should be within 100 ms.
import type { Knex } from 'knex';
import { catalogBeside, type LakeConfig } from '../config';
import { createDb, migrateLatest, withServerAdmin } from '../db/knex';
import { listCatalog, type CatalogQuery } from '../db/catalog-list';
import { search } from '../db/metadata';
import { refreshSearchDocuments } from '../db/search-index';
import { buildServer } from '../web/server';
import type { Field, LakeType, Schema } from '../schema';
import type { Ratio } from './crawl';
import { seconds } from './timing';

const SOURCES = Number(process.env.BENCH_WEB_SOURCES ?? 10_000);
const COLUMNS = Number(process.env.BENCH_WEB_COLUMNS ?? 100);
const RUNS = Math.max(30, Number(process.env.BENCH_WEB_RUNS ?? 40));
const TARGET_MS = 40;
/** The issue's bar for a page, measured from HTTP. */
const HTTP_TARGET_MS = 100;
const CHUNK = 500;

/** A small deterministic generator (mulberry32): the same seed, the same catalog. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOMAINS = ['shop', 'music', 'webtoon', 'taxi', 'ads', 'billing', 'crm', 'search', 'games', 'news'];
const ENTITIES = ['orders', 'purchase', 'clicks', 'sessions', 'payments', 'refunds', 'users', 'events', 'listens', 'rides', 'impressions', 'carts'];
const EVENTS = ['purchase', 'add_to_cart', 'view', 'search', 'add_track_listen', 'ride_end', 'refund', 'signup'];
/** Column names as found in the data, with what people wrote about some of them. */
const VOCABULARY: [string, LakeType['kind'], string?][] = [
  ['user_id', 'bigint', 'the user who did it; joins users.user_id'],
  ['event_time', 'timestamp', 'when it happened, UTC'],
  ['event_name', 'string', 'what happened: purchase, view, search …'],
  ['session_id', 'string'],
  ['device_os', 'string', 'operating system of the device, as the app reports it'],
  ['country', 'string', 'ISO 3166 country of the request'],
  ['currency', 'string', 'ISO 4217 currency of the purchase'],
  ['price', 'double', 'unit price before discounts'],
  ['purchase_amount', 'double', 'amount of the purchase in its currency, taxes included'],
  ['purchase_id', 'string', 'id of the purchase, unique per store'],
  ['item_id', 'string'],
  ['order_id', 'bigint', 'the order this line belongs to'],
  ['quantity', 'int'],
  ['discount', 'double', 'discount given, in the purchase currency'],
  ['email', 'string', 'contact address of the buyer'],
  ['phone', 'string'],
  ['ip_address', 'string', 'client address as seen by the edge'],
  ['page_url', 'string'],
  ['referrer', 'string'],
  ['campaign_id', 'bigint', 'marketing campaign that brought the visit'],
  ['track_id', 'string'],
  ['duration_ms', 'bigint', 'how long it lasted, in milliseconds'],
  ['quality', 'string'],
  ['query', 'string', 'what the user typed'],
  ['ride_id', 'string'],
  ['fare', 'double', 'fare charged for the ride'],
  ['distance_km', 'double'],
  ['driver_id', 'bigint'],
  ['status', 'string', 'state of the order: created, paid, shipped, refunded'],
  ['created_at', 'timestamp'],
  ['payment_method', 'string', 'card, wallet or voucher'],
  ['refund_reason', 'string', 'why the purchase was refunded, free text'],
  ['coupon_code', 'string'],
  ['store_id', 'int'],
];
const TAGS_OF: Record<string, string[]> = { email: ['pii', 'identified'], phone: ['pii'], ip_address: ['pii'], user_id: ['identified'], purchase_amount: ['finance'], fare: ['finance'], price: ['finance'] };

function scalar(kind: LakeType['kind']): LakeType {
  return { kind } as LakeType;
}

function fieldOf(name: string, type: LakeType, position: number, file: string): Field {
  return { name, hiveName: name.toLowerCase(), type, position, provenance: { file, line: 1 + position } };
}

/** A schema of exactly `columns` columns (as columnsOf counts them: a struct and each of its fields). */
function schemaOf(rand: () => number, columns: number, file: string, nested: boolean): Schema {
  const fields: Field[] = [];
  let count = 0;
  const picked = VOCABULARY.filter(() => rand() < 0.5);
  for (const [name, kind] of picked) {
    if (count >= columns) break;
    fields.push(fieldOf(name, scalar(kind), fields.length, file));
    count++;
  }
  if (nested && columns - count >= 12) {
    const props = ['item_id', 'price', 'currency', 'track_id', 'quality', 'coupon_code'].map((n, i) => fieldOf(n, scalar(i === 1 ? 'double' : 'string'), i, file));
    fields.push(fieldOf('props', { kind: 'struct', fields: props }, fields.length, file));
    const items = ['sku', 'qty', 'unit_price', 'title'].map((n, i) => fieldOf(n, scalar(i === 1 ? 'int' : i === 2 ? 'double' : 'string'), i, file));
    fields.push(fieldOf('items', { kind: 'array', element: { kind: 'struct', fields: items } }, fields.length, file));
    count += 12;
  }
  for (let k = 0; count < columns; k++, count++) fields.push(fieldOf(`${rand() < 0.5 ? 'attr' : 'metric'}_${k}`, scalar(rand() < 0.5 ? 'string' : 'bigint'), fields.length, file));
  return { columns: fields };
}

/** Writes a catalog of `sources` sources of `columns` columns; returns how long each part took. */
export async function seedCatalog(db: Knex, o: { sources: number; columns: number; seed?: number }): Promise<Record<string, number>> {
  const rand = random(o.seed ?? 17);
  const took: Record<string, number> = {};
  const step = async (what: string, run: () => Promise<void>) => {
    const t = process.hrtime.bigint();
    await run();
    took[what] = seconds(t);
  };

  // principals: owners, and the analyst whose grants the bench reads with
  await db('principals').insert([
    ...Array.from({ length: 20 }, (_, i) => ({ name: `owner-${i}@example.com`, kind: 'user' })),
    { name: 'data-platform', kind: 'group' },
    { name: 'bench-analyst@example.com', kind: 'user' },
  ]);

  const streams = Math.max(1, Math.round(o.sources / 100));
  const slicesPerStream = Math.max(1, Math.round((o.sources * 0.13) / streams));
  const plain = o.sources - streams - streams * slicesPerStream;
  await step('sources', async () => {
    const rows: Record<string, unknown>[] = [];
    const add = (name: string, kind: 's3' | 'postgres', format: string | null, location: unknown, options: unknown) =>
      rows.push({
        name, kind, format, location: JSON.stringify(location), options: JSON.stringify(options), schedule: rand() < 0.6 ? 'nightly' : rand() < 0.7 ? 'hourly' : '15 3 * * 1',
        target_database: DOMAINS[rows.length % DOMAINS.length], target_table: name.replace(/-/g, '_'), layout: JSON.stringify(kind === 's3' ? { kind: 'hive' } : { kind: 'none' }),
        enabled: true, created_at: db.fn.now(),
      });
    for (let i = 0; i < plain; i++) {
      const name = `${DOMAINS[i % DOMAINS.length]}-${ENTITIES[Math.floor(i / DOMAINS.length) % ENTITIES.length]}-${i}`;
      const r = rand();
      if (r < 0.12) add(name, 'postgres', null, { secretRef: 'pg-main', schema: 'public', table: name.replace(/-/g, '_'), cursorColumn: 'updated_at' }, {});
      else add(name, 's3', r < 0.6 ? 'jsonl' : r < 0.8 ? 'csv' : 'parquet', { bucket: 'lake', prefix: `${name}/` }, {});
    }
    for (let i = 0; i < streams; i++) add(`stream-${DOMAINS[i % DOMAINS.length]}-${i}`, 's3', 'jsonl', { bucket: 'lake', prefix: `streams/${i}/` }, { discriminators: ['service', 'event'] });
    for (let i = 0; i < rows.length; i += CHUNK) await db('sources').insert(rows.slice(i, i + CHUNK));
    const streamRows: { id: number; name: string; schedule: string; target_database: string }[] = await db('sources').where('name', 'like', 'stream-%').select('id', 'name', 'schedule', 'target_database');
    const slices = streamRows.flatMap((s) =>
      Array.from({ length: slicesPerStream }, (_, j) => {
        const values = [DOMAINS[j % DOMAINS.length]!, EVENTS[j % EVENTS.length]!];
        const name = `${s.name}-${values.join('-')}-${j}`;
        return {
          name, kind: 'logical', parent_id: s.id, format: null, location: JSON.stringify({ stream: s.name, values }), options: '{}', schedule: s.schedule,
          target_database: s.target_database, target_table: name.replace(/-/g, '_'), layout: JSON.stringify({ kind: 'none' }),
          enabled: rand() < 0.8, last_seen_at: db.raw(`now() - interval '1 hour' * ?`, [Math.floor(rand() * 200)]),
        };
      }),
    );
    for (let i = 0; i < slices.length; i += CHUNK) await db('sources').insert(slices.slice(i, i + CHUNK));
  });
  const all: { id: number; name: string; kind: string }[] = await db('sources').orderBy('id').select('id', 'name', 'kind');

  await step('schema versions', async () => {
    let rows: Record<string, unknown>[] = [];
    const flush = async () => {
      if (rows.length) await db('schema_versions').insert(rows);
      rows = [];
    };
    for (const s of all) {
      const versions = rand() < 0.05 ? 2 + Math.floor(rand() * 3) : 1;
      const recentChange = versions > 1 && rand() < 0.5;
      for (let v = 1; v <= versions; v++) {
        const schema = schemaOf(rand, v === versions ? o.columns : o.columns - (versions - v), `s3://lake/${s.name}/part-${v}.json`, rand() < 0.3);
        const daysAgo = v === versions && recentChange ? rand() * 6 : 30 + (versions - v) * 10;
        rows.push({
          source_id: s.id, version: v, schema: JSON.stringify(schema), changes: '[]', change_class: v === 1 ? 'initial' : 'additive',
          created_at: db.raw(`now() - interval '1 day' * ?`, [daysAgo]),
        });
        if (rows.length >= 200) await flush();
      }
    }
    await flush();
  });

  await step('column metadata', async () => {
    const latest: { source_id: number; paths: string[] }[] = (
      await db.raw(
        `select distinct on (source_id) source_id, array(select c->>'hiveName' from jsonb_array_elements(schema->'columns') c) as paths
           from schema_versions order by source_id, version desc`,
      )
    ).rows;
    let rows: Record<string, unknown>[] = [];
    const described = new Map(VOCABULARY.filter((v) => v[2]).map((v) => [v[0], v[2]!]));
    for (const l of latest) {
      const roles = new Set<string>();
      for (const path of l.paths) {
        const description = described.get(path);
        const tags = TAGS_OF[path] ?? [];
        if ((description === undefined || rand() < 0.4) && tags.length === 0) continue;
        const role = path === 'user_id' && !roles.has('id_type') ? 'id_type' : path === 'event_time' && !roles.has('timestamp') ? 'timestamp' : null;
        if (role) roles.add(role);
        rows.push({ source_id: l.source_id, path, description: description ?? null, tags, role });
      }
      if (rows.length >= 2000) {
        await db('column_metadata').insert(rows);
        rows = [];
      }
    }
    if (rows.length) await db('column_metadata').insert(rows);
  });

  await step('runs and partitions', async () => {
    // five runs per crawled source, the newest failed for one in 30; a run still going for one in 50
    await db.raw(`
      insert into crawl_runs (source_id, workflow_id, workflow_run_id, kind, status, error, started_at, finished_at)
      select s.id, 'crawl/' || s.name, 'bench-' || s.id || '-' || n, 'crawl',
             case when n = 5 and s.id % 30 = 0 then 'failed' else 'completed' end,
             case when n = 5 and s.id % 30 = 0 then 'listing failed: Access Denied' end,
             now() - interval '1 day' * (6 - n) - interval '1 minute' * (s.id % 1440),
             now() - interval '1 day' * (6 - n) - interval '1 minute' * (s.id % 1440) + interval '90 seconds'
        from sources s, generate_series(1, 5) n
       where s.kind <> 'logical'
       order by n, s.id`);
    await db.raw(`
      insert into crawl_runs (source_id, workflow_id, workflow_run_id, kind, status)
      select s.id, 'crawl/' || s.name, 'bench-' || s.id || '-6', 'crawl', 'planned' from sources s where s.kind <> 'logical' and s.id % 50 = 0`);
    // hourly partitions over a few days; a table of a database has one
    await db.raw(`
      insert into source_partitions (source_id, path, keys, values, records, bytes, objects)
      select s.id, 'date_id=' || to_char(date '2026-12-01' + (h / 24), 'YYYY-MM-DD') || '/hour=' || lpad((h % 24)::text, 2, '0') || '/',
             '["date_id","hour"]', jsonb_build_array(to_char(date '2026-12-01' + (h / 24), 'YYYY-MM-DD'), lpad((h % 24)::text, 2, '0')),
             r, r * (200 + s.id % 300), 1 + r / 50000
        from sources s,
             generate_series(0, case when s.kind = 'postgres' then 0 else 12 + (s.id * 7) % 60 end) h,
             lateral (select (1000 + (s.id * 7919 + h * 104729) % 200000)::bigint as r) v`);
  });

  await step('owners and grants', async () => {
    await db.raw(`
      insert into source_owners (source_id, principal_id, added_by)
      select s.id, p.id, 'bench' from sources s join principals p on p.name = 'owner-' || (s.id % 20) || '@example.com'
       where s.kind <> 'logical' and s.id % 10 <> 0
      union all
      select s.id, p.id, 'bench' from sources s join principals p on p.name = 'data-platform' where s.kind <> 'logical' and s.id % 4 = 0`);
    await db.raw(`
      insert into grants (principal_id, source_id, level, status, target_database, target_table, approved_by, expires_at, max_expires_at, warn_before_ms, workflow_id)
      select p.id, s.id, 'A-' || (1 + s.id % 5), case when s.id % 7 = 0 then 'expired' else 'active' end, s.target_database, s.target_table, 'bench',
             now() + interval '10 days', now() + interval '90 days', 259200000, 'bench/grant/' || s.id
        from sources s join principals p on p.name = 'bench-analyst@example.com'
       where s.id % 40 = 0`);
  });

  await step('search index', async () => {
    for (let i = 0; i < all.length; i += CHUNK) await refreshSearchDocuments(db, all.slice(i, i + CHUNK).map((s) => s.id));
  });
  await db.raw('analyze');
  return took;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** p50 and p95 in ms of `runs` timed calls after two warm-up calls; `before` runs untimed before each. */
export async function timeQuery(runs: number, call: () => Promise<unknown>, before?: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await call();
  await call();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before?.();
    const t = process.hrtime.bigint();
    await call();
    ms.push(seconds(t) * 1000);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

/** Drops the bench database. Without FORCE, retried: an autovacuum worker may still be on it after the
 *  seed's ANALYZE, and this role may not terminate it. */
async function dropDatabase(url: string): Promise<void> {
  await withServerAdmin(url, async (admin, name) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
        return;
      } catch (e) {
        if (attempt >= 30 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  });
}

/** The bench's catalog database, seeded. With BENCH_WEB_KEEP=1 a catalog kept by an earlier run of the same
 *  size is reused (seeding takes minutes); otherwise it is made afresh. */
async function openBenchCatalog(config: LakeConfig, what: string): Promise<{ bench: LakeConfig; db: Knex }> {
  const bench = catalogBeside(config, 'bench_web');
  if (process.env.BENCH_WEB_KEEP === '1') {
    const exists = await withServerAdmin(bench.postgres.url, async (admin, name) => (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
    if (exists) {
      const db = createDb(bench.postgres);
      await migrateLatest(db);
      const [{ n }] = (await db.raw('select count(*)::int as n from sources')).rows;
      const [{ c }] = (await db.raw('select coalesce(max(columns), 0)::int as c from catalog_entries')).rows;
      if (n === SOURCES && c === COLUMNS) {
        console.log(`\n${what}: reusing the kept catalog of ${SOURCES} sources of ${COLUMNS} columns`);
        return { bench, db };
      }
      await db.destroy();
    }
  }
  await dropDatabase(bench.postgres.url);
  await withServerAdmin(bench.postgres.url, (admin, name) => admin.query(`CREATE DATABASE "${name}"`));
  const db = createDb(bench.postgres);
  await migrateLatest(db);
  console.log(`\n${what}: seeding ${SOURCES} sources of ${COLUMNS} columns`);
  const took = await seedCatalog(db, { sources: SOURCES, columns: COLUMNS });
  const [{ docs }] = (await db.raw(`select count(*)::int as docs from search_documents`)).rows;
  console.log(`  seeded in ${Object.entries(took).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}; ${docs} search documents`);
  return { bench, db };
}

async function closeBenchCatalog(bench: LakeConfig, db: Knex): Promise<void> {
  await db.destroy();
  if (process.env.BENCH_WEB_KEEP !== '1') await dropDatabase(bench.postgres.url);
}

function line(name: string, width: number, p50: number, p95: number, target: number): string {
  return `  ${name.padEnd(width)}  p50 ${p50.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   ${(p95 / target).toFixed(2)}x${p95 > target ? '   OVER TARGET' : ''}`;
}

/** Times the list and search queries of the web catalog over a seeded catalog; returns p95 / target. */
export async function webCatalogBench(config: LakeConfig): Promise<Ratio[]> {
  const { bench, db } = await openBenchCatalog(config, 'web catalog at the database level');
  try {
    const viewer = { name: 'bench-analyst@example.com', kind: 'user' as const };
    const cases: [string, () => Promise<unknown>][] = [
      ['list, no text, by name', () => listCatalog(db, {})],
      ['list, no text, by volume', () => listCatalog(db, { sort: 'volume' })],
      ['list, text "purchase"', () => listCatalog(db, { text: 'purchase' })],
      ['list, "purchase" + facets + viewer', () => listCatalog(db, { text: 'purchase', format: ['jsonl', 'parquet'], health: ['failing', 'changed-7d'], viewer, sort: 'freshness' } satisfies CatalogQuery)],
      ['list, viewer, level A-4', () => listCatalog(db, { viewer, level: ['A-4'], offset: 0, limit: 20 })],
      ['search "purchase"', () => search(db, 'purchase')],
      ['search "user id"', () => search(db, 'user id')],
    ];
    const ratios: Ratio[] = [];
    const width = Math.max(...cases.map(([n]) => n.length));
    console.log(`  ${RUNS} runs each after two warm-ups; target p95 <= ${TARGET_MS} ms`);
    for (const [name, call] of cases) {
      const { p50, p95 } = await timeQuery(RUNS, call);
      console.log(line(name, width, p50, p95, TARGET_MS));
      ratios.push({ name: `web db: ${name} p95 / ${TARGET_MS} ms`, value: p95 / TARGET_MS, note: 'latency, target <= 1.00x' });
    }
    return ratios;
  } finally {
    await closeBenchCatalog(bench, db);
  }
}

/** The cookies a response sets, as name → value. */
function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    out.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
  return out;
}

/** Signs in through the development sign-in as a browser does: the sign-in page gives the session cookie
 *  and the form's CSRF token, posting the form gives the sign-in cookie. Returns the Cookie header. */
async function devSignIn(base: string, name: string): Promise<string> {
  const page = await fetch(`${base}/signin`);
  const cookies = setCookies(page);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token) throw new Error('the sign-in page has no CSRF token');
  const session = `lake_session=${cookies.get('lake_session')}`;
  const res = await fetch(`${base}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name, _csrf: token }).toString(),
  });
  const signedIn = setCookies(res).get('lake_signin');
  if (res.status !== 303 || !signedIn) throw new Error(`the development sign-in as ${name} failed: HTTP ${res.status}`);
  return `${session}; lake_signin=${signedIn}`;
}

/** Times the web catalog's pages over HTTP (keep-alive, as a browser fetches them), served by buildServer
 *  from the seeded catalog, for an anonymous visitor and for a signed-in analyst; returns p95 / target. */
export async function webHttpBench(config: LakeConfig): Promise<Ratio[]> {
  const { bench, db } = await openBenchCatalog(config, 'web catalog over HTTP');
  // the pages timed here start no workflow: a Temporal client asked for is a bug of the bench
  const temporal = async () => {
    throw new Error('the timed pages should not need Temporal');
  };
  const { identityHeader: _proxy, ...web } = bench.web;
  const app = await buildServer({ db, config: { ...bench, web: { ...web, devSignIn: true } }, temporal });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the bench server has no port');
    const base = `http://127.0.0.1:${address.port}`;
    // a plain S3 source of the full width, with partitions and runs: what an analyst opens
    const [picked] = (
      await db.raw(
        `select s.name from sources s join catalog_entries e on e.source_id = s.id
          where s.kind = 's3' and s.parent_id is null and e.columns = ? and not exists (select 1 from sources x where x.parent_id = s.id)
            and s.name like '%purchase%' order by s.id limit 1`,
        [COLUMNS],
      )
    ).rows as { name: string }[];
    if (!picked) throw new Error('no source of the full width to open');
    const source = encodeURIComponent(picked.name);
    const viewers: [string, string | undefined][] = [
      ['anonymous', undefined],
      ['signed in', await devSignIn(base, 'bench-analyst@example.com')],
    ];
    const paths = [
      `/sources/${source}`,
      `/sources/${source}/schema`,
      '/sources?q=purchase',
      '/sources?q=user%20id&format=jsonl',
      '/sources',
      `/api/sources/${source}`,
      '/api/sources?q=purchase',
    ];
    const ratios: Ratio[] = [];
    const width = 60;
    console.log(`  source page: ${picked.name}; ${RUNS} requests each after two warm-ups; target p95 <= ${HTTP_TARGET_MS} ms`);
    // the list reads every source's row again after a change to the catalog: a crawl finishing, an owner added
    const change = () => db.raw(`update source_activity set records = records where source_id = (select min(id) from sources)`);
    const cases: [string, string, (() => Promise<unknown>) | undefined][] = paths.map((p) => [p, p, undefined]);
    cases.push(['/sources?q=purchase', '/sources?q=purchase, each after a change', change], ['/sources', '/sources, each after a change', change]);
    for (const [who, cookie] of viewers) {
      for (const [path, label, before] of cases) {
        const get = async () => {
          const res = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {} });
          const body = await res.text();
          if (res.status !== 200) throw new Error(`GET ${path} (${who}): HTTP ${res.status}: ${body.slice(0, 300)}`);
          return body;
        };
        const { p50, p95 } = await timeQuery(RUNS, get, before);
        const name = `${who.padEnd(10)} ${label.replace(source, '<source>')}`;
        console.log(line(name, width, p50, p95, HTTP_TARGET_MS));
        ratios.push({ name: `web http: ${name} p95 / ${HTTP_TARGET_MS} ms`, value: p95 / HTTP_TARGET_MS, note: 'latency, target <= 1.00x' });
      }
    }
    return ratios;
  } finally {
    await app.close();
    await closeBenchCatalog(bench, db);
  }
}
