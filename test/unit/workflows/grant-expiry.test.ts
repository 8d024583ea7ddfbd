// grant/<id> against a fake catalog: when the warning and the revocation happen on the clock, and how an
// extension or a revocation sent while the workflow waits meets its timer. The fakes keep a grant's times
// as the catalog does (an ended grant is never extended; an expiry that is not due changes nothing) and
// note the time of every call.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '../../integration/setup';
import { startWorkflowTestBed, type WorkflowTestBed } from './environment';

type Status = 'pending' | 'active' | 'expired' | 'revoked';

interface FakeGrant {
  status: Status;
  createdAt: number;
  expiresAt: number;
  maxExpiresAt: number;
  warnBeforeMs: number;
  warnedFor: number | null;
  /** How long the catalog takes to record an extension, and to look at the grant before recording a warning. */
  extendTakesMs: number;
  warnTakesMs: number;
}

interface Call {
  name: string;
  at: number;
  input: { grantId: number; kind?: string; by?: string; until?: number };
  outcome?: 'done' | 'refused';
}

interface GrantState {
  phase: string;
  expiresAt: string;
  warnAt: string;
  warned: boolean;
  extensions: number;
  verification?: string;
}

const grants = new Map<number, FakeGrant>();
const calls: Call[] = [];
let nextGrantId = 1;

function timesOf(grantId: number) {
  const g = grants.get(grantId)!;
  return { grantId, status: g.status, source: 'orders', createdAt: g.createdAt, expiresAt: g.expiresAt, maxExpiresAt: g.maxExpiresAt, warnBeforeMs: g.warnBeforeMs, warnedFor: g.warnedFor };
}

function note(name: string, input: Call['input']): Call {
  const call = { name, at: Date.now(), input };
  calls.push(call);
  return call;
}

const live = (s: Status) => s === 'pending' || s === 'active';

// by the names grant-expiry calls through proxyActivities
const governance = {
  async applyGrant(input: { grantId: number }) {
    note('applyGrant', input);
    const g = grants.get(input.grantId)!;
    if (g.status === 'pending') g.status = 'active';
    return timesOf(input.grantId);
  },
  async warnGrant(input: { grantId: number; expiresAt?: number }) {
    note('warnGrant', input);
    const g = grants.get(input.grantId)!;
    await sleep(g.warnTakesMs);
    // as the catalog does: the warning is for the expiry the workflow saw, and none when it moved since
    if (input.expiresAt !== undefined && input.expiresAt !== g.expiresAt) return false;
    g.warnedFor = g.expiresAt;
    return true;
  },
  async extendGrant(input: { grantId: number; until: number; by: string }) {
    const call = note('extendGrant', input);
    const g = grants.get(input.grantId)!;
    await sleep(g.extendTakesMs);
    if (!live(g.status) || input.until > g.maxExpiresAt) {
      call.outcome = 'refused';
      throw ApplicationFailure.nonRetryable(`grant ${input.grantId}: extension refused: the grant is ${g.status}`, 'GrantExtendRefused');
    }
    g.expiresAt = input.until;
    call.outcome = 'done';
    return timesOf(input.grantId);
  },
  async revokeGrant(input: { grantId: number; kind: 'expired' | 'revoked'; by?: string; reason?: string }) {
    const call = note('revokeGrant', input);
    const g = grants.get(input.grantId)!;
    if (input.kind === 'expired' && live(g.status) && g.expiresAt > Date.now() + 1000) {
      call.outcome = 'refused';
      return { ...timesOf(input.grantId), revokedPrivileges: [] };
    }
    if (live(g.status)) g.status = input.kind;
    call.outcome = 'done';
    return { ...timesOf(input.grantId), revokedPrivileges: ['SELECT'] };
  },
  async verifyRevocation(input: { grantId: number }) {
    note('verifyRevocation', input);
    return { grantId: input.grantId, verified: true, verifiedAt: Date.now() };
  },
  async alertUnverifiedRevocation(input: { grantId: number; problem: string }) {
    note('alertUnverifiedRevocation', input);
    return null;
  },
  async deliverNotifications() {
    return { delivered: 0, failed: 0 };
  },
};

/** A grant approved now that expires in `expiresInMs`, warned `warnBeforeMs` before. */
function approveGrant(opts: { expiresInMs: number; warnBeforeMs: number; extendTakesMs?: number; warnTakesMs?: number }) {
  const grantId = nextGrantId++;
  const createdAt = Date.now();
  grants.set(grantId, {
    status: 'pending', createdAt, expiresAt: createdAt + opts.expiresInMs, maxExpiresAt: createdAt + 60_000,
    warnBeforeMs: opts.warnBeforeMs, warnedFor: null, extendTakesMs: opts.extendTakesMs ?? 0, warnTakesMs: opts.warnTakesMs ?? 0,
  });
  return { grantId, createdAt, expiresAt: createdAt + opts.expiresInMs, warnAt: createdAt + opts.expiresInMs - opts.warnBeforeMs };
}

