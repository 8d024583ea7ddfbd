// Who is asking, and whether a form really came from our own page. Identity comes from a trusted header
// an SSO proxy sets (LAKE_WEB_IDENTITY_HEADER) or, locally, from a development sign-in cookie signed with a
// key only the catalog holds. Every unsafe request carries a CSRF token bound to the browser's session
// cookie: a page of another site can neither read the token nor, with SameSite=Strict, send the cookie.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Viewer {
  name: string;
  kind: 'user';
  admin: boolean;
}

export const SESSION_COOKIE = 'lake_session';
export const SIGNIN_COOKIE = 'lake_signin';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      out.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // a cookie we did not write: ignore it
    }
  }
  return out;
}

export function cookie(name: string, value: string, opts: { maxAgeSeconds?: number } = {}): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict${opts.maxAgeSeconds !== undefined ? `; Max-Age=${opts.maxAgeSeconds}` : ''}`;
}

export function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

export class Signer {
  constructor(private readonly key: string) {}

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${value}`).digest('base64url');
  }

  private same(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }

  csrfToken(sessionId: string): string {
    return this.mac('csrf', sessionId);
  }

  csrfValid(sessionId: string | undefined, token: string | undefined): boolean {
    return !!sessionId && !!token && this.same(this.csrfToken(sessionId), token);
  }

  /** `<name>.<mac>`: the development sign-in, bound to the session so a copied cookie alone is useless. */
  signIn(sessionId: string, name: string): string {
    return `${Buffer.from(name).toString('base64url')}.${this.mac('signin', `${sessionId}\n${name}`)}`;
  }

  signedInName(sessionId: string | undefined, value: string | undefined): string | undefined {
    if (!sessionId || !value) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const name = Buffer.from(value.slice(0, dot), 'base64url').toString();
    return this.same(this.mac('signin', `${sessionId}\n${name}`), value.slice(dot + 1)) ? name : undefined;
  }
}

/** Names a principal may have when it arrives by header: what `lake access principal add` accepts. */
export function plausiblePrincipalName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && !/[\u0000-\u001f]/.test(name);
}
