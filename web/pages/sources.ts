// Search and list: free text over names, columns, descriptions and tags, ranked; facets; sort by
// relevance, freshness or volume; new logical sources marked, with `activate` for their owners.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CATALOG_FACETS, listCatalog, type CatalogFacet, type CatalogItem, type CatalogPage, type CatalogQuery, type CatalogSort } from '../../db/catalog-list';
import { may } from '../../governance/authority';
import { html, urlPart, type Html } from '../html';
import { csrfField, type PageContext } from '../layout';
import { twin } from '../routes';
import type { WebDeps } from '../server';
import { byteSize, count } from '../views/format';

const PAGE_SIZE = 50;
const SORTS: CatalogSort[] = ['relevance', 'freshness', 'volume', 'name'];
const FACET_LABELS: Record<CatalogFacet, string> = { format: 'Format', kind: 'Kind', tag: 'Tag', owner: 'Owner', schedule: 'Schedule', health: 'Health', level: 'Your access' };
const HEALTH_LABELS: Record<string, string> = { failing: 'last crawl failed', 'changed-7d': 'schema changed in 7 days' };

type Selected = Partial<Record<CatalogFacet, string[]>>;

interface ListPage extends CatalogPage {
  q: string;
  sort: CatalogSort;
  page: number;
  selected: Selected;
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]).filter((x) => x !== '');

function queryOf(req: FastifyRequest): { q: string; sort: CatalogSort; page: number; selected: Selected } {
  const raw = req.query as Record<string, unknown>;
  const q = typeof raw.q === 'string' ? raw.q.slice(0, 200) : '';
  const sort = SORTS.includes(raw.sort as CatalogSort) ? (raw.sort as CatalogSort) : q ? 'relevance' : 'name';
  const page = Math.max(1, Math.min(1000, Number(raw.page) || 1));
  const selected: Selected = {};
  for (const f of CATALOG_FACETS) {
    const values = asList(raw[f]);
    if (values.length) selected[f] = values;
  }
  return { q, sort, page, selected };
}

/** The list's address with one thing changed: a facet value toggled, the sort, or the page. */
function hrefOf(d: Pick<ListPage, 'q' | 'sort' | 'selected'>, change: { toggle?: [CatalogFacet, string]; sort?: CatalogSort; page?: number }): string {
  const params = new URLSearchParams();
  if (d.q) params.set('q', d.q);
  const selected: Selected = { ...d.selected };
  if (change.toggle) {
    const [f, v] = change.toggle;
    const now = selected[f] ?? [];
    selected[f] = now.includes(v) ? now.filter((x) => x !== v) : [...now, v];
  }
  for (const f of CATALOG_FACETS) for (const v of selected[f] ?? []) params.append(f, v);
  const sort = change.sort ?? d.sort;
  if (sort !== (d.q ? 'relevance' : 'name')) params.set('sort', sort);
  if (change.page && change.page > 1) params.set('page', String(change.page));
  const s = params.toString();
  return `/sources${s ? `?${s}` : ''}`;
}

function facetValueLabel(f: CatalogFacet, v: string): string {
  if (f === 'health') return HEALTH_LABELS[v] ?? v;
  if (f === 'level') return v === 'none' ? 'no access' : v;
  return v;
}

function renderItem(i: CatalogItem, ctx: PageContext): Html {
  const owner = ctx.viewer && may(ctx.viewer, 'activate', { owners: i.owners });
  return html`<li data-source="${i.name}">
  <div><a class="name" href="/sources/${urlPart(i.name)}">${i.name}</a>
    <span class="kind">${i.kind === 'logical' ? 'logical source' : i.kind}</span>
    ${i.isNew ? html`<span class="badge new">new</span>` : ''}
    ${i.failing ? html`<span class="badge bad">last crawl failed</span>` : ''}
    ${i.viewerLevel ? html`<span class="badge">you hold ${i.viewerLevel}</span>` : ''}
    ${i.isNew && owner ? html`<form method="post" action="/sources/${urlPart(i.name)}/activate" class="inline">${csrfField(ctx.csrf)}<button type="submit" class="primary">Activate</button></form>` : ''}
  </div>
  <div class="meta">${i.where} · ${i.format} · ${count(i.columns)} columns · ${count(i.records)} records · ${byteSize(i.bytes)}${i.freshness ? html` · fresh <time datetime="${i.freshness}">${i.freshness.slice(0, 16).replace('T', ' ')}</time>` : ''}${i.schemaChangedAt ? html` · schema changed ${i.schemaChangedAt.slice(0, 10)}` : ''}${i.owners.length ? html` · owned by ${i.owners.join(', ')}` : ''}</div>
  ${i.matched ? html`<div class="matched">matched ${i.matched.column ? html`column <code>${i.matched.column}</code>: ` : ''}${i.matched.text.slice(0, 160)}</div>` : ''}
  ${i.tags.length ? html`<div class="tags">${i.tags.slice(0, 12).map((t) => html`<span class="tag">${t}</span> `)}</div>` : ''}
</li>`;
}

