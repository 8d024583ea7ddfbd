// <catalog>/grant/<grantId>: one workflow per grant, from approval to the end of access. It applies the grant
// (metastore and catalog), then sleeps on a durable timer until the warning time and the expiry, a
// deadline the `extend` update moves; `revoke` (update or signal) ends it early. When the timer fires —
// on time, or as soon as a worker is back if none was up — it revokes. The history holds ids and times
// only, never who holds the grant.
//
// Long-lived: a grant may run for months while this code changes. Change the order or kind of commands
// only behind `patched('<id>')` (keep the old path for histories that took it), and keep the replay test
// (test/unit/workflows/replay.test.ts over test/replay/histories/) green.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { GovernanceActivities, GrantTimes } from '../activities/governance';
import { extendProblem, warningTime } from '../governance/levels';
import { NON_RETRYABLE_ERROR_TYPES } from './errors';
import {
  extendUpdate,
  LAKE_SOURCE,
  revokeSignal,
  revokeUpdate,
  stateQuery,
  type GrantExpiryInput,
  type GrantExpiryState,
  type GrantPhase,
  type RevocationVerification,
  type RevokeInput,
} from './shared';

// Revocation must happen eventually: retried without a limit, at most a minute apart.
const acts = proxyActivities<GovernanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
});

// The proof of an end is retried a few times (each attempt repairs what it finds still held), then the
// operators are alerted and the reconciliation keeps trying.
const proving = proxyActivities<GovernanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
});

// Delivery is best effort here: what fails stays in the outbox for the reconciliation to retry.
const delivery = proxyActivities<GovernanceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

// The end of a grant (revoke, prove, alert, deliver) runs as local activities in the worker that holds the
// workflow: a day's grants end at one instant, and each remote activity costs the server three more
// events and a task of its own. With the same retry policies as their remote twins.
const endingLocally = {
  acts: proxyLocalActivities<GovernanceActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  }),
  proving: proxyLocalActivities<GovernanceActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  }),
  delivery: proxyLocalActivities<GovernanceActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
  }),
};
const endingRemotely = { acts, proving, delivery };
type Ending = typeof endingRemotely;

function toMs(until: unknown): number {
  if (typeof until === 'number') return until;
  if (typeof until === 'string' && /^\d{4}-\d{2}-\d{2}/.test(until)) return Date.parse(until);
  return NaN;
}

