// The catalog list: the one query behind the web catalog's search-and-list page and its `/api/sources`
// twin. Catalog-wide (everybody finds every source's metadata, db/catalog.ts); a viewer only adds the level
// they hold to each source.
//
// Reads one row per source from what is kept at write time (catalog_entries and search_documents, by
// db/search-index.ts and the triggers of their migrations), so a page costs the same whatever
// the number of columns, partitions and runs. One statement filters, counts the facets, sorts and pages
// over every candidate source and returns only the page and the counts: sending 10,000 candidate rows to
// Node to count them there cost more than the whole statement (measured with bench/web-catalog.ts). A
// second one reads the page's sources in full (location, last run).
//
// Facets are disjunctive: a facet's counts are over the text's matches with every *other* facet's filter
// applied, so choosing `csv` still shows how many `parquet` there are (and choosing it adds them), while
// choosing a tag narrows the format counts. Within a facet the chosen values are alternatives (any of
// them); across facets all must hold.
//
// Health 'changed-7d': the newest schema version is at least version 2 and was recorded in the last 7
// days. Version 1 is a source's first crawl, not a change, and a newer version is the latest change.
import type { Knex } from 'knex';
import { whereIs, type Source } from '../crawl/source';
import { LEVEL_IDS, type AccessLevelId, type PrincipalRef } from '../governance/levels';
import { UnknownPrincipalError } from './catalog';
import { findPrincipal } from './governance';
import { toPrefixQuery } from './metadata';
import { sourceFromRow, type SourceRow } from './sources';

export type CatalogKind = 'source' | 'stream' | 'logical';
export type CatalogHealth = 'failing' | 'changed-7d';
export type CatalogSort = 'relevance' | 'freshness' | 'volume' | 'name';
export type CatalogFacet = 'format' | 'kind' | 'tag' | 'owner' | 'schedule' | 'health' | 'level';

export interface CatalogQuery {
  /** Free text over names, column names, descriptions and tags (prefixes match); empty: every source. */
  text?: string;
  format?: string[];
  kind?: CatalogKind[];
  tag?: string[];
  owner?: string[];
  schedule?: string[];
  health?: CatalogHealth[];
  /** The viewer's level on the source; 'none' where they hold no active grant (everything, without a viewer). */
  level?: (AccessLevelId | 'none')[];
  viewer?: PrincipalRef;
  /** relevance (the default; by name without text), freshness (newest data first), volume (most bytes first), name. */
  sort?: CatalogSort;
  limit?: number;
  offset?: number;
}

export interface CatalogItem {
  id: number;
  name: string;
  kind: CatalogKind;
  /** s3: the configured format; postgres: 'postgres'; logical: its stream's. */
  format: string;
  where: string;
  /** A logical source's stream. */
  stream?: string;
  /** A logical source not yet activated. */
  isNew: boolean;
  /** Every tag of its columns. */
  tags: string[];
  /** Principal names; a logical source's are its stream's. */
  owners: string[];
  schedule: string | null;
  enabled: boolean;
  /** The newest run (a logical source's: its stream's). */
  lastRun?: { status: string; finishedAt?: string };
  /** The newest finished run failed. */
  failing: boolean;
  /** When the newest schema version was recorded. */
  schemaChangedAt?: string;
  /** When data last landed: the newest completed run's finish; a logical source's: when its stream's crawl last saw its records. */
  freshness?: string;
  records: number;
  bytes: number;
  columns: number;
  /** The highest level among the viewer's active grants on it (null: none); only with a viewer. */
  viewerLevel?: AccessLevelId | null;
  /** With text: the source's best-ranked match (a column's, or its name's). */
  matched?: { column?: string; text: string; rank: number };
}

export interface CatalogPage {
  /** Sources matching the text and every filter. */
  total: number;
  items: CatalogItem[];
  facets: Record<CatalogFacet, { value: string; count: number }[]>;
}

