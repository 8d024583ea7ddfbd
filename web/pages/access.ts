// The access pages: the owners' approvals inbox, the viewer's own access (grants counting down to their
// expiry, extend, give up, warnings), and the access log. Every action goes through client/access.ts, as
// the CLI's do, and is authorised on the server by governance/authority.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { approveAccess, extendAccess, giveUpAccess, rejectRequest, revokeAccess } from '../../client/access';
import { accessEvents, accessLog, approvalsInbox, myAccess, type AccessLogRow, type MyAccess } from '../../db/access-views';
import { getGrant, getRequest, type AccessRequest } from '../../db/governance';
import { ownersOf } from '../../db/owners';
import { may, type Action } from '../../governance/authority';
import { ACCESS_LEVELS, LEVEL_IDS } from '../../governance/levels';
import { html, urlPart, type Html } from '../html';
import { csrfField, type PageContext } from '../layout';
import { action, twin } from '../routes';
import type { WebDeps } from '../server';
import { HttpError, requireViewer } from '../viewer';

const ID = { id: { type: 'integer', minimum: 1 } };
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : '');
const day = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ') : '–');

function idOf(req: FastifyRequest): number {
  return (req.params as { id: number }).id;
}

async function authorise(deps: WebDeps, req: FastifyRequest, act: Action, about: { sourceId: number; source: string; holder?: string; requester?: string }) {
  const viewer = requireViewer(req);
  const owners = await ownersOf(deps.db, about.sourceId);
  if (!may(viewer, act, { owners, holder: about.holder, requester: about.requester })) {
    throw new HttpError(403, `${viewer.name} may not ${act.replace('-', ' ')} on ${about.source}: ${act === 'extend' || act === 'give-up' ? 'the holder, the source\'s owners and admins may' : 'its owners and admins may'}`);
  }
  return viewer;
}

// --- approvals inbox ------------------------------------------------------------------------------

function renderInbox(d: { requests: AccessRequest[] }, ctx: PageContext): Html {
  return html`<section class="inbox">
<h1>Approvals</h1>
<p class="muted">Requests on the sources you own${ctx.viewer?.admin ? ' (as an admin: every source)' : ''}, oldest first.</p>
${d.requests.length === 0
  ? html`<p class="empty">Nothing waits for you.</p>`
  : html`<table class="grid inbox"><thead><tr><th>Request</th><th>Who</th><th>Source</th><th>Level</th><th>Days</th><th>Reason</th><th>Asked</th><th>Decision</th></tr></thead><tbody>${d.requests.map(
      (r) => html`<tr data-request="${r.id}"><td>${r.id}</td><td>${r.principal.kind} ${r.principal.name}${r.requestedBy !== r.principal.name ? html`<div class="muted">asked by ${r.requestedBy}</div>` : ''}</td><td><a href="/sources/${urlPart(r.source)}">${r.source}</a></td><td title="${ACCESS_LEVELS[r.level].description}">${r.level} <span class="muted">${ACCESS_LEVELS[r.level].title}</span></td><td>${r.days}</td><td class="reason">${r.reason}</td><td><time datetime="${iso(r.requestedAt)}">${day(r.requestedAt)}</time></td>
<td><form method="post" action="/access/requests/${r.id}/decide" class="decide">${csrfField(ctx.csrf)}<input name="note" placeholder="note (optional)" maxlength="500"> <button type="submit" name="decision" value="approve" class="primary">Approve</button> <button type="submit" name="decision" value="reject" class="danger">Reject</button></form></td></tr>`,
    )}</tbody></table>`}
</section>`;
}

// --- my access ------------------------------------------------------------------------------------

