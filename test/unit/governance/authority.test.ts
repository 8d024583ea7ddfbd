import { describe, expect, it } from 'vitest';
import { ACTIONS, may, type Action } from '../../../governance/authority';
import { ACCESS_LEVELS, highestLevel, visibleSamples } from '../../../governance/levels';

const admin = { name: 'root', admin: true };
const owner = { name: 'olga', admin: false };
const analyst = { name: 'ana', admin: false };
const stranger = { name: 'sam', admin: false };
const about = { owners: ['olga', 'otto'], holder: 'ana', requester: 'rick' };

const OWNER_ACTIONS: Action[] = ['approve', 'reject', 'revoke', 'edit-metadata', 'crawl', 'activate'];

describe('may: who may do what', () => {
  it('lets an admin do every action, on any source, owned or not', () => {
    for (const a of ACTIONS) {
      expect(may(admin, a, about)).toBe(true);
      expect(may(admin, a, { owners: [] })).toBe(true);
    }
  });

  it('lets nobody signed out do anything, not even request', () => {
    for (const a of ACTIONS) {
      expect(may(null, a, about)).toBe(false);
      expect(may(undefined, a, about)).toBe(false);
      expect(may({ name: '', admin: false }, a, { owners: [''] })).toBe(false);
    }
  });

  it('lets owners approve, reject, revoke, edit metadata, crawl and activate; others not', () => {
    for (const a of OWNER_ACTIONS) {
      expect(may(owner, a, about)).toBe(true);
      expect(may(analyst, a, about)).toBe(false); // the holder of a grant is not an owner
      expect(may(stranger, a, about)).toBe(false);
      expect(may(owner, a, { owners: [] })).toBe(false); // owning another source gives nothing here
    }
  });

  it('lets anybody signed in request access', () => {
    expect(may(stranger, 'request', { owners: [] })).toBe(true);
  });

  it('lets the holder, owners and admins extend or give up a grant, and nobody else', () => {
    for (const a of ['extend', 'give-up'] as Action[]) {
      expect(may(analyst, a, about)).toBe(true);
      expect(may(owner, a, about)).toBe(true);
      expect(may(stranger, a, about)).toBe(false);
      expect(may({ name: 'rick', admin: false }, a, about)).toBe(false); // who asked is not who holds
      expect(may(analyst, a, { owners: [] })).toBe(false); // no holder named: not the holder's grant
    }
  });

  it('lets the requester or the principal asked for cancel a request; not owners', () => {
    expect(may({ name: 'rick', admin: false }, 'cancel', about)).toBe(true);
    expect(may(analyst, 'cancel', about)).toBe(true);
    expect(may(owner, 'cancel', about)).toBe(false); // owners reject instead
    expect(may(stranger, 'cancel', about)).toBe(false);
  });

  it('shows the whole access log to admins only', () => {
    expect(may(owner, 'see-all-log', about)).toBe(false);
    expect(may(analyst, 'see-all-log', about)).toBe(false);
  });

  it('compares names exactly: no case folding, no prefix, markup is just a name', () => {
    expect(may({ name: 'OLGA', admin: false }, 'approve', about)).toBe(false);
    expect(may({ name: 'olg', admin: false }, 'approve', about)).toBe(false);
    const odd = '<script>alert(1)</script>';
    expect(may({ name: odd, admin: false }, 'approve', { owners: [odd] })).toBe(true);
    expect(may({ name: odd, admin: false }, 'approve', { owners: ['"><img onerror=x>'] })).toBe(false);
  });
});

describe('what a level shows', () => {
  it('takes the highest held level, and null without one', () => {
    expect(highestLevel(['A-2', 'A-4', 'A-3'])?.id).toBe('A-4');
    expect(highestLevel([])).toBeNull();
  });

  it('shows no samples without a grant or below A-2, and all (masked upstream) from A-2 or to the operator', () => {
    const samples = [{ a: 1 }, { a: 2 }];
    expect(visibleSamples(samples, null)).toEqual([]);
    expect(visibleSamples(samples, ACCESS_LEVELS['A-1'])).toEqual([]);
    expect(visibleSamples(samples, ACCESS_LEVELS['A-2'])).toEqual(samples);
    expect(visibleSamples(samples, ACCESS_LEVELS['A-5'])).toEqual(samples);
    expect(visibleSamples(samples, undefined)).toEqual(samples);
  });
});
