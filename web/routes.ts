// Every page and action, registered once. A page is a loader (the data, served as JSON under /api) and a
// renderer (that data as HTML): the twin rule lives in `twin` so no page can have one without the other.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Html } from './html';
import type { Signer } from './identity';
import { pageContext, sendPage, wantsFragment, type WebDeps } from './server';
import type { PageContext } from './layout';
import { registerSignIn } from './pages/signin';
import { registerSourcePages } from './pages/source';
import { registerSourceActions } from './pages/source-actions';
import { registerAccessRequest } from './pages/access-request';
import { registerAccessPages } from './pages/access';
import { registerSourceList } from './pages/sources';

export interface Twin<D> {
  /** The page's address, e.g. `/sources/:name`; its twin is the same under `/api`. */
  path: string;
  summary: string;
  tag: string;
  params?: Record<string, unknown>;
  querystring?: Record<string, unknown>;
  load(req: FastifyRequest): Promise<D>;
  render(data: D, ctx: PageContext): Html;
  /** What htmx swaps in place of the part it asked for; without it, htmx gets the whole page. */
  fragment?(data: D, ctx: PageContext): Html;
  title(data: D): string;
}

export function twin<D>(app: FastifyInstance, deps: WebDeps, t: Twin<D>): void {
  const schema = {
    ...(t.params ? { params: { type: 'object', properties: t.params, required: Object.keys(t.params) } } : {}),
    ...(t.querystring ? { querystring: { type: 'object', properties: t.querystring } } : {}),
  };
  app.get(`/api${t.path}`, { schema: { ...schema, tags: [t.tag], summary: t.summary } }, async (req) => t.load(req));
  app.get(t.path, { schema: { ...schema, hide: true } }, async (req, reply) => {
    const data = await t.load(req);
    const ctx = pageContext(req, deps);
    if (t.fragment && wantsFragment(req)) return reply.type('text/html; charset=utf-8').send(t.fragment(data, ctx).text);
    return sendPage(reply, req, t.render(data, ctx), t.title(data), deps, { full: true });
  });
}

export interface Action<R> {
  /** The form's address, e.g. `/sources/:name/crawl`; its twin is the same under `/api`, taking JSON. */
  path: string;
  summary: string;
  tag: string;
  params?: Record<string, unknown>;
  body?: Record<string, unknown>;
  required?: string[];
  run(req: FastifyRequest): Promise<R>;
  /** What htmx swaps in after the action. */
  fragment?(result: R, req: FastifyRequest, ctx: PageContext): Html;
  /** Where a plain form goes afterwards (303). */
  redirect(result: R, req: FastifyRequest): string;
}

export function action<R>(app: FastifyInstance, deps: WebDeps, a: Action<R>): void {
  const schema = actionSchema(a.tag, a.summary, a.body ?? {}, a.required ?? [], a.params);
  app.post(`/api${a.path}`, { schema }, async (req) => a.run(req));
  app.post(a.path, { schema: { ...schema, hide: true } }, async (req, reply) => {
    const result = await a.run(req);
    if (req.headers['hx-request'] === 'true' && a.fragment) return reply.type('text/html; charset=utf-8').send(a.fragment(result, req, pageContext(req, deps)).text);
    return reply.redirect(a.redirect(result, req), 303);
  });
}

/** Body schema of an action: form fields (HTML) or JSON (API), the same names either way. */
export function actionSchema(tag: string, summary: string, body: Record<string, unknown>, required: string[] = [], params?: Record<string, unknown>) {
  return {
    tags: [tag],
    summary,
    ...(params ? { params: { type: 'object', properties: params, required: Object.keys(params) } } : {}),
    // an action without fields may be posted without a body
    ...(Object.keys(body).length ? { body: { type: 'object', properties: { _csrf: { type: 'string' }, ...body }, required } } : {}),
  };
}

export async function registerRoutes(app: FastifyInstance, deps: WebDeps, signer: Signer): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/sources'));
  registerSignIn(app, deps, signer);
  registerSourceList(app, deps);
  registerSourcePages(app, deps);
  registerSourceActions(app, deps);
  registerAccessRequest(app, deps);
  registerAccessPages(app, deps);
}