export const CATALOG_FACETS: readonly CatalogFacet[] = ['format', 'kind', 'tag', 'owner', 'schedule', 'health', 'level'];
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** A source of the page as the first statement returns it (JSON). */
interface Candidate {
  id: number;
  name: string;
  kind: CatalogKind;
  format: string;
  tags: string[];
  health: CatalogHealth[];
  level: AccessLevelId | 'none';
  freshness: string | null;
  records: number;
  bytes: number;
  rank: number | null;
}

/** A candidate of the page, with the document it matched. */
interface PageCandidate extends Candidate {
  path: string | null;
  matched: string | null;
}

/** ORDER BY of each sort, ties by name (code point order, as in JavaScript). */
const ORDER: Record<CatalogSort, string> = {
  relevance: 'rank desc nulls last, name collate "C"',
  freshness: 'freshness desc nulls last, name collate "C"',
  volume: 'bytes desc, records desc, name collate "C"',
  name: 'name collate "C"',
};

/** Each facet's value(s) in a candidate row, and whether the row has several. Owners are not in the row:
 *  gathering every source's owner names into arrays cost more than joining source_owners where asked. */
const FACET_VALUE: Record<Exclude<CatalogFacet, 'owner'>, { expr: string; many: boolean }> = {
  format: { expr: 'format', many: false },
  kind: { expr: 'kind', many: false },
  tag: { expr: 'tags', many: true },
  schedule: { expr: 'schedule', many: false },
  health: { expr: 'health', many: true },
  level: { expr: 'level', many: false },
};
const OWNERS_OF_C = 'source_owners so on so.source_id = c.owner_source join principals p on p.id = so.principal_id';

