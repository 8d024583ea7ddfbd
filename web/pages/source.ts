// A source's page: Info, Schema, History, Samples, Volumes, Access and, for a stream, its Logical sources.
// Each tab is its own address (and its own JSON twin), so a tab can be linked, bookmarked and tested.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptSuggestions, describeSource, setColumnMetadata, sourceHistory, volumes, type RunView, type SourceDescription } from '../../db/metadata';
import { flagVolumes } from '../../crawl/volumes';
import { ACCESS_LEVELS, visibleSamples } from '../../governance/levels';
import { renderSchemaTab, renderColumnRow } from '../views/schema-tab';
import { renderHistoryTab } from '../views/history-tab';
import { renderSamplesTab } from '../views/samples-tab';
import { renderVolumesTab } from '../views/volumes-tab';
import type { TabContext } from '../views/tab-context';
import { HttpError, requireViewer } from '../viewer';
import { pageContext, wantsFragment } from '../server';
import { activeHolders, listRequests } from '../../db/governance';
import { listSourceStates } from '../../db/sources';
import { publishedTable, unpublishedReason, whereIs } from '../../crawl/source';
import { describeUpstreamField } from '../../crawl/upstream';
import { sourceLinks, type SourceLinks } from '../../db/upstream';
import { html, urlPart, type Html } from '../html';
import type { PageContext } from '../layout';
import { twin } from '../routes';
import type { WebDeps } from '../server';
import { sourceHeader, type SourceFrame, loadFrame } from './source-frame';

const NAME = { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,99}$' } };

function nameOf(req: FastifyRequest): string {
  return (req.params as { name: string }).name;
}

function temporalRunsLink(ctx: PageContext, source: string): string {
  return `${ctx.temporalUiUrl}/namespaces/${urlPart(ctx.namespace)}/workflows?query=${urlPart(`LakeSource="${source}"`)}`;
}

function runLink(ctx: PageContext, r: RunView): string {
  return `${ctx.temporalUiUrl}/namespaces/${urlPart(ctx.namespace)}/workflows/${urlPart(r.workflowId)}/${urlPart(r.workflowRunId)}/history`;
}

/** A topic's lake and a lake's topics, each a link to the other's page. */
function renderLinks(links: SourceLinks): Html {
  const page = (name: string) => html`<a href="/sources/${urlPart(name)}">${name}</a>`;
  return html`${links.landsIn ? html`<dt>Lands in</dt><dd class="lands-in">${page(links.landsIn)}</dd>` : ''}${
    links.fedBy.length ? html`<dt>Fed by</dt><dd class="fed-by">${links.fedBy.map((t, i) => html`${i ? ', ' : ''}topic ${page(t)}`)}</dd>` : ''
  }`;
}

/** The feeding topics' changes the lake's own crawls have not brought yet: what its next crawls will meet. */
function renderPendingUpstream(links: SourceLinks): Html {
  if (links.pendingUpstream.length === 0) return html``;
  return html`<h2>Upstream changes not yet in the lake</h2>
<p class="muted">Seen at the topics landing here; they leave this list once a crawl of this source finds the fields.</p>
<table class="grid upstream"><thead><tr><th>Topic</th><th>Version</th><th>Change</th><th>Seen</th><th>Fields</th></tr></thead><tbody>${links.pendingUpstream.map(
    (c) => html`<tr class="change-${c.change}"><td><a href="/sources/${urlPart(c.topic)}/history">${c.topic}</a></td><td>v${c.version}</td><td>${c.change}</td><td><time datetime="${c.recordedAt}">${c.recordedAt}</time></td><td><ul class="fields">${c.fields.map(
      (x) => html`<li class="change-${x.change}">${describeUpstreamField(x)}</li>`,
    )}</ul></td></tr>`,
  )}</tbody></table>`;
}

/** The Info tab: where and how the data is stored, its schedule, partitions, freshness, its links to
 *  topics landing in it or the lake it lands in, and last runs. */
