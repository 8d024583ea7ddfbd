// The development sign-in: pick a registered user and act as them. It exists only while no trusted identity
// header is configured, and every page says so in a banner.
import type { FastifyInstance } from 'fastify';
import { listPrincipals } from '../../db/governance';
import { html } from '../html';
import { cookie, SIGNIN_COOKIE, type Signer } from '../identity';
import { csrfField } from '../layout';
import { sendPage, type WebDeps } from '../server';
import { HttpError } from '../viewer';

export function registerSignIn(app: FastifyInstance, deps: WebDeps, signer: Signer): void {
  const enabled = () => {
    if (!deps.config.web.devSignIn) throw new HttpError(404, 'sign-in happens at the SSO proxy in front of the catalog');
  };
  app.get('/signin', { schema: { hide: true } }, async (req, reply) => {
    enabled();
    const users = (await listPrincipals(deps.db)).filter((p) => p.kind === 'user');
    const content = html`<section class="signin">
<h1>Development sign-in</h1>
<p class="warning">Anyone can pick anyone here. This page exists only while LAKE_WEB_IDENTITY_HEADER is not set.</p>
${users.length === 0
  ? html`<p>No users are registered yet: <code>lake access principal add NAME</code> registers one.</p>`
  : html`<ul class="principals">${users.map((u) => html`<li><form method="post" action="/signin">${csrfField(req.csrf)}<input type="hidden" name="name" value="${u.name}"><button type="submit" data-principal="${u.name}">${u.name}</button>${u.email ? html` <span class="muted">${u.email}</span>` : ''}</form></li>`)}</ul>`}
</section>`;
    return sendPage(reply, req, content, 'Sign in', deps);
  });
  app.post('/signin', { schema: { hide: true, body: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['name'] } } }, async (req, reply) => {
    enabled();
    const { name } = req.body as { name: string };
    const users = (await listPrincipals(deps.db)).filter((p) => p.kind === 'user' && p.name === name);
    if (users.length === 0) throw new HttpError(400, `no user named ${JSON.stringify(name)} is registered`);
    reply.header('set-cookie', cookie(SIGNIN_COOKIE, signer.signIn(req.sessionId, name)));
    return reply.redirect('/sources', 303);
  });
  app.post('/signout', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('set-cookie', cookie(SIGNIN_COOKIE, '', { maxAgeSeconds: 0 }));
    return reply.redirect('/sources', 303);
  });
}