export async function grantExpiry(input: GrantExpiryInput): Promise<GrantExpiryState> {
  if (!input || typeof input !== 'object' || !Number.isInteger(input.grantId) || input.grantId <= 0) {
    throw ApplicationFailure.nonRetryable('grantExpiry takes one object: { "grantId": <positive integer> }', 'BadGrantInput');
  }
  const { grantId } = input;

  let times: GrantTimes | undefined;
  let phase: GrantPhase = 'applying';
  let warned = false;
  let extensions = 0;
  let deadlineChanged = false;
  let extending = 0; // extend updates in flight: the expiry waits for them
  let revokeRequest: RevokeInput | undefined;
  let verification: RevocationVerification = 'not-ended';
  // Decided once, when the end begins: histories that ended with remote activities replay as they ran.
  let ending: Ending | undefined;
  const ends = (): Ending => (ending ??= patched('end-locally') ? endingLocally : endingRemotely);

  const state = (): GrantExpiryState => ({
    grantId,
    phase,
    expiresAt: times ? new Date(times.expiresAt).toISOString() : '',
    warnAt: times ? new Date(warningTime(times.expiresAt, times.warnBeforeMs, times.createdAt)).toISOString() : '',
    warned,
    extensions,
    verification,
  });
  setHandler(stateQuery, state);

  /** Proves the end (storage read denied with the holder's key, metastore privilege gone); alerts when it
   *  cannot. Histories from before this step replay without it. */
  const verifyEnd = async () => {
    const { acts, proving } = ends();
    // ending locally came after the proof: such a history needs no marker of it
    if (ends() === endingRemotely && !patched('verify-revocation')) return;
    verification = 'verifying';
    try {
      await proving.verifyRevocation({ grantId });
      verification = 'verified';
    } catch (err) {
      if (isCancellation(err)) throw err;
      verification = 'unverified';
      const problem = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      log.warn('revocation not verified; alerting', { grantId });
      await acts.alertUnverifiedRevocation({ grantId, problem: problem.slice(0, 1000) });
    }
  };

  const requestRevoke = (r: RevokeInput) => {
    if (phase === 'applying' || phase === 'active') revokeRequest ??= { by: String(r?.by ?? 'unknown'), reason: r?.reason };
  };
  setHandler(revokeSignal, requestRevoke);
  setHandler(
    revokeUpdate,
    async (r) => {
      requestRevoke(r);
      await condition(() => phase === 'revoked' || phase === 'expired');
      return state();
    },
    {
      validator: (r) => {
        if (!r || typeof r.by !== 'string' || r.by.trim() === '') throw new Error('revoke needs { by, reason? }');
        if (phase === 'expired' || phase === 'revoked') throw new Error(`grant ${grantId} is ${phase} already`);
      },
    },
  );
  setHandler(
    extendUpdate,
    async (e) => {
      extending++;
      try {
        times = await acts.extendGrant({ grantId, until: toMs(e.until), by: e.by ?? 'unknown' });
        extensions++;
        if (times.warnedFor !== times.expiresAt) warned = false; // a new date gets its own warning
        deadlineChanged = true;
        return state();
      } finally {
        extending--;
      }
    },
    {
      validator: (e) => {
        const problem = extendProblem({
          until: toMs(e?.until),
          now: Date.now(),
          status: phase === 'active' ? 'active' : phase === 'applying' ? 'pending' : phase,
          maxExpiresAt: times?.maxExpiresAt ?? 0,
        });
        if (problem) throw new Error(`grant ${grantId}: ${problem}`);
      },
    },
  );

  try {
    times = await acts.applyGrant({ grantId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // the metastore refuses this grant (e.g. the table is not published): end it rather than leave it pending
    log.warn('grant could not be applied; revoking', { grantId });
    const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    times = await ends().acts.revokeGrant({ grantId, kind: 'revoked', by: 'lake-catalog', reason: `could not be applied: ${cause}`.slice(0, 500) });
    phase = 'revoked';
    await verifyEnd();
    return state();
  }
  upsertSearchAttributes([{ key: LAKE_SOURCE, value: times.source }]);
  if (times.status === 'expired' || times.status === 'revoked') {
    phase = times.status;
    return state(); // ended before this run (a restart after the end)
  }
  phase = 'active';
  warned = times.warnedFor === times.expiresAt;

  for (;;) {
    if (revokeRequest) break;
    const now = Date.now();
    if (now >= times.expiresAt) {
      if (extending > 0) {
        await condition(() => extending === 0);
        continue;
      }
      phase = 'expiring';
      const r = await ends().acts.revokeGrant({ grantId, kind: 'expired' });
      times = r;
      if (r.status === 'expired' || r.status === 'revoked') break;
      phase = 'active'; // not due after all: the deadline moved in the catalog
      continue;
    }
    const warnAt = warningTime(times.expiresAt, times.warnBeforeMs, times.createdAt);
    if (!warned && now >= warnAt) {
      const warnedFor = times.expiresAt;
      await acts.warnGrant({ grantId, expiresAt: warnedFor });
      // An extension that landed while the warning was recorded moved the expiry: the warning sent (if
      // any) was for the old date, and the new date gets its own. Histories from before replay as they ran.
      if (times.expiresAt === warnedFor || !patched('warning-for-its-expiry')) warned = true;
      await deliver(delivery);
      continue;
    }
    if (workflowInfo().continueAsNewSuggested && allHandlersFinished()) {
      await continueAsNew<typeof grantExpiry>({ grantId });
    }
    const next = warned ? times.expiresAt : Math.min(warnAt, times.expiresAt);
    deadlineChanged = false;
    await condition(() => deadlineChanged || revokeRequest !== undefined, Math.max(1, next - now));
  }

  if (revokeRequest) {
    phase = 'revoking';
    times = await ends().acts.revokeGrant({ grantId, kind: 'revoked', by: revokeRequest.by, reason: revokeRequest.reason });
  }
  phase = times.status === 'expired' ? 'expired' : 'revoked';
  await verifyEnd();
  await deliver(ends().delivery);
  await condition(allHandlersFinished);
  return state();
}

async function deliver(via: Ending['delivery']): Promise<void> {
  try {
    await via.deliverNotifications({ limit: 20 });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('notification delivery failed; the outbox keeps them', { error: String(err) });
  }
}
