import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from '../../../web/html';
import { parseCookies, Signer } from '../../../web/identity';

const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' onmouseover='x", '`${x}`', '&lt;already&gt;'];

describe('html', () => {
  it('escapes every interpolated string, in content and in attributes', () => {
    for (const h of HOSTILE) {
      const out = html`<td title="${h}">${h}</td>`.text;
      expect(out).not.toContain('<script');
      expect(out).not.toContain('<img');
      expect(out).not.toMatch(/"\s*onerror=/);
      expect(out).toBe(`<td title="${escapeHtml(h)}">${escapeHtml(h)}</td>`);
    }
  });

  it('keeps Html, joins arrays and drops null, undefined and false', () => {
    const rows = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${rows}</ul>${null}${undefined}${false}${0}`.text).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
    expect(html`${raw('<br>')}`.text).toBe('<br>');
  });

  it('does not treat an object that merely looks like Html as trusted', () => {
    const fake = { text: '<script>x</script>' } as unknown as string;
    expect(html`${fake}`.text).not.toContain('<script');
  });
});

describe('identity', () => {
  const signer = new Signer('k'.repeat(32));

  it('binds the CSRF token to the session', () => {
    const t = signer.csrfToken('session-a-xxxxxxxxxxxxxx');
    expect(signer.csrfValid('session-a-xxxxxxxxxxxxxx', t)).toBe(true);
    expect(signer.csrfValid('session-b-xxxxxxxxxxxxxx', t)).toBe(false);
    expect(signer.csrfValid('session-a-xxxxxxxxxxxxxx', undefined)).toBe(false);
    expect(signer.csrfValid('session-a-xxxxxxxxxxxxxx', t.slice(1))).toBe(false);
  });

  it('accepts a development sign-in only with its own session and an untouched name', () => {
    const v = signer.signIn('s1-xxxxxxxxxxxxxxxxxxxx', 'ana');
    expect(signer.signedInName('s1-xxxxxxxxxxxxxxxxxxxx', v)).toBe('ana');
    expect(signer.signedInName('s2-xxxxxxxxxxxxxxxxxxxx', v)).toBeUndefined();
    const forged = `${Buffer.from('admin').toString('base64url')}.${v.split('.')[1]}`;
    expect(signer.signedInName('s1-xxxxxxxxxxxxxxxxxxxx', forged)).toBeUndefined();
    expect(new Signer('other-key-yyyyyyyyyyyyyyyyyyyyyy').signedInName('s1-xxxxxxxxxxxxxxxxxxxx', v)).toBeUndefined();
  });

  it('parses cookies and ignores ones it cannot decode', () => {
    const c = parseCookies('a=1; lake_session=abc%20d; bad=%E0%A4%A; =x');
    expect(c.get('a')).toBe('1');
    expect(c.get('lake_session')).toBe('abc d');
    expect(c.has('bad')).toBe(false);
  });
});