export async function listCatalog(db: Knex, q: CatalogQuery): Promise<CatalogPage> {
  const viewerId = q.viewer ? await viewerIdOf(db, q.viewer) : undefined;
  const text = (q.text ?? '').trim();
  const withText = text !== '';
  const empty = { total: 0, items: [], facets: Object.fromEntries(CATALOG_FACETS.map((f) => [f, []])) as unknown as CatalogPage['facets'] };
  if (withText && !hasSearchTerms(text)) return empty; // only punctuation: nothing to look for
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? DEFAULT_LIMIT), 0), MAX_LIMIT);
  const offset = Math.max(Math.trunc(q.offset ?? 0), 0);

  const bindings: Knex.RawBinding[] = [];
  const bind = (value: Knex.RawBinding, cast: string) => {
    bindings.push(value);
    return `?::${cast}`;
  };
  const oneWord = toPrefixQuery(text).split(' & ').length === 1;
  // a source's rank is its best document's; which document that is, is looked up for the page only
  // (carrying every match's text through a sort cost a third of the statement). One word: the source's own
  // document answers (its columns' words together), and its columns' documents only for a source too large
  // to have one. Several words must meet in one document, so the columns' documents answer.
  // The tsqueries are written out in each WHERE rather than read from q there: the planner then estimates
  // how many documents match (from the index's statistics) instead of guessing a hundred, and joins 10,000
  // matched sources by hash rather than one index probe each.
  const found = (doc: string) =>
    `(${doc} @@ to_tsquery('simple', ${bind(toPrefixQuery(text), 'text')}) or ${doc} @@ plainto_tsquery('english', ${bind(text, 'text')}))`;
  const columnMatches = (where: () => string) => `
         select d.source_id, max(ts_rank(d.doc, q.simple_q) + ts_rank(d.doc, q.english_q)) as rank
           from q, search_documents d
          where ${found('d.doc')} ${where()}
          group by d.source_id`;
  const textCtes = withText
    ? `q as (select to_tsquery('simple', ${bind(toPrefixQuery(text), 'text')}) as simple_q, plainto_tsquery('english', ${bind(text, 'text')}) as english_q),
       matches as materialized (${
         oneWord
           ? `
         select w.source_id, ts_rank(w.doc, q.simple_q) + ts_rank(w.doc, q.english_q) as rank
           from q, source_documents w
          where ${found('w.doc')}
         union all ${columnMatches(() => 'and d.source_id in (select source_id from catalog_entries where not whole_document)')}`
           : columnMatches(() => '')
       }),`
    : '';
  // Bindings are positional: every piece below binds when the statement's text is put together, in order.
  // A facet's filter: any of its chosen values (none chosen: everything passes).
  const pass = (f: CatalogFacet) => {
    const chosen = q[f]?.length ? [...q[f]!] : null;
    if (chosen === null) return 'true';
    if (f === 'owner') return `exists (select 1 from source_owners so join principals p on p.id = so.principal_id where so.source_id = c.owner_source and p.name = any(${bind(chosen, 'text[]')}))`;
    const { expr, many } = FACET_VALUE[f];
    return many ? `(c.${expr} && ${bind(chosen, 'text[]')})` : `(c.${expr} = any(${bind(chosen, 'text[]')}))`;
  };
  const allBut = (skip?: CatalogFacet) => CATALOG_FACETS.filter((f) => f !== skip).map(pass).join(' and ');
  const facetCounts = () => CATALOG_FACETS.map((f) => {
    if (f === 'level' && viewerId === undefined) return `'level', '[]'::json`;
    // unnest in the select list: as a FROM item it builds a result set per row, several times slower
    const values =
      f === 'owner'
        ? `select p.name::text as value from c join ${OWNERS_OF_C} where ${allBut(f)}`
        : `select ${FACET_VALUE[f].many ? `unnest(c.${FACET_VALUE[f].expr})` : `c.${FACET_VALUE[f].expr}`} as value from c where ${allBut(f)}`;
    return `'${f}', (select coalesce(json_agg(json_build_object('value', value, 'count', n) order by ${f === 'level' ? `array_position(array['none', ${LEVEL_IDS.map((l) => `'${l}'`).join(', ')}], value)` : 'n desc, value collate "C"'}), '[]')
                     from (select value, count(*) as n from (${values}) v group by value) counted)`;
  }).join(',\n');
  const sql = `
    with ${textCtes}
         held as (select source_id, max(level)::text as level from grants where principal_id = ${bind(viewerId ?? null, 'int')} and status = 'active' group by source_id),
         -- a logical source takes its stream's format, failures and owners
         c as materialized (
           select e.source_id as id, e.name,
                  case when e.kind = 'logical' then 'logical'
                       when exists (select 1 from sources child where child.parent_id = e.source_id) then 'stream' else 'source' end as kind,
                  case when e.kind = 'postgres' then 'postgres' else coalesce(e.format, p.format, 'auto') end as format,
                  e.schedule, e.tags, coalesce(e.parent_id, e.source_id) as owner_source,
                  array_remove(array[
                    case when (case when e.kind = 'logical' then p.last_finished_failed else e.last_finished_failed end) then 'failing' end,
                    case when e.schema_version >= 2 and e.schema_created_at > now() - interval '7 days' then 'changed-7d' end], null) as health,
                  coalesce(held.level, 'none') as level,
                  -- when data last landed: a logical source's records, when its stream's crawl last saw them
                  case when e.kind = 'logical' then e.last_seen_at else e.last_completed_at end as freshness,
                  e.records, e.bytes,
                  ${withText ? 'm.rank' : 'null::real as rank'}
             from catalog_entries e
             ${withText ? 'join matches m on m.source_id = e.source_id' : ''}
             left join catalog_entries p on p.source_id = e.parent_id
             left join held on held.source_id = e.source_id)
    select (select count(*) from c where ${allBut()})::int as total,
           (select coalesce(json_agg(page), '[]') from (
              select id, name, kind, format, tags, health, level, freshness, records, bytes, rank
                from c where ${allBut()} order by ${ORDER[q.sort ?? 'relevance']} limit ${bind(limit, 'int')} offset ${bind(offset, 'int')}) page) as page,
           json_build_object(${facetCounts()}) as facets`;
  const [row] = (await db.raw(sql, bindings)).rows as { total: number; page: Candidate[]; facets: CatalogPage['facets'] }[];
  const best = withText ? await bestMatches(db, text, row!.page.map((c) => c.id)) : new Map<number, { path: string | null; matched: string }>();
  const page = row!.page.map((c) => ({ ...c, path: best.get(c.id)?.path ?? null, matched: best.get(c.id)?.matched ?? null }));
  return { total: row!.total, items: await itemsOf(db, page, viewerId !== undefined), facets: row!.facets };
}

