// The viewer of a request, and the refusals pages answer with. Authorisation itself is the pure rule in
// governance/authority.ts; this only finds out who is asking.
import type { FastifyRequest } from 'fastify';
import { addPrincipal, findPrincipal } from '../db/governance';
import { isAdmin } from '../db/owners';
import type { WebDeps } from './server';
import { plausiblePrincipalName, SIGNIN_COOKIE, type Signer, type Viewer } from './identity';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export async function resolveViewer(deps: WebDeps, signer: Signer, req: FastifyRequest, cookies: Map<string, string>): Promise<Viewer | null> {
  const { identityHeader, devSignIn } = deps.config.web;
  let name: string | undefined;
  if (identityHeader) {
    const value = req.headers[identityHeader];
    name = typeof value === 'string' ? value.trim() : undefined;
    if (!name || !plausiblePrincipalName(name)) return null;
    // the proxy vouches for the person: the catalog learns of them on their first visit
    if (!(await findPrincipal(deps.db, { name, kind: 'user' }))) await addPrincipal(deps.db, { name, kind: 'user' }, `sso:${identityHeader}`);
  } else if (devSignIn) {
    name = signer.signedInName(req.sessionId, cookies.get(SIGNIN_COOKIE));
    if (!name || !(await findPrincipal(deps.db, { name, kind: 'user' }))) return null;
  }
  if (!name) return null;
  return { name, kind: 'user', admin: await isAdmin(deps.db, name) };
}

export function requireViewer(req: FastifyRequest): Viewer {
  if (!req.viewer) throw new HttpError(401, 'sign in first');
  return req.viewer;
}