function renderMine(d: MyAccess & { requested?: number }, ctx: PageContext): Html {
  return html`<section class="mine">
<h1>My access</h1>
${d.requested ? html`<div class="ok-notice" role="status">Request ${d.requested} was sent; the source's owners decide in their approvals inbox.</div>` : ''}
${d.warnings.map((w) => html`<div class="notice warning-expiry" role="alert">Your ${w.level} grant on <a href="/sources/${urlPart(w.source)}">${w.source}</a> expires at <time datetime="${iso(w.expiresAt)}">${day(w.expiresAt)}</time> (warned ${day(w.warnedAt)}). Extend it below if you still need it.</div>`)}
<h2>Grants</h2>
${d.grants.length === 0
  ? html`<p class="empty">You hold no grant. Find a source and press <em>Request access</em>.</p>`
  : html`<table class="grid grants"><thead><tr><th>Grant</th><th>Source</th><th>Level</th><th>Status</th><th>Expires</th><th>Left</th><th>Extend</th><th></th></tr></thead><tbody>${d.grants.map(
      (g) => html`<tr data-grant="${g.id}"><td>${g.id}</td><td><a href="/sources/${urlPart(g.source)}">${g.source}</a></td><td>${g.level}</td><td>${g.status}</td><td><time datetime="${iso(g.expiresAt)}">${day(g.expiresAt)}</time></td><td class="countdown" data-countdown="${iso(g.expiresAt)}"></td>
<td>${g.extendable
        ? html`<form method="post" action="/access/grants/${g.id}/extend" class="inline">${csrfField(ctx.csrf)}<input type="number" name="days" min="1" max="${g.maxDays}" value="7" aria-label="days to add"> days <button type="submit">Extend</button></form><div class="muted small">at most until ${day(g.maxExpiresAt)}</div>`
        : html`<span class="muted">${g.status === 'active' ? 'at the level\'s maximum' : 'being applied'}</span>`}</td>
<td><form method="post" action="/access/grants/${g.id}/give-up" class="inline">${csrfField(ctx.csrf)}<button type="submit" class="danger">Give up</button></form></td></tr>`,
    )}</tbody></table>`}
<h2>Requests</h2>
${d.requests.length === 0
  ? html`<p class="empty">No requests.</p>`
  : html`<table class="grid requests"><thead><tr><th>Request</th><th>Source</th><th>Level</th><th>Days</th><th>Status</th><th>Asked</th><th>Decided</th></tr></thead><tbody>${d.requests.map(
      (r) => html`<tr data-request="${r.id}"><td>${r.id}</td><td><a href="/sources/${urlPart(r.source)}">${r.source}</a></td><td>${r.level}</td><td>${r.days}</td><td>${r.status}</td><td>${day(r.requestedAt)}</td><td>${r.decidedBy ? html`${r.decidedBy}, ${day(r.decidedAt)}${r.decisionNote ? html`: <q>${r.decisionNote}</q>` : ''}` : ''}</td></tr>`,
    )}</tbody></table>`}
</section>`;
}

// --- access log -----------------------------------------------------------------------------------

interface LogPage {
  rows: AccessLogRow[];
  events: Awaited<ReturnType<typeof accessEvents>>;
  filter: { source?: string; principal?: string; status?: string; level?: string };
}

const STATUSES = ['pending', 'approved', 'rejected', 'cancelled', 'active', 'expired', 'revoked'];

function renderLog(d: LogPage, ctx: PageContext): Html {
  const f = d.filter;
  return html`<section class="log">
<h1>Access log</h1>
<form method="get" action="/access/log" class="toolbar filters">
  <label>Source <input name="source" value="${f.source ?? ''}" size="18"></label>
  <label>User <input name="principal" value="${f.principal ?? ''}" size="12"></label>
  <label>Status <select name="status"><option value="">any</option>${STATUSES.map((s) => html`<option${s === f.status ? html` selected` : ''}>${s}</option>`)}</select></label>
  <label>Level <select name="level"><option value="">any</option>${LEVEL_IDS.map((l) => html`<option${l === f.level ? html` selected` : ''}>${l}</option>`)}</select></label>
  <button type="submit">Filter</button>
</form>
<table class="grid access-log"><thead><tr><th>ID</th><th>USER_TYPE</th><th>AUTH LEVEL</th><th>USER</th><th>DATA_SOURCE</th><th>DESCRIPTION</th><th>STATUS</th><th>CREATED BY</th><th>REQUEST PERIOD</th><th>CREATED AT</th><th>EXPIRATION</th><th>EXPIRED AT</th><th>ENABLE CATALOG</th><th>ACTION</th></tr></thead><tbody>${d.rows.map(
    (r) => html`<tr data-request="${r.id}"><td>${r.id}</td><td>${r.userType}</td><td>${r.authLevel}</td><td>${r.user}</td><td><a href="/sources/${urlPart(r.dataSource)}">${r.dataSource}</a></td><td class="reason">${r.description}</td><td class="status-${r.status}">${r.status}</td><td>${r.createdBy}</td><td>${r.requestPeriodDays} d</td><td>${day(r.createdAt)}</td><td>${day(r.expiration)}</td><td>${day(r.expiredAt)}</td><td>${r.enableCatalog === null ? '–' : r.enableCatalog ? 'yes' : 'no'}</td>
<td>${r.grantId !== null && r.status === 'active' && ctx.viewer?.admin ? html`<form method="post" action="/access/grants/${r.grantId}/revoke" class="inline revoke">${csrfField(ctx.csrf)}<input name="reason" placeholder="reason" required minlength="3" size="10"> <button type="submit" class="danger">Revoke</button></form>` : ''}</td></tr>`,
  )}</tbody></table>
${d.rows.length === 0 ? html`<p class="empty">No requests match.</p>` : ''}
<h2>Every step</h2>
<table class="grid access-events"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Request / grant</th><th>Change</th></tr></thead><tbody>${d.events.map(
    (e) => html`<tr><td>${day(e.at)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.entity} ${e.entityId}</td><td>${e.fromStatus ?? ''}${e.toStatus ? html` → ${e.toStatus}` : ''}</td></tr>`,
  )}</tbody></table>
</section>`;
}

export function registerAccessPages(app: FastifyInstance, deps: WebDeps): void {
  twin(app, deps, {
    path: '/access/inbox',
    tag: 'access',
    summary: 'Pending requests on the sources the viewer owns (every source for an admin)',
    async load(req) {
      const viewer = requireViewer(req);
      return { requests: await approvalsInbox(deps.db, viewer) };
    },
    render: renderInbox,
    title: () => 'Approvals',
  });

  twin(app, deps, {
    path: '/access/mine',
    tag: 'access',
    summary: "The viewer's grants with their expiry, requests, and expiry warnings",
    querystring: { requested: { type: 'integer' } },
    async load(req) {
      const viewer = requireViewer(req);
      const requested = (req.query as { requested?: number }).requested;
      return { ...(await myAccess(deps.db, { name: viewer.name, kind: viewer.kind })), ...(requested ? { requested } : {}) };
    },
    render: renderMine,
    title: () => 'My access',
  });

  twin(app, deps, {
    path: '/access/log',
    tag: 'access',
    summary: 'Requests with their grants (the access list columns) and every audited step; admins see all, others their own and their sources\'',
    querystring: { source: { type: 'string' }, principal: { type: 'string' }, status: { type: 'string' }, level: { type: 'string' } },
    async load(req): Promise<LogPage> {
      const viewer = requireViewer(req);
      const q = req.query as LogPage['filter'];
      const filter = Object.fromEntries(Object.entries(q).filter(([, v]) => typeof v === 'string' && v !== '')) as LogPage['filter'];
      const rows = await accessLog(deps.db, { ...filter, viewer, limit: 500 });
      const events = await accessEvents(deps.db, { ...(filter.source ? { source: filter.source } : {}), ...(filter.principal ? { principal: filter.principal } : {}) });
      // the events of requests the viewer may not see in the log are not theirs to see either
      const visibleRequests = new Set(rows.map((r) => r.id));
      const visibleGrants = new Set(rows.flatMap((r) => (r.grantId === null ? [] : [r.grantId])));
      const shown = viewer.admin ? events : events.filter((e) => (e.entity === 'request' && visibleRequests.has(e.entityId)) || (e.entity === 'grant' && visibleGrants.has(e.entityId)));
      return { rows, events: shown.slice(-500), filter };
    },
    render: renderLog,
    title: () => 'Access log',
  });

  // one form, two buttons: the decision is a field
  action(app, deps, {
    path: '/access/requests/:id/decide',
    tag: 'access',
    summary: 'Approve (starts the grant and its expiry workflow) or reject a pending request, with a note',
    params: ID,
    body: { decision: { type: 'string', enum: ['approve', 'reject'] }, note: { type: 'string', maxLength: 500 } },
    required: ['decision'],
    async run(req) {
      const r = await getRequest(deps.db, idOf(req));
      const { decision, note } = req.body as { decision: 'approve' | 'reject'; note?: string };
      const viewer = await authorise(deps, req, decision, { sourceId: r.sourceId, source: r.source, holder: r.principal.name, requester: r.requestedBy });
      const by = viewer.name;
      if (decision === 'approve') {
        const { grant, workflowStarted } = await approveAccess(deps, { requestId: r.id, by, ...(note ? { note } : {}) });
        return { requestId: r.id, decision, grantId: grant.id, expiresAt: grant.expiresAt.toISOString(), workflowId: grant.workflowId, workflowStarted };
      }
      await rejectRequest(deps, { requestId: r.id, by, ...(note ? { note } : {}) });
      return { requestId: r.id, decision };
    },
    redirect: () => '/access/inbox',
  });

  action(app, deps, {
    path: '/access/grants/:id/extend',
    tag: 'access',
    summary: "Move a grant's expiry later by some days, within its level's maximum",
    params: ID,
    body: { days: { type: 'integer', minimum: 1 } },
    required: ['days'],
    async run(req) {
      const g = await getGrant(deps.db, idOf(req));
      const viewer = await authorise(deps, req, 'extend', { sourceId: g.sourceId, source: g.source, holder: g.principal.name });
      const days = Number((req.body as { days: number | string }).days);
      if (!Number.isInteger(days) || days < 1) throw new HttpError(400, `days: ${JSON.stringify((req.body as { days: unknown }).days)} is not a whole number of days, at least 1`);
      return extendAccess(deps, { grantId: g.id, days, by: viewer.name });
    },
    redirect: () => '/access/mine',
  });

  action(app, deps, {
    path: '/access/grants/:id/give-up',
    tag: 'access',
    summary: 'End a grant of ones own now',
    params: ID,
    async run(req) {
      const g = await getGrant(deps.db, idOf(req));
      const viewer = await authorise(deps, req, 'give-up', { sourceId: g.sourceId, source: g.source, holder: g.principal.name });
      return giveUpAccess(deps, { grantId: g.id, by: viewer.name });
    },
    redirect: () => '/access/mine',
  });

  action(app, deps, {
    path: '/access/grants/:id/revoke',
    tag: 'access',
    summary: 'Revoke a grant now, with a reason (owners and admins)',
    params: ID,
    body: { reason: { type: 'string', minLength: 3, maxLength: 500 }, source: { type: 'string' } },
    required: ['reason'],
    async run(req) {
      const g = await getGrant(deps.db, idOf(req));
      const viewer = await authorise(deps, req, 'revoke', { sourceId: g.sourceId, source: g.source, holder: g.principal.name });
      return revokeAccess(deps, { grantId: g.id, by: viewer.name, reason: (req.body as { reason: string }).reason });
    },
    redirect: (_r, req) => {
      const from = (req.body as { source?: string }).source;
      return from ? `/sources/${urlPart(from)}/access` : '/access/log';
    },
  });
}
