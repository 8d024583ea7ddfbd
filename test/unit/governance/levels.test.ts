import { describe, expect, it } from 'vitest';
import {
  ACCESS_LEVELS,
  DAY_MS,
  extendProblem,
  grantDeadlines,
  LEVEL_IDS,
  levelOf,
  principalProblems,
  privilegesToTakeBack,
  validateAccessRequest,
  warningTime,
  type AccessRequestInput,
} from '../../../governance/levels';

const good: AccessRequestInput = {
  principal: { name: 'alice', kind: 'user' },
  source: 'events',
  level: 'A-4',
  days: 30,
  reason: 'quarterly churn analysis',
  requestedBy: 'alice',
};

describe('access levels', () => {
  it('defines A-1 to A-5, metadata-only levels granting nothing in the metastore and read levels SELECT', () => {
    expect(LEVEL_IDS).toEqual(['A-1', 'A-2', 'A-3', 'A-4', 'A-5']);
    expect(ACCESS_LEVELS['A-1'].metastorePrivileges).toEqual([]);
    expect(ACCESS_LEVELS['A-2'].metastorePrivileges).toEqual([]);
    for (const id of ['A-3', 'A-4', 'A-5'] as const) expect(ACCESS_LEVELS[id].metastorePrivileges).toEqual(['SELECT']);
  });

  it('shows samples from A-2 up and identified columns only at A-5', () => {
    expect(LEVEL_IDS.filter((id) => ACCESS_LEVELS[id].samplesVisible)).toEqual(['A-2', 'A-3', 'A-4', 'A-5']);
    expect(LEVEL_IDS.filter((id) => ACCESS_LEVELS[id].identifiedColumnsVisible)).toEqual(['A-5']);
  });

  it('allows shorter maximum periods the more a level reveals', () => {
    const max = LEVEL_IDS.map((id) => ACCESS_LEVELS[id].maxDays);
    expect([...max].sort((a, b) => b - a)).toEqual(max);
  });

  it('knows no level outside the list, including object prototype names', () => {
    expect(levelOf('A-6')).toBeUndefined();
    expect(levelOf('toString')).toBeUndefined();
    expect(levelOf('A-3')?.title).toBe('read de-identified');
  });
});

describe('validating access requests', () => {
  it('accepts a well-formed request', () => {
    expect(validateAccessRequest(good)).toEqual([]);
  });

  it('names an unknown level and lists the known ones', () => {
    expect(validateAccessRequest({ ...good, level: 'A-9' })).toEqual([{ field: 'level', reason: 'unknown level "A-9" (one of A-1, A-2, A-3, A-4, A-5)' }]);
  });

  it('refuses a period above the level maximum, saying the maximum', () => {
    const problems = validateAccessRequest({ ...good, level: 'A-5', days: 31 });
    expect(problems).toEqual([{ field: 'days', reason: '31 days is above the maximum of 30 for A-5 (read identified)' }]);
    expect(validateAccessRequest({ ...good, level: 'A-5', days: 30 })).toEqual([]);
  });

  it('refuses zero, negative and fractional periods', () => {
    for (const days of [0, -1, 1.5, NaN]) expect(validateAccessRequest({ ...good, days }).map((p) => p.field)).toEqual(['days']);
  });

  it('refuses a bad principal name or kind and an empty reason, all at once', () => {
    const problems = validateAccessRequest({ ...good, principal: { name: 'bob smith', kind: 'robot' }, reason: ' ' });
    expect(problems.map((p) => p.field)).toEqual(['principal.name', 'principal.kind', 'reason']);
    expect(principalProblems({ name: 'data-eng@corp', kind: 'group' })).toEqual([]);
  });
});

describe('grant deadlines', () => {
  const approvedAt = Date.parse('2026-01-01T00:00:00Z');

  it('expires after the requested days and caps extensions at the level maximum from approval', () => {
    const d = grantDeadlines(ACCESS_LEVELS['A-4'], 30, approvedAt);
    expect(new Date(d.expiresAt).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(new Date(d.maxExpiresAt).toISOString()).toBe('2026-03-02T00:00:00.000Z'); // 60 days
    expect(d.warnBeforeMs).toBe(3 * DAY_MS);
  });

  it('scales with the length of a day, so tests can grant for seconds', () => {
    const d = grantDeadlines(ACCESS_LEVELS['A-3'], 5, 0, 1000, 2);
    expect(d).toEqual({ expiresAt: 5000, maxExpiresAt: 90_000, warnBeforeMs: 2000 });
  });

  it('warns the configured time before expiry, never before the grant starts', () => {
    expect(warningTime(10 * DAY_MS, 3 * DAY_MS)).toBe(7 * DAY_MS);
    expect(warningTime(2 * DAY_MS, 3 * DAY_MS, 0)).toBe(0);
  });
});

describe('extending a grant', () => {
  const base = { now: 1000, status: 'active' as const, maxExpiresAt: 10_000 };

  it('accepts a new expiry in the future within the maximum', () => {
    expect(extendProblem({ ...base, until: 9000 })).toBeUndefined();
    expect(extendProblem({ ...base, until: 10_000 })).toBeUndefined();
  });

  it('refuses a date in the past, beyond the maximum, or on a grant that is not active', () => {
    expect(extendProblem({ ...base, until: 500 })).toMatch(/not in the future/);
    expect(extendProblem({ ...base, until: 10_001 })).toMatch(/beyond the level's maximum/);
    expect(extendProblem({ ...base, status: 'expired', until: 5000 })).toMatch(/grant is expired, not active/);
    expect(extendProblem({ ...base, until: NaN })).toMatch(/not a date/);
  });
});

describe('privilegesToTakeBack', () => {
  const view = { database: 'lake', table: 'events__no_identifying' };
  const other = { database: 'lake', table: 'clicks__no_identifying' };
  const grant = (id: number, name: string, table = view, privileges = ['SELECT'], kind = 'user') => ({ id, principal: { name, kind }, table, privileges });

  it('keeps a privilege another live grant of the same principal on the same table still needs', () => {
    expect(privilegesToTakeBack([grant(1, 'alice')], [grant(2, 'alice')])).toEqual([[]]);
    expect(privilegesToTakeBack([grant(1, 'alice')], [grant(2, 'alice', other)])).toEqual([['SELECT']]);
    expect(privilegesToTakeBack([grant(1, 'alice')], [grant(2, 'bob')])).toEqual([['SELECT']]);
    expect(privilegesToTakeBack([grant(1, 'alice')], [grant(2, 'alice', view, ['SELECT'], 'group')])).toEqual([['SELECT']]);
  });

  it('takes back from every grant ending together what none staying needs, whatever the case of the privilege', () => {
    // both of bob's grants end: each gives SELECT up (the metastore revokes it once)
    expect(privilegesToTakeBack([grant(1, 'bob'), grant(2, 'bob')], [grant(1, 'bob'), grant(2, 'bob')])).toEqual([['SELECT'], ['SELECT']]);
    expect(privilegesToTakeBack([grant(1, 'carol', view, ['SELECT', 'INSERT'])], [grant(3, 'carol', view, ['select'])])).toEqual([['INSERT']]);
    expect(privilegesToTakeBack([], [grant(3, 'carol')])).toEqual([]);
  });
});