function renderList(d: ListPage, ctx: PageContext): Html {
  const pages = Math.max(1, Math.ceil(d.total / PAGE_SIZE));
  return html`<section class="layout-list">
<aside class="facets" aria-label="Filters">
${CATALOG_FACETS.filter((f) => d.facets[f]?.length).map(
  (f) => html`<h3>${FACET_LABELS[f]}</h3><ul data-facet="${f}">${d.facets[f].slice(0, 15).map((v) => {
    const on = d.selected[f]?.includes(v.value);
    return html`<li><a href="${hrefOf(d, { toggle: [f, v.value] })}"${on ? html` class="on" aria-current="true"` : ''}><span>${facetValueLabel(f, v.value)}</span><span class="n">${v.count}</span></a></li>`;
  })}</ul>`,
)}
</aside>
<div>
  <form method="get" action="/sources" class="toolbar">
    <input type="search" name="q" value="${d.q}" placeholder="Search sources, columns, descriptions, tags" size="40" aria-label="Search the catalog">
    ${CATALOG_FACETS.flatMap((f) => (d.selected[f] ?? []).map((v) => html`<input type="hidden" name="${f}" value="${v}">`))}
    <button type="submit">Search</button>
    <span class="muted">${d.total} source(s)</span>
    <span class="sorts">sort: ${SORTS.filter((s) => s !== 'relevance' || d.q).map((s) => (s === d.sort ? html`<strong>${s}</strong> ` : html`<a href="${hrefOf(d, { sort: s })}">${s}</a> `))}</span>
  </form>
  ${d.items.length === 0 ? html`<p class="empty">Nothing matches${d.q ? html` “${d.q}”` : ''}.</p>` : html`<ol class="results">${d.items.map((i) => renderItem(i, ctx))}</ol>`}
  ${pages > 1 ? html`<nav class="pages">${d.page > 1 ? html`<a href="${hrefOf(d, { page: d.page - 1 })}">← previous</a>` : ''} page ${d.page} of ${pages} ${d.page < pages ? html`<a href="${hrefOf(d, { page: d.page + 1 })}">next →</a>` : ''}</nav>` : ''}
</div>
</section>`;
}

export function registerSourceList(app: FastifyInstance, deps: WebDeps): void {
  const facetParams = Object.fromEntries(CATALOG_FACETS.map((f) => [f, { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }]));
  twin(app, deps, {
    path: '/sources',
    tag: 'sources',
    summary: 'Search and list sources: ranked free text, facets (format, kind, tag, owner, schedule, health, your access), sorts',
    querystring: { q: { type: 'string' }, sort: { type: 'string', enum: SORTS }, page: { type: 'integer', minimum: 1 }, ...facetParams },
    async load(req): Promise<ListPage> {
      const { q, sort, page, selected } = queryOf(req);
      const query: CatalogQuery = {
        ...(q ? { text: q } : {}),
        ...(selected as Omit<CatalogQuery, 'text'>),
        ...(req.viewer ? { viewer: { name: req.viewer.name, kind: req.viewer.kind } } : {}),
        sort,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      };
      return { ...(await listCatalog(deps.db, query)), q, sort, page, selected };
    },
    render: renderList,
    title: (d) => (d.q ? `${d.q}: search` : 'Sources'),
  });
}