function renderInfo(f: SourceFrame & { d: SourceDescription; links: SourceLinks }, ctx: PageContext): Html {
  const { d } = f;
  const s = d.source;
  const newest = d.runs.find((r) => r.status === 'completed' || r.status === 'published');
  return html`
<dl class="facts">
  <dt>Where</dt><dd><code>${whereIs(s)}</code></dd>
  ${renderLinks(f.links)}
  <dt>Table</dt><dd>${publishedTable(s) ? html`<code>${publishedTable(s)}</code>` : html`<span class="muted">${unpublishedReason(s)}</span>`}</dd>
  ${s.kind === 's3' ? html`<dt>Format</dt><dd>${s.format}</dd><dt>Layout</dt><dd>${s.layout.kind === 'date-path' ? html`date path <code>${s.layout.pattern}</code>` : s.layout.kind === 'hive' ? 'Hive-style key=value directories' : 'no partitions'}</dd>` : ''}
  ${d.logical
    ? html`<dt>State</dt><dd>${d.logical.state === 'active' ? (d.logical.view ? 'active, published as a view' : 'active, view at the next crawl') : 'new: not yet activated'}; last seen ${d.logical.lastSeenAt ?? 'never'}</dd>`
    : html`<dt>Schedule</dt><dd>${s.schedule}${s.enabled ? '' : ' (disabled)'}</dd>`}
  <dt>Partitions</dt><dd>${d.partitions.count}${d.partitions.count ? html` <span class="muted">(${d.partitions.oldest} … ${d.partitions.newest})</span>` : ''}</dd>
  <dt>Freshness</dt><dd>${newest?.finishedAt ? html`<time datetime="${newest.finishedAt}">${newest.finishedAt}</time>` : 'never crawled to the end'}</dd>
  <dt>Schema</dt><dd>version ${d.schemaVersion ?? '–'}, ${d.columns.length} column(s); ${d.corruptRecords} corrupt record(s) quarantined</dd>
  ${d.slices ? html`<dt>Logical sources</dt><dd><a href="/sources/${urlPart(s.name)}/logical">${d.slices.total}: ${d.slices.active} active, ${d.slices.new} new</a></dd>` : ''}
  <dt>Owners</dt><dd>${f.owners.length ? f.owners.join(', ') : html`<span class="muted">nobody yet</span>`}</dd>
</dl>
${renderPendingUpstream(f.links)}
${f.canOperate && s.kind !== 'logical' ? crawlControls(s.name, s.kind === 'kafka', ctx) : ''}
<h2>Last runs <a class="small" href="${temporalRunsLink(ctx, s.kind === 'logical' ? s.location.stream : s.name)}">all in Temporal</a></h2>
${d.runs.length === 0
  ? html`<p class="muted">No runs yet.</p>`
  : html`<table class="grid runs"><thead><tr><th>Run</th><th>Kind</th><th>Status</th><th>Started</th><th>Files</th><th>Records</th><th>Schema</th><th>Workflow</th></tr></thead><tbody>${d.runs.map(
      (r) => html`<tr class="status-${r.status}"><td>${r.runId}</td><td>${r.kind}</td><td>${r.status}${r.error ? html`<div class="error-text">${r.error}</div>` : ''}</td><td><time datetime="${r.startedAt}">${r.startedAt}</time></td><td>${r.files}</td><td>${r.records ?? ''}</td><td>${r.schemaVersion !== undefined ? `v${r.schemaVersion}` : ''}</td><td><a href="${runLink(ctx, r)}">${r.workflowId}</a></td></tr>`,
    )}</tbody></table>`}`;
}

function crawlControls(source: string, topic: boolean, ctx: PageContext): Html {
  const base = `/sources/${urlPart(source)}`;
  // a topic is backfilled by offsets or times as well as days
  const [from, to] = topic ? ['offset, date or time', 'offset, date or time'] : ['2026-11-01', '2026-11-07'];
  return html`<section class="controls">
  <form method="post" action="${base}/crawl" hx-post="${base}/crawl" hx-target="#crawl-progress" hx-swap="innerHTML"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">Crawl now</button></form>
  <form method="post" action="${base}/backfill" hx-post="${base}/backfill" hx-target="#crawl-progress" hx-swap="innerHTML" class="backfill"><input type="hidden" name="_csrf" value="${ctx.csrf}">
    <label>Backfill from <input name="from" required placeholder="${from}" size="${topic ? 22 : 12}"></label> <label>to <input name="to" required placeholder="${to}" size="${topic ? 22 : 12}"></label> <button type="submit">Backfill range</button></form>
  <div id="crawl-progress" aria-live="polite"></div>
</section>`;
}