const callsOf = (grantId: number, name: string) => calls.filter((c) => c.input.grantId === grantId && c.name === name);
/** The revocations that ended the grant (an expiry found not due changes nothing). */
const endsOf = (grantId: number) => callsOf(grantId, 'revokeGrant').filter((c) => c.outcome === 'done');

describe('grant/<id> on the clock, with a fake catalog', () => {
  let bed: WorkflowTestBed;

  beforeAll(async () => {
    bed = await startWorkflowTestBed(uniqueName('test-grant-expiry'), governance);
  }, 120_000);

  afterAll(async () => {
    await bed?.close();
  });

  const start = (grantId: number): Promise<WorkflowHandle> =>
    bed.env.client.workflow.start('grantExpiry', { taskQueue: bed.taskQueue, workflowId: `grant/${grantId}`, args: [{ grantId }] });
  const extend = (h: WorkflowHandle, until: number) => h.executeUpdate<GrantState, [{ until: string; by: string }]>('extend', { args: [{ until: new Date(until).toISOString(), by: 'owner' }] });
  const stateOf = (h: WorkflowHandle) => h.query<GrantState>('state');

  it('warns once, warnBefore ahead of the expiry, then revokes at the deadline and never before', { timeout: 30_000 }, async () => {
    const g = approveGrant({ expiresInMs: 4_000, warnBeforeMs: 2_000 });
    const handle = await start(g.grantId);
    const waiting = await waitFor('the grant applied', async () => {
      const s = await stateOf(handle);
      return s.phase === 'active' ? s : undefined;
    });
    expect(waiting).toMatchObject({ warned: false, warnAt: new Date(g.warnAt).toISOString(), expiresAt: new Date(g.expiresAt).toISOString() });

    const result = await handle.result();
    const warnings = callsOf(g.grantId, 'warnGrant');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.at).toBeGreaterThanOrEqual(g.warnAt);
    expect(warnings[0]!.at).toBeLessThan(g.expiresAt);
    const revocations = callsOf(g.grantId, 'revokeGrant');
    expect(revocations.map((c) => c.input.kind)).toEqual(['expired']);
    for (const c of revocations) expect(c.at).toBeGreaterThanOrEqual(g.expiresAt);
    expect(result).toMatchObject({ phase: 'expired', warned: true, extensions: 0, verification: 'verified' });
    expect(grants.get(g.grantId)!.status).toBe('expired');
    // the end (revoke, proof, delivery) ran in the worker as local activities: no activity task of its own
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [])).toEqual(['applyGrant', 'warnGrant', 'deliverNotifications']);
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(3);
  });

  it('an extension just before the warning moves the warning and the expiry to the new date', { timeout: 30_000 }, async () => {
    const g = approveGrant({ expiresInMs: 3_000, warnBeforeMs: 1_500 });
    const handle = await start(g.grantId);
    await sleep(g.warnAt - 700 - Date.now());
    const until = g.expiresAt + 2_500;
    const extended = await extend(handle, until);
    expect(extended).toMatchObject({ phase: 'active', warned: false, extensions: 1, expiresAt: new Date(until).toISOString() });

    const result = await handle.result();
    const warnings = callsOf(g.grantId, 'warnGrant');
    expect(warnings).toHaveLength(1); // none for the old date
    expect(warnings[0]!.at).toBeGreaterThanOrEqual(until - 1_500);
    for (const c of endsOf(g.grantId)) expect(c.at).toBeGreaterThanOrEqual(until);
    expect(endsOf(g.grantId)).toHaveLength(1);
    expect(result).toMatchObject({ phase: 'expired', extensions: 1, expiresAt: new Date(until).toISOString() });
  });

  it('an extension after the warning gets a warning of its own before the new expiry', { timeout: 30_000 }, async () => {
    const g = approveGrant({ expiresInMs: 3_000, warnBeforeMs: 1_500 });
    const handle = await start(g.grantId);
    await waitFor('the first warning', async () => callsOf(g.grantId, 'warnGrant').length > 0);
    const until = g.expiresAt + 3_000;
    await extend(handle, until);

    const result = await handle.result();
    const warnings = callsOf(g.grantId, 'warnGrant');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.at).toBeLessThan(g.expiresAt);
    expect(warnings[1]!.at).toBeGreaterThanOrEqual(until - 1_500);
    expect(warnings[1]!.at).toBeLessThan(until);
    expect(endsOf(g.grantId)).toHaveLength(1);
    expect(endsOf(g.grantId)[0]!.at).toBeGreaterThanOrEqual(until);
    expect(result).toMatchObject({ phase: 'expired', warned: true, extensions: 1 });
  });

  it('an extension still being recorded when the deadline passes wins: the expiry waits for it', { timeout: 30_000 }, async () => {
    const g = approveGrant({ expiresInMs: 2_500, warnBeforeMs: 1_000, extendTakesMs: 1_500 });
    const handle = await start(g.grantId);
    await sleep(g.expiresAt - 600 - Date.now());
    const until = g.expiresAt + 2_500;
    const extended = await extend(handle, until); // the catalog records it after the old deadline

    expect(extended).toMatchObject({ phase: 'active', extensions: 1, expiresAt: new Date(until).toISOString() });
    const result = await handle.result();
    for (const c of callsOf(g.grantId, 'revokeGrant')) expect(c.at).toBeGreaterThanOrEqual(until);
    expect(endsOf(g.grantId)).toHaveLength(1);
    expect(result).toMatchObject({ phase: 'expired', extensions: 1, expiresAt: new Date(until).toISOString() });
  });

  it('an extension racing the expiry either wins (the grant lives to the new deadline, warned again) or is refused (the grant ended): never both', { timeout: 30_000 }, async () => {
    const offsets = [-1_000, -300, -100, 0, 100, 300, 1_000];
    const races = await Promise.all(
      offsets.map(async (offset) => {
        // warned well before the race, so the extension meets the expiry only
        const g = approveGrant({ expiresInMs: 2_500, warnBeforeMs: 1_800, extendTakesMs: 200 });
        const handle = await start(g.grantId);
        const until = g.expiresAt + 2_500;
        await sleep(g.expiresAt + offset - Date.now());
        const update = await extend(handle, until).then(
          (s) => ({ won: true as const, state: s }),
          (e: Error) => ({ won: false as const, error: e.cause instanceof Error ? e.cause.message : e.message, refusedAt: Date.now() }),
        );
        return { offset, g, until, update, result: await handle.result() };
      }),
    );

    for (const { offset, g, until, update, result } of races) {
      const ends = endsOf(g.grantId);
      const extensions = callsOf(g.grantId, 'extendGrant').filter((c) => c.outcome === 'done');
      expect(ends, `offset ${offset}`).toHaveLength(1);
      if (update.won) {
        expect(extensions, `offset ${offset}`).toHaveLength(1);
        expect(ends[0]!.at, `offset ${offset}`).toBeGreaterThanOrEqual(until);
        expect(callsOf(g.grantId, 'warnGrant').at(-1)!.at, `offset ${offset}`).toBeGreaterThanOrEqual(until - 1_800);
        expect(result, `offset ${offset}`).toMatchObject({ phase: 'expired', extensions: 1, expiresAt: new Date(until).toISOString() });
      } else {
        // refused by the workflow (the grant is expiring or expired), or the workflow had already ended, or it
        // ended while the update waited to be delivered (the server aborts it): client/access.ts says "ended" for both
        expect(update.error, `offset ${offset}`).toMatch(/is expir|completed|aborted by closing workflow/);
        expect(update.refusedAt, `offset ${offset}`).toBeGreaterThanOrEqual(g.expiresAt); // never refused before the deadline
        expect(extensions, `offset ${offset}`).toEqual([]);
        expect(ends[0]!.at, `offset ${offset}`).toBeGreaterThanOrEqual(g.expiresAt);
        expect(result, `offset ${offset}`).toMatchObject({ phase: 'expired', extensions: 0, expiresAt: new Date(g.expiresAt).toISOString() });
      }
    }
    // which side wins depends on the machine's timing; what may never happen is checked for each above
  });

  it('a revoke while waiting for the warning ends the grant at once, unwarned, and no extension follows it', { timeout: 30_000 }, async () => {
    const g = approveGrant({ expiresInMs: 6_000, warnBeforeMs: 2_000 });
    const handle = await start(g.grantId);
    await waitFor('the grant applied', async () => (await stateOf(handle)).phase === 'active');
    const revoked = await handle.executeUpdate<GrantState, [{ by: string; reason: string }]>('revoke', { args: [{ by: 'steward', reason: 'left the team' }] });
    expect(revoked).toMatchObject({ phase: 'revoked', warned: false });
    // refused while the workflow proves the end, or too late: the workflow is done
    const late = await extend(handle, g.expiresAt + 5_000).then(() => 'extended', (e: Error) => (e.cause instanceof Error ? e.cause.message : e.message));
    expect(late).toMatch(/is revoked|completed/);

    const result = await handle.result();
    const revocations = callsOf(g.grantId, 'revokeGrant');
    expect(revocations.map((c) => [c.input.kind, c.input.by])).toEqual([['revoked', 'steward']]);
    expect(revocations[0]!.at).toBeLessThan(g.warnAt);
    expect(callsOf(g.grantId, 'warnGrant')).toEqual([]);
    expect(callsOf(g.grantId, 'extendGrant')).toEqual([]);
    expect(result).toMatchObject({ phase: 'revoked', warned: false, verification: 'verified' });
  });

  it('an extension recorded while the warning is being recorded still gets a warning warnBefore ahead of its new expiry', { timeout: 30_000 }, async () => {
    const g = approveGrant({ expiresInMs: 4_000, warnBeforeMs: 2_000, extendTakesMs: 400, warnTakesMs: 800 });
    const handle = await start(g.grantId);
    await sleep(g.warnAt - 150 - Date.now());
    const until = g.expiresAt + 4_000;
    await extend(handle, until); // recorded while the warning's activity is looking at the grant
    await handle.result();
    expect(callsOf(g.grantId, 'warnGrant').some((c) => c.at >= until - 2_000)).toBe(true);
  });
});
