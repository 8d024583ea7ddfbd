// The web catalog's server: Fastify with server-rendered pages, each with a JSON twin under /api whose
// OpenAPI document is generated from the same route schemas. Pages read through the named queries and the
// client layer the CLI uses; nothing here writes SQL.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { LakeConfig } from '../config';
import { catalogKey } from '../db/storage-access';
import { UnknownPrincipalError } from '../db/catalog';
import { ColumnMetadataError, UnknownVersionError } from '../db/metadata';
import { UnknownSourceError } from '../db/sources';
import { GovernanceError } from '../governance/levels';
import { InvalidSourceError } from '../crawl/source';
import { NoWorkerError } from '../client/preview';
import type { Html } from './html';
import { CSRF_FIELD, CSRF_HEADER, cookie, newSessionId, parseCookies, SESSION_COOKIE, Signer, type Viewer } from './identity';
import { layout, errorPage, type PageContext } from './layout';
import { HttpError, resolveViewer } from './viewer';
import { registerRoutes } from './routes';

export interface WebDeps {
  db: Knex;
  config: LakeConfig;
  temporal: () => Promise<Client>;
}

declare module 'fastify' {
  interface FastifyRequest {
    sessionId: string;
    viewer: Viewer | null;
    csrf: string;
  }
}

/** What every page is served with: scripts and styles from this server only, nothing inline, no framing. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const ASSETS: Record<string, { file: string; type: string }> = {
  'htmx.min.js': { file: require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'app.js': { file: path.join(__dirname, 'assets', 'app.js'), type: 'text/javascript; charset=utf-8' },
  'app.css': { file: path.join(__dirname, 'assets', 'app.css'), type: 'text/css; charset=utf-8' },
  'tabs.css': { file: path.join(__dirname, 'assets', 'tabs.css'), type: 'text/css; charset=utf-8' },
};

export async function buildServer(deps: WebDeps, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, trustProxy: false, bodyLimit: 256 * 1024 });
  const signer = new Signer(await catalogKey(deps.db, 'web-session', () => randomBytes(32).toString('base64url')));

  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'lake catalog', version: '1', description: 'The JSON twins of the web catalog\'s pages, and its actions.' },
    },
    hideUntagged: true,
  });

  app.addHook('onRequest', async (req, reply) => {
    // assets and probes need no session, and would otherwise look the viewer up on every file
    if ((req.routeOptions.config as { sessionless?: boolean } | undefined)?.sessionless) return;
    const cookies = parseCookies(req.headers.cookie);
    let sessionId = cookies.get(SESSION_COOKIE);
    if (!sessionId || !/^[A-Za-z0-9_-]{20,40}$/.test(sessionId)) {
      sessionId = newSessionId();
      reply.header('set-cookie', cookie(SESSION_COOKIE, sessionId));
    }
    req.sessionId = sessionId;
    req.csrf = signer.csrfToken(sessionId);
    req.viewer = await resolveViewer(deps, signer, req, cookies);
  });

  // unsafe methods need the token of this browser's session, from the header (htmx, API) or the form;
  // checked once the body is parsed and before it is validated, so a forged form learns nothing more
  app.addHook('preValidation', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const header = req.headers[CSRF_HEADER];
    const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    const token = typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
    if (!signer.csrfValid(req.sessionId, token)) throw new HttpError(403, 'this form has expired or did not come from the catalog\'s own page: reload the page and try again');
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    return payload;
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status = statusOf(error);
    const message = status >= 500 ? `the catalog failed to answer: ${error.message}` : error.message;
    if (status >= 500) req.log.error(error);
    reply.code(status);
    if (req.url.startsWith('/api/')) return reply.send({ error: message, status, ...(error instanceof GovernanceError && error.problems.length ? { problems: error.problems } : {}) });
    return sendPage(reply, req, errorPage(status, message), 'Error', deps);
  });

  app.setNotFoundHandler(async (req, reply) => {
    reply.code(404);
    if (req.url.startsWith('/api/')) return reply.send({ error: `no such address: ${req.url}`, status: 404 });
    return sendPage(reply, req, errorPage(404, `no such page: ${req.url}`), 'Not found', deps);
  });

  app.get('/assets/:name', { schema: { hide: true }, config: { sessionless: true } }, async (req, reply) => {
    const asset = ASSETS[(req.params as { name: string }).name];
    if (!asset || !existsSync(asset.file)) throw new HttpError(404, 'no such asset');
    reply.header('content-type', asset.type).header('cache-control', 'no-cache');
    return readFileSync(asset.file);
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true }, config: { sessionless: true } }, async () => ({ ok: true }));

  await registerRoutes(app, deps, signer);
  return app;
}

/** What the catalog's own refusals mean in HTTP: the thing is not there, or the input is wrong. */
function statusOf(error: Error & { statusCode?: number; validation?: unknown }): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof UnknownSourceError || error instanceof UnknownVersionError || error instanceof UnknownPrincipalError) return 404;
  if (error instanceof GovernanceError || error instanceof ColumnMetadataError || error instanceof InvalidSourceError || error.validation) return 400;
  if (error instanceof NoWorkerError) return 503;
  return error.statusCode ?? 500;
}

export function pageContext(req: FastifyRequest, deps: Pick<WebDeps, 'config'>): PageContext {
  return { viewer: req.viewer, csrf: req.csrf, devSignIn: deps.config.web.devSignIn, path: req.url, temporalUiUrl: deps.config.web.temporalUiUrl, namespace: deps.config.temporal.namespace };
}

/** htmx asks for a fragment of the page it already shows; a boosted link or a plain request wants a page. */
export function wantsFragment(req: FastifyRequest): boolean {
  return req.headers['hx-request'] === 'true' && req.headers['hx-boosted'] !== 'true';
}

export function sendPage(reply: FastifyReply, req: FastifyRequest, content: Html, title: string, deps: Pick<WebDeps, 'config'>, opts: { full?: boolean } = {}): FastifyReply {
  const body = !opts.full && wantsFragment(req) ? content : layout(title, content, pageContext(req, deps));
  return reply.type('text/html; charset=utf-8').send(body.text);
}