interface AccessTab {
  holders: { principal: string; kind: string; level: string; expiresAt: string; grantId: number }[];
  pending: { requestId: number; principal: string; level: string; days: number; reason: string; requestedAt: string }[];
}

function renderAccess(f: SourceFrame & AccessTab, ctx: PageContext): Html {
  return html`
<p><a class="button primary" href="/access/request?source=${urlPart(f.name)}">Request access</a></p>
<h2>Who holds access</h2>
${f.holders.length === 0
  ? html`<p class="muted">Nobody holds access to ${f.name}.</p>`
  : html`<table class="grid holders"><thead><tr><th>Principal</th><th>Level</th><th>Until</th><th>Left</th>${f.canOperate ? html`<th></th>` : ''}</tr></thead><tbody>${f.holders.map(
      (h) => html`<tr data-grant="${h.grantId}"><td>${h.kind} ${h.principal}</td><td>${h.level}</td><td><time datetime="${h.expiresAt}">${h.expiresAt}</time></td><td class="countdown" data-countdown="${h.expiresAt}"></td>${
        f.canOperate
          ? html`<td><form method="post" action="/access/grants/${h.grantId}/revoke" class="inline revoke"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="source" value="${f.name}"><input name="reason" placeholder="reason" required minlength="3" size="14" aria-label="reason"> <button type="submit" class="danger">Revoke</button></form></td>`
          : ''
      }</tr>`,
    )}</tbody></table>`}
${f.pending.length
  ? html`<h2>Waiting for approval</h2><table class="grid pending"><thead><tr><th>Request</th><th>Principal</th><th>Level</th><th>Days</th><th>Reason</th><th>Asked</th></tr></thead><tbody>${f.pending.map(
      (r) => html`<tr><td>${r.requestId}</td><td>${r.principal}</td><td>${r.level}</td><td>${r.days}</td><td>${r.reason}</td><td><time datetime="${r.requestedAt}">${r.requestedAt}</time></td></tr>`,
    )}</tbody></table>${f.canOperate ? html`<p><a href="/access/inbox">Decide in the approvals inbox</a></p>` : ''}`
  : ''}`;
}

interface LogicalTab {
  slices: { name: string; active: boolean; lastSeenAt: string | null; where: string }[];
}

function renderLogical(f: SourceFrame & LogicalTab, ctx: PageContext): Html {
  return html`
<p class="muted">${f.name} is split into ${f.slices.length} logical source(s). A new one is published as a view once an owner activates it, at the stream's next crawl.</p>
<table class="grid slices"><thead><tr><th>Logical source</th><th>Records</th><th>State</th><th>Last seen</th>${f.canOperate ? html`<th></th>` : ''}</tr></thead><tbody>${f.slices.map(
    (x) => html`<tr><td><a href="/sources/${urlPart(x.name)}">${x.name}</a></td><td>${x.where}</td><td>${x.active ? 'active' : html`<span class="badge new">new</span>`}</td><td>${x.lastSeenAt ?? 'never'}</td>${
      f.canOperate
        ? html`<td><form method="post" action="/sources/${urlPart(x.name)}/${x.active ? 'deactivate' : 'activate'}"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit"${x.active ? '' : html` class="primary"`}>${x.active ? 'Deactivate' : 'Activate'}</button></form></td>`
        : ''
    }</tr>`,
  )}</tbody></table>`;
}

function tabContext(f: SourceFrame, ctx: PageContext): TabContext {
  return { source: f.name, canEdit: f.canOperate, csrf: ctx.csrf };
}

const COLUMN_BODY = {
  path: { type: 'string', minLength: 1, maxLength: 2000 },
  description: { type: 'string', maxLength: 2000 },
  tags: { type: 'string', maxLength: 2000 },
  role: { type: 'string', maxLength: 40 },
};