/** The document that gave each of the page's sources its rank: the best, a source's own before a column's. */
async function bestMatches(db: Knex, text: string, ids: readonly number[]): Promise<Map<number, { path: string | null; matched: string }>> {
  if (ids.length === 0) return new Map();
  const rows: { source_id: number; path: string | null; matched: string }[] = (
    await db.raw(
      `with q as (select to_tsquery('simple', ?::text) as simple_q, plainto_tsquery('english', ?::text) as english_q)
       select distinct on (d.source_id) d.source_id, d.path, d.matched
         from q, search_documents d
        where d.source_id = any(?::int[]) and (d.doc @@ q.simple_q or d.doc @@ q.english_q)
        order by d.source_id, ts_rank(d.doc, q.simple_q) + ts_rank(d.doc, q.english_q) desc, d.path nulls first`,
      [toPrefixQuery(text), text, [...ids]],
    )
  ).rows;
  return new Map(rows.map((r) => [r.source_id, { path: r.path, matched: r.matched }]));
}

/** Whether text has a word to search for (letters or digits). */
export function hasSearchTerms(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

async function viewerIdOf(db: Knex, viewer: PrincipalRef): Promise<number> {
  const principal = await findPrincipal(db, viewer);
  if (!principal) throw new UnknownPrincipalError(viewer);
  return principal.id;
}

/** The page's sources in full, in the page's order. */
async function itemsOf(db: Knex, page: readonly PageCandidate[], withViewer: boolean): Promise<CatalogItem[]> {
  if (page.length === 0) return [];
  const rows: (SourceRow & { stream: string | null; columns: number | null; schema_created_at: Date | null; run_status: string | null; run_finished_at: Date | null; owners: string[] | null })[] = (
    await db.raw(
      `select s.*, st.name as stream, e.columns, e.schema_created_at, r.status as run_status, r.finished_at as run_finished_at,
              (select array_agg(p.name order by p.name) from source_owners so join principals p on p.id = so.principal_id
                where so.source_id = coalesce(s.parent_id, s.id)) as owners
         from sources s
         left join sources st on st.id = s.parent_id
         left join catalog_entries e on e.source_id = s.id
         left join source_activity ra on ra.source_id = coalesce(s.parent_id, s.id)
         left join crawl_runs r on r.id = ra.last_run_id
        where s.id = any(?::int[])`,
      [page.map((c) => c.id)],
    )
  ).rows;
  const byId = new Map(rows.map((r) => [r.id, r]));
  return page.flatMap((c) => {
    const r = byId.get(c.id);
    if (r === undefined) return []; // removed since the first query
    const source: Source = sourceFromRow(r);
    const item: CatalogItem = {
      id: c.id,
      name: c.name,
      kind: c.kind,
      format: c.format,
      where: whereIs(source),
      ...(r.stream !== null ? { stream: r.stream } : {}),
      isNew: source.kind === 'logical' && !source.enabled,
      tags: c.tags,
      owners: r.owners ?? [],
      schedule: source.schedule || null,
      enabled: source.enabled,
      ...(r.run_status !== null ? { lastRun: { status: r.run_status, ...(r.run_finished_at ? { finishedAt: new Date(r.run_finished_at).toISOString() } : {}) } } : {}),
      failing: c.health.includes('failing'),
      ...(r.schema_created_at ? { schemaChangedAt: new Date(r.schema_created_at).toISOString() } : {}),
      ...(c.freshness ? { freshness: new Date(c.freshness).toISOString() } : {}),
      records: Number(c.records),
      bytes: Number(c.bytes),
      columns: r.columns ?? 0,
      ...(withViewer ? { viewerLevel: c.level === 'none' ? null : c.level } : {}),
      ...(c.matched !== null ? { matched: { ...(c.path !== null ? { column: c.path } : {}), text: c.matched, rank: Number(Number(c.rank).toFixed(4)) } } : {}),
    };
    return [item];
  });
}
