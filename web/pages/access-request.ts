// The access request form: a level with what it means, days up to that level's maximum, and a reason.
// The viewer asks for themselves; the source's owners decide in their approvals inbox.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestAccess, type AccessRequest } from '../../db/governance';
import { getSource } from '../../db/sources';
import { ACCESS_LEVELS, GovernanceError, LEVEL_IDS, type GovernanceProblem } from '../../governance/levels';
import { html, urlPart, type Html } from '../html';
import { csrfField, type PageContext } from '../layout';
import { actionSchema } from '../routes';
import { pageContext, sendPage, type WebDeps } from '../server';
import { requireViewer } from '../viewer';

interface FormState {
  source: string;
  level?: string;
  days?: string;
  reason?: string;
  problems?: GovernanceProblem[];
}

function renderForm(f: FormState, ctx: PageContext): Html {
  const problem = (field: string) => f.problems?.filter((p) => p.field === field).map((p) => html`<span class="error-text">${p.reason}</span>`);
  return html`<section class="request">
<h1>Request access to <a href="/sources/${urlPart(f.source)}">${f.source}</a></h1>
${f.problems?.length ? html`<div class="notice" role="alert">The request was not sent: ${f.problems.map((p) => html`<div>${p.field}: ${p.reason}</div>`)}</div>` : ''}
<form class="stack" method="post" action="/access/requests">
  ${csrfField(ctx.csrf)}
  <input type="hidden" name="source" value="${f.source}">
  <fieldset class="levels"><legend>Level</legend>
  ${LEVEL_IDS.map((id) => {
    const l = ACCESS_LEVELS[id];
    return html`<label class="level"><input type="radio" name="level" value="${id}"${(f.level ?? 'A-2') === id ? html` checked` : ''}> <strong>${id}</strong> ${l.title} <span class="hint">${l.description}; at most ${l.maxDays} days</span></label>`;
  })}
  ${problem('level')}
  </fieldset>
  <label>Days <span class="hint">up to the level's maximum</span><input type="number" name="days" min="1" max="365" required value="${f.days ?? '7'}">${problem('days')}</label>
  <label>Reason <span class="hint">what you will use it for; the owners read this</span><textarea name="reason" rows="3" required minlength="3" maxlength="2000">${f.reason ?? ''}</textarea>${problem('reason')}</label>
  <div><button type="submit" class="primary">Send request</button></div>
</form>
</section>`;
}

export function registerAccessRequest(app: FastifyInstance, deps: WebDeps): void {
  app.get('/access/request', { schema: { hide: true, querystring: { type: 'object', properties: { source: { type: 'string' } }, required: ['source'] } } }, async (req, reply) => {
    requireViewer(req);
    const s = await getSource(deps.db, (req.query as { source: string }).source);
    return sendPage(reply, req, renderForm({ source: s.name }, pageContext(req, deps)), `Request access to ${s.name}`, deps);
  });

  const body = { source: { type: 'string' }, level: { type: 'string' }, days: { type: 'integer', minimum: 1 }, reason: { type: 'string' } };
  const send = (req: FastifyRequest): Promise<AccessRequest> => {
    const viewer = requireViewer(req);
    const b = req.body as { source: string; level: string; days: number | string; reason: string };
    return requestAccess(deps.db, { principal: { name: viewer.name, kind: viewer.kind }, source: b.source, level: b.level, days: Number(b.days), reason: b.reason ?? '', requestedBy: viewer.name });
  };
  app.post('/api/access/requests', { schema: actionSchema('access', 'Ask for access to a source at a level for some days, with a reason; the owners decide', body, ['source', 'level', 'days', 'reason']) }, async (req) => send(req));
  // the form's own errors (days out of range, no reason) come back on the form, so only the source is checked here
  app.post('/access/requests', { schema: { hide: true, body: { type: 'object', properties: { source: body.source }, required: ['source'] } } }, async (req, reply) => {
    try {
      const r = await send(req);
      return reply.redirect(`/access/mine?requested=${r.id}`, 303);
    } catch (e) {
      if (!(e instanceof GovernanceError)) throw e;
      const b = req.body as FormState;
      reply.code(400);
      return sendPage(reply, req, renderForm({ source: b.source, level: b.level, days: String(b.days ?? ''), reason: b.reason, problems: e.problems.length ? e.problems : [{ field: 'request', reason: e.message }] }, pageContext(req, deps)), 'Request access', deps);
    }
  });
}