export function registerSourcePages(app: FastifyInstance, deps: WebDeps): void {
  twin(app, deps, {
    path: '/sources/:name/schema',
    tag: 'sources',
    summary: 'The schema as a tree: types, roles, tags (suggested ones marked), descriptions, statistics and the file:line that forced each type',
    params: NAME,
    async load(req) {
      const [frame, d] = await Promise.all([loadFrame(deps, req, nameOf(req), 'schema'), describeSource(deps.db, nameOf(req))]);
      return { ...frame, schemaVersion: d.schemaVersion, columns: d.columns };
    },
    render: (data, ctx) => sourceHeader(data, ctx, renderSchemaTab({ columns: data.columns, schemaVersion: data.schemaVersion } as SourceDescription, tabContext(data, ctx))),
    title: (data) => `${data.name}: schema`,
  });

  twin(app, deps, {
    path: '/sources/:name/history',
    tag: 'sources',
    summary: 'The schema versions, the diff between any two (from, to; the last two by default) and per-field blame',
    params: NAME,
    querystring: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } },
    async load(req) {
      const frame = await loadFrame(deps, req, nameOf(req), 'history');
      const { from, to } = req.query as { from?: number; to?: number };
      if ((from === undefined) !== (to === undefined)) throw new HttpError(400, 'give both versions to compare: from and to');
      return { ...frame, history: await sourceHistory(deps.db, frame.name, from !== undefined && to !== undefined ? { from, to } : undefined) };
    },
    render: (data, ctx) => sourceHeader(data, ctx, renderHistoryTab(data.history, tabContext(data, ctx))),
    fragment: (data, ctx) => renderHistoryTab(data.history, tabContext(data, ctx)),
    title: (data) => `${data.name}: history`,
  });

  twin(app, deps, {
    path: '/sources/:name/samples',
    tag: 'sources',
    summary: "Sample records, masked for the viewer's grant: none below a level that shows samples, identifying values never",
    params: NAME,
    async load(req) {
      const frame = await loadFrame(deps, req, nameOf(req), 'samples');
      // identifying values are masked for everyone: the catalog keeps none of them
      const level = frame.viewerLevel ? ACCESS_LEVELS[frame.viewerLevel] : null;
      const shown = !!level?.samplesVisible;
      const rows = shown ? visibleSamples((await describeSource(deps.db, frame.name)).samples, level) : [];
      return { ...frame, samples: { rows, level: frame.viewerLevel, shown } };
    },
    render: (data, ctx) => sourceHeader(data, ctx, renderSamplesTab(data.samples, tabContext(data, ctx))),
    title: (data) => `${data.name}: samples`,
  });

  twin(app, deps, {
    path: '/sources/:name/volumes',
    tag: 'sources',
    summary: 'Records and bytes per partition over time, with drops and spikes flagged',
    params: NAME,
    async load(req) {
      const frame = await loadFrame(deps, req, nameOf(req), 'volumes');
      return { ...frame, volumes: flagVolumes(await volumes(deps.db, frame.name)) };
    },
    render: (data, ctx) => sourceHeader(data, ctx, renderVolumesTab(data.volumes, tabContext(data, ctx))),
    title: (data) => `${data.name}: volumes`,
  });

  // owners edit a column in place: htmx swaps the row it posted from
  const columnRow = async (req: FastifyRequest, reply: FastifyReply, frame: SourceFrame, path: string) => {
    const column = (await describeSource(deps.db, frame.name)).columns.find((c) => c.path === path.toLowerCase() || c.path === path);
    if (req.url.startsWith('/api/')) return column;
    if (!wantsFragment(req)) return reply.redirect(`/sources/${urlPart(frame.name)}/schema`, 303);
    return reply.type('text/html; charset=utf-8').send(column ? renderColumnRow(column, tabContext(frame, pageContext(req, deps))).text : '');
  };
  const editable = async (req: FastifyRequest) => {
    const frame = await loadFrame(deps, req, nameOf(req), 'schema');
    requireViewer(req);
    if (!frame.canOperate) throw new HttpError(403, `only owners of ${frame.name} and admins edit its columns`);
    return frame;
  };
  for (const prefix of ['', '/api']) {
    app.post(`${prefix}/sources/:name/columns`, { schema: { ...(prefix ? { tags: ['sources'], summary: "Set a column's description, add tags (comma-separated), set its role" } : { hide: true }), params: { type: 'object', properties: NAME }, body: { type: 'object', properties: { _csrf: { type: 'string' }, ...COLUMN_BODY }, required: ['path'] } } }, async (req, reply) => {
      const frame = await editable(req);
      const b = req.body as { path: string; description?: string; tags?: string; role?: string };
      const tags = (b.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean);
      // an empty role in the form means "leave it": the select offers no way to clear one
      await setColumnMetadata(deps.db, frame.name, b.path, { ...(b.description !== undefined ? { description: b.description } : {}), tags, ...(b.role ? { role: b.role } : {}) });
      return columnRow(req, reply, frame, b.path);
    });
    app.post(`${prefix}/sources/:name/columns/accept-tags`, { schema: { ...(prefix ? { tags: ['sources'], summary: "Accept the crawl's suggested tag of a column" } : { hide: true }), params: { type: 'object', properties: NAME }, body: { type: 'object', properties: { _csrf: { type: 'string' }, path: COLUMN_BODY.path }, required: ['path'] } } }, async (req, reply) => {
      const frame = await editable(req);
      const { path } = req.body as { path: string };
      await acceptSuggestions(deps.db, frame.name, [path]);
      return columnRow(req, reply, frame, path);
    });
  }

  twin(app, deps, {
    path: '/sources/:name/access',
    tag: 'sources',
    summary: 'Who holds which level on a source until when, and the requests waiting for its owners',
    params: NAME,
    async load(req): Promise<SourceFrame & AccessTab> {
      const frame = await loadFrame(deps, req, nameOf(req), 'access');
      const holders = (await activeHolders(deps.db, frame.id)).map((g) => ({ principal: g.principal.name, kind: g.principal.kind, level: g.level, expiresAt: g.expiresAt.toISOString(), grantId: g.id }));
      const pending = (await listRequests(deps.db, { source: frame.name, status: ['pending'] })).map((r) => ({
        requestId: r.id,
        principal: `${r.principal.kind} ${r.principal.name}`,
        level: r.level,
        days: r.days,
        reason: r.reason,
        requestedAt: new Date(r.requestedAt).toISOString(),
      }));
      return { ...frame, holders, pending };
    },
    render: (data, ctx) => sourceHeader(data, ctx, renderAccess(data, ctx)),
    title: (data) => `${data.name}: access`,
  });

  twin(app, deps, {
    path: '/sources/:name/logical',
    tag: 'sources',
    summary: "A stream's logical sources: state, last seen, and activation",
    params: NAME,
    async load(req): Promise<SourceFrame & LogicalTab> {
      const frame = await loadFrame(deps, req, nameOf(req), 'logical');
      const slices = (await listSourceStates(deps.db, { stream: frame.name })).map((x) => ({
        name: x.source.name,
        active: x.source.enabled,
        lastSeenAt: x.lastSeenAt ? x.lastSeenAt.toISOString() : null,
        where: whereIs(x.source),
      }));
      return { ...frame, slices };
    },
    render: (data, ctx) => sourceHeader(data, ctx, renderLogical(data, ctx)),
    title: (data) => `${data.name}: logical sources`,
  });

  twin(app, deps, {
    path: '/sources/:name',
    tag: 'sources',
    summary: 'A source: where, format, layout, schedule, partitions, freshness, owners, last runs, and links: the lake source a topic lands in, the topics landing in a lake source and their changes not in it yet',
    params: NAME,
    async load(req) {
      const [frame, d] = await Promise.all([loadFrame(deps, req, nameOf(req), 'info'), describeSource(deps.db, nameOf(req))]);
      // samples have their own address, masked for the viewer
      return { ...frame, d: { ...d, samples: [] }, links: await sourceLinks(deps.db, d.source) };
    },
    render: (data, ctx) => sourceHeader(data, ctx, renderInfo(data, ctx)),
    title: (data) => data.name,
  });
}

