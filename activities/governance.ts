// Governance's activities: apply a grant, revoke it, move its deadline, warn, notify, reconcile. Each is
// idempotent. The metastore is changed first and the catalog second, and both changes are no-ops when
// already done, so a retry after a crash between the two finishes the job instead of repeating it:
// a grant is never left revoked in the catalog yet held in the metastore.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { MetastoreError, type MetastoreClient } from '../adapters/metastore/client';
import { grantorOf, grantTable, LEGACY_GRANTOR, listGrants, revokeOnTable, revokeTable, type Principal as MetastorePrincipal } from '../adapters/metastore/grants';
import type { TableRef } from '../schema/hive';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Accounts } from '../adapters/s3-accounts';
import type { GovernanceConfig, S3Config } from '../config';
import {
  CATALOG_ACTOR,
  endDueGrants,
  extendGrantDeadline,
  findGrant,
  governedTables,
  listGrantsOf,
  markGrantActive,
  markGrantEnded,
  markNotificationDelivered,
  markNotificationFailed,
  privilegesOnlyGrantedBy,
  recordGrantWorkflow,
  recordNotification,
  recordWarning,
  undeliveredNotifications,
  type DueGrant,
  type Grant,
  type NotificationInput,
} from '../db/governance';
import { targetTableOf } from '../db/sources';
import { grantedBuckets, markRevocationProblem, unverifiedRevocations, markRevocationVerified, markRevocationsVerified, storageTargetOfGrant, storageTargetsOfGrants } from '../db/storage-access';
import type { GrantStatus } from '../governance/levels';
import { readsRawStorage } from '../governance/storage-policy';
import { isViewLevel } from '../governance/level-views';
import { grantWorkflowRunning, startGrantExpiry } from '../client/grants';
import { grantWorkflowId, type GrantDrift } from '../workflows/shared';
import { ensureLevelView, levelViewStale, type PrivateStore } from './level-views';
import { bucketPolicyDrifted, probeRevocation, probeRevocations, readsOnce, syncBucketPolicy, type PolicySync } from './storage-access';
import { Batches, sharedRuns, type Settled } from './coalesce';

export interface GovernanceDeps {
  /** The catalog's name: its grant workflows' ids and its metastore grantor carry it. */
  catalog: string;
  db: Knex;
  metastore: MetastoreClient;
  s3: S3Client;
  privateStore: PrivateStore;
  /** The lake's S3 server with the catalog's root key: principals' accounts and bucket policies. */
  storage: { accounts: S3Accounts; config: S3Config };
  governance?: GovernanceConfig;
}

/** What the proof of a grant's end found: ids and words, never a key. */
export interface RevocationCheck {
  grantId: number;
  verified: boolean;
  verifiedAt?: number;
  problem?: string;
}

/** What the expiry workflow needs to know of its grant: times as epoch ms, no names of people. */
export interface GrantTimes {
  grantId: number;
  status: GrantStatus;
  source: string;
  createdAt: number;
  expiresAt: number;
  maxExpiresAt: number;
  warnBeforeMs: number;
  warnedFor: number | null;
}

export interface RevokeResult extends GrantTimes {
  revokedPrivileges: string[];
}

export type { GrantDrift };

function timesOf(g: Grant): GrantTimes {
  return {
    grantId: g.id,
    status: g.status,
    source: g.source,
    createdAt: g.createdAt.getTime(),
    expiresAt: g.expiresAt.getTime(),
    maxExpiresAt: g.maxExpiresAt.getTime(),
    warnBeforeMs: g.warnBeforeMs,
    warnedFor: g.warnedFor ? g.warnedFor.getTime() : null,
  };
}

async function loadGrant(db: Knex, grantId: number): Promise<Grant> {
  const g = await findGrant(db, grantId);
  if (!g) throw ApplicationFailure.nonRetryable(`unknown grant ${grantId}`, 'UnknownGrantError');
  return g;
}

const isLive = (s: GrantStatus) => s === 'pending' || s === 'active';

/** The grantors whose privileges an ending grant of this catalog takes back: its own, and those given
 *  before grantors named their catalog. */
function endingGrantors(catalog: string): string[] {
  return [grantorOf(catalog), LEGACY_GRANTOR];
}

interface MetastoreRevoke {
  grantors: string[];
  principal: MetastorePrincipal;
  table: TableRef;
  privileges: string[];
}

// Revocations of one table that run together (grants ending at one instant) share one listing and one
// revoke: the metastore serves its calls one at a time, so a call each would queue a burst behind it.
const revocations = new WeakMap<MetastoreClient, Batches<MetastoreRevoke, string[]>>();

function revokeInMetastore(ms: MetastoreClient, grantors: string[], principal: MetastorePrincipal, table: TableRef, privileges: string[]): Promise<string[]> {
  if (privileges.length === 0) return Promise.resolve([]);
  let batches = revocations.get(ms);
  if (!batches) {
    batches = new Batches((_key, requests) => revokeTogether(ms, requests));
    revocations.set(ms, batches);
  }
  return batches.add(JSON.stringify([grantors, table.database, table.table]), { grantors, principal, table, privileges });
}

// the table is gone: nobody holds anything on it any more
const tableGone = (e: unknown) => e instanceof MetastoreError && e.kind === 'NoSuchObject';

async function revokeTogether(ms: MetastoreClient, requests: MetastoreRevoke[]): Promise<Settled<string[]>[]> {
  const { grantors, table } = requests[0]!;
  try {
    return (await revokeOnTable(ms, grantors, table, requests)).map((value) => ({ value }));
  } catch (e) {
    if (tableGone(e)) return requests.map(() => ({ value: [] }));
    if (requests.length === 1) return [{ error: e }];
  }
  // one request the metastore refuses must not fail the others: each on its own, as it would have run
  const out: Settled<string[]>[] = [];
  for (const r of requests) {
    try {
      out.push({ value: await revokeTable(ms, grantors, r.principal, table, r.privileges) });
    } catch (e) {
      out.push(tableGone(e) ? { value: [] } : { error: e });
    }
  }
  return out;
}

async function postJson(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`webhook answered ${res.status} ${res.statusText}`);
}

/** How far this host's clock may run behind the server's timers: an expiry due within it is waited for,
 *  one due later is not due yet. */
const MAX_CLOCK_BEHIND_MS = 1000;

/** Grants ended per catalog transaction when many are due at once. */
const DUE_PER_TRANSACTION = 1000;

/** Takes back, table by table, what each due grant gives up: one listing and one revoke per table. A table
 *  whose revoke fails leaves its grants undefined (still live, for their own workflows to retry). */
async function revokeDue(ms: MetastoreClient, grantors: string[], due: DueGrant[]): Promise<(string[] | undefined)[]> {
  const out: (string[] | undefined)[] = due.map(() => []);
  const byTable = new Map<string, number[]>();
  due.forEach((d, i) => {
    if (d.takeBack.length === 0) return;
    const k = JSON.stringify([d.grant.table.database, d.grant.table.table]);
    byTable.set(k, [...(byTable.get(k) ?? []), i]);
  });
  for (const indexes of byTable.values()) {
    const requests = indexes.map((i) => ({ grantors, principal: due[i]!.grant.principal, table: due[i]!.grant.table, privileges: due[i]!.takeBack }));
    const settled = await revokeTogether(ms, requests);
    indexes.forEach((i, j) => {
      const s = settled[j];
      out[i] = s && 'value' in s ? s.value : undefined;
    });
  }
  return out;
}

export function createGovernanceActivities(deps: GovernanceDeps) {
  const { db, metastore } = deps;
  const grantor = grantorOf(deps.catalog);

  /** Ends every grant of the catalog that is due now, DUE_PER_TRANSACTION at a time; then rewrites the
   *  policy of each bucket whose files an ended grant read. */
  async function endAllDue(): Promise<number> {
    let ended = 0;
    for (;;) {
      const batch = await endDueGrants(db, { limit: DUE_PER_TRANSACTION, by: CATALOG_ACTOR }, (due) => revokeDue(metastore, endingGrantors(deps.catalog), due));
      if (batch.length === 0) return ended;
      ended += batch.length;
      const readingFiles = batch.filter((g) => readsRawStorage(g.level)).map((g) => g.id);
      const buckets = new Set([...(await storageTargetsOfGrants(db, readingFiles)).values()].map((t) => t.bucket));
      // each grant's own revokeGrant rewrites its bucket again, so a failure here is repaired there
      await Promise.all([...buckets].map((b) => syncBucketPolicy(deps, b)));
      // and proves each end (its workflow then finds it proven); what is not proven here, its workflow
      // proves again, repairs or alerts on
      try {
        const proofs = await probeRevocations(deps, batch, readsOnce(deps));
        await markRevocationsVerified(db, proofs.flatMap((r, i) => (r.ok ? [{ grantId: batch[i]!.id, proof: r.proof }] : [])));
      } catch {
        // left to each workflow's own proof, which says why
      }
      if (batch.length < DUE_PER_TRANSACTION) return ended;
    }
  }
  // The expiries of one instant wake together: whichever runs first ends them all, and those that wake while
  // it runs wait for it (and a run after it, which finds nothing due).
  const endDueTogether = sharedRuns(() => endAllDue());

  async function revokeGrant(input: { grantId: number; kind: 'expired' | 'revoked'; by?: string; reason?: string }): Promise<RevokeResult> {
    let g = await loadGrant(db, input.grantId);
    if (input.kind === 'expired' && isLive(g.status)) {
      const early = g.expiresAt.getTime() - Date.now();
      // an expiry that is not due (the deadline moved since the caller looked) changes nothing
      if (early > MAX_CLOCK_BEHIND_MS) return { ...timesOf(g), revokedPrivileges: [] };
      if (early > 0) {
        // The timer fired by the server's clock and this host's runs a little behind it: wait out the
        // difference, as a grant never ends before its deadline; then look again (an extension may have landed).
        await new Promise((resolve) => setTimeout(resolve, early));
        g = await loadGrant(db, input.grantId);
        if (isLive(g.status) && g.expiresAt.getTime() > Date.now()) return { ...timesOf(g), revokedPrivileges: [] };
      }
      try {
        await endDueTogether('');
      } catch (e) {
        // this grant's own end below does not depend on the others'
        Context.current().log.warn('ending the due grants together failed; ending this one alone', { grantId: g.id, error: String(e) });
      }
      g = await loadGrant(db, g.id);
    }
    let revokedPrivileges: string[] = [];
    // an ended grant's privileges went before the catalog said so (here, or with the others due with it)
    if (isLive(g.status)) {
      revokedPrivileges = await revokeInMetastore(metastore, endingGrantors(deps.catalog), g.principal, g.table, await privilegesOnlyGrantedBy(db, g));
      await markGrantEnded(db, { grantId: g.id, kind: input.kind, by: input.by ?? CATALOG_ACTOR, reason: input.reason, revokedPrivileges });
    }
    // after the catalog says ended, so the rewrite leaves this grant out (a retry rewrites again)
    await syncStorageOf(g);
    return { ...timesOf(await loadGrant(db, g.id)), revokedPrivileges };
  }

  async function sourceTableOf(g: Grant): Promise<string> {
    return targetTableOf(db, g.sourceId);
  }

  /** Rewrites the policy of the bucket holding `g`'s files, when its level reads them. */
  async function syncStorageOf(g: Grant): Promise<PolicySync | undefined> {
    if (!readsRawStorage(g.level)) return undefined;
    const target = await storageTargetOfGrant(db, g.id);
    return target ? syncBucketPolicy(deps, target.bucket) : undefined;
  }

  async function applyGrant(input: { grantId: number }): Promise<GrantTimes> {
    const g = await loadGrant(db, input.grantId);
    if (!isLive(g.status)) return timesOf(g);
    if (g.privileges.length > 0) {
      try {
        // read their view, published now from the table's columns and tags
        if (isViewLevel(g.level) && g.table.table !== (await sourceTableOf(g))) await ensureLevelView(deps, g.sourceId, g.level);
        // the metastore accepts a grant on a table it does not have, and keeps nothing: look first
        await metastore.getTable(g.table.database, g.table.table);
        await grantTable(metastore, grantor, g.principal, g.table, g.privileges);
      } catch (e) {
        if (e instanceof MetastoreError && e.kind === 'NoSuchObject') {
          const reads = isViewLevel(g.level) ? await sourceTableOf(g) : g.table.table;
          throw ApplicationFailure.nonRetryable(`grant ${g.id}: table ${g.table.database}.${reads} is not published`, 'GrantApplyError');
        }
        if (e instanceof MetastoreError && !e.retryable) {
          throw ApplicationFailure.nonRetryable(`grant ${g.id}: the metastore refused ${g.privileges.join(', ')} on ${g.table.database}.${g.table.table}: ${e.message}`, 'GrantApplyError');
        }
        throw e;
      }
    }
    await markGrantActive(db, g.id);
    const after = await loadGrant(db, g.id);
    // ended while we were granting (a revoke raced us): take back what we just gave
    if (!isLive(after.status)) await revokeInMetastore(metastore, endingGrantors(deps.catalog), after.principal, after.table, await privilegesOnlyGrantedBy(db, after));
    // from the catalog's live grants, so a grant ended meanwhile is not in it
    await syncStorageOf(after);
    return timesOf(after);
  }

  return {
    applyGrant,
    revokeGrant,

    /** Proves an ended grant gives nothing any more and records `verified_at` in the grant's audit. What is
     *  still held is taken away and the activity fails, so its retry proves the repair. */
    async verifyRevocation(input: { grantId: number }): Promise<RevocationCheck> {
      const g = await loadGrant(db, input.grantId);
      if (isLive(g.status)) throw ApplicationFailure.nonRetryable(`grant ${g.id} is ${g.status}: only an ended grant's revocation is verified`, 'GrantNotEnded');
      if (g.revocationVerifiedAt) return { grantId: g.id, verified: true, verifiedAt: g.revocationVerifiedAt.getTime() };
      const r = await probeRevocation(deps, g);
      if (!r.ok) {
        const problem = r.problems.join('; ');
        await markRevocationProblem(db, g.id, problem);
        throw ApplicationFailure.retryable(`grant ${g.id}: revocation not verified: ${problem}`, 'RevocationUnverified');
      }
      const verifiedAt = await markRevocationVerified(db, g.id, r.proof);
      return { grantId: g.id, verified: true, verifiedAt: verifiedAt.getTime() };
    },

    /** Tells the catalog's operators, through the outbox, that a grant's end could not be proven. */
    async alertUnverifiedRevocation(input: { grantId: number; problem: string }): Promise<number | null> {
      const g = await loadGrant(db, input.grantId);
      await markRevocationProblem(db, g.id, input.problem);
      return (
        (await recordNotification(db, {
          kind: 'revocation-unverified', recipient: CATALOG_ACTOR, principalId: g.principalId, sourceId: g.sourceId, grantId: g.id,
          payload: { grantId: g.id, source: g.source, level: g.level, principal: `${g.principal.kind}:${g.principal.name}`, problem: input.problem.slice(0, 1000) },
          dedupeKey: `grant/${g.id}/revocation-unverified`,
        })) ?? null
      );
    },

    /** Republishes the level view a grant reads (the reconciliation's repair). */
    async refreshLevelView(input: { grantId: number }): Promise<boolean> {
      const g = await loadGrant(db, input.grantId);
      if (!isViewLevel(g.level)) return false;
      return (await ensureLevelView(deps, g.sourceId, g.level)).published;
    },

    /** Rewrites one bucket's policy from the live grants (the reconciliation's repair). */
    async syncBucketPolicy(input: { bucket: string }): Promise<PolicySync> {
      return syncBucketPolicy(deps, input.bucket);
    },

    async grantTimes(input: { grantId: number }): Promise<GrantTimes> {
      return timesOf(await loadGrant(db, input.grantId));
    },

    async extendGrant(input: { grantId: number; until: number; by: string }): Promise<GrantTimes> {
      const r = await extendGrantDeadline(db, { grantId: input.grantId, until: new Date(input.until), by: input.by });
      if (r.problem) throw ApplicationFailure.nonRetryable(`grant ${input.grantId}: extension refused: ${r.problem}`, 'GrantExtendRefused');
      return timesOf(await loadGrant(db, input.grantId));
    },

    /** Records the warning for the expiry `expiresAt` (ms), and nothing when the grant no longer expires
     *  then: an extension committed meanwhile gets a warning of its own, near its own date. */
    async warnGrant(input: { grantId: number; expiresAt?: number }): Promise<boolean> {
      return recordWarning(db, input.grantId, input.expiresAt);
    },

    async recordNotification(input: NotificationInput): Promise<number | null> {
      return (await recordNotification(db, input)) ?? null;
    },

    /** POSTs undelivered notifications to LAKE_NOTIFY_WEBHOOK (when set), oldest first; at least once. */
    async deliverNotifications(input: { limit?: number } = {}): Promise<{ delivered: number; failed: number }> {
      const url = deps.governance?.notifyWebhook;
      if (!url) return { delivered: 0, failed: 0 };
      const pending = await undeliveredNotifications(db, input.limit ?? 100);
      let delivered = 0;
      let failed = 0;
      for (const n of pending) {
        try {
          await postJson(url, { id: Number(n.id), kind: n.kind, recipient: n.recipient, payload: n.payload, createdAt: new Date(n.created_at).toISOString() });
          await markNotificationDelivered(db, n.id);
          delivered++;
        } catch (e) {
          await markNotificationFailed(db, n.id, String((e as Error).message));
          failed++;
        }
      }
      return { delivered, failed };
    },

    /** Compares the catalog's live grants with the metastore's privileges and with the running expiry
     *  workflows. Only privileges this catalog granted (its grantor) are its business; those from before
     *  grantors named their catalog count as held but are never stray. */
    async findGrantDrift(input: { now?: number } = {}): Promise<GrantDrift[]> {
      const now = input.now ?? Date.now();
      const { client, info } = Context.current();
      const drift: GrantDrift[] = [];
      const live = await listGrantsOf(db, { status: ['pending', 'active'] });
      for (const g of live) {
        if (await grantWorkflowRunning(client, g, info.taskQueue)) continue;
        drift.push(g.expiresAt.getTime() <= now ? { kind: 'expired-unrevoked', grantId: g.id } : { kind: 'missing-workflow', grantId: g.id });
      }

      const tables: TableRef[] = await governedTables(db);
      const key = (t: TableRef, p: MetastorePrincipal, privilege: string) => `${t.database}.${t.table}|${p.kind}:${p.name}|${privilege.toUpperCase()}`;
      const wanted = new Map<string, Grant>();
      for (const g of live) for (const p of g.privileges) wanted.set(key(g.table, g.principal, p), g);
      const held = new Set<string>();
      const absent = new Set<string>();
      for (const t of tables) {
        try {
          await metastore.getTable(t.database, t.table);
        } catch (e) {
          if (!(e instanceof MetastoreError && e.kind === 'NoSuchObject')) throw e;
          absent.add(`${t.database}.${t.table}`); // not published (yet, or any more): nobody holds anything on it
          continue;
        }
        const grants = await listGrants(metastore, t);
        for (const mg of grants) {
          if (mg.grantor !== grantor && mg.grantor !== LEGACY_GRANTOR) continue;
          const k = key(t, mg.principal, mg.privilege);
          held.add(k);
          if (!wanted.has(k) && mg.grantor === grantor) drift.push({ kind: 'stray-privilege', database: t.database, table: t.table, principal: mg.principal, privilege: mg.privilege });
        }
      }
      for (const [k, g] of wanted) {
        // a pending grant is being applied by its workflow; an expired one is handled above
        if (g.status === 'active' && g.expiresAt.getTime() > now && !held.has(k) && !absent.has(`${g.table.database}.${g.table.table}`)) drift.push({ kind: 'missing-privilege', grantId: g.id, privilege: k.split('|')[2] });
      }
      for (const bucket of await grantedBuckets(db)) {
        if (await bucketPolicyDrifted(deps, bucket)) drift.push({ kind: 'bucket-policy', bucket });
      }
      for (const u of await unverifiedRevocations(db)) drift.push({ kind: 'unverified-revocation', grantId: u.grantId });
      // a tag added or a column changed since the view was published: the view must follow
      for (const g of live) {
        if (g.status === 'active' && isViewLevel(g.level) && g.table.table !== (await sourceTableOf(g)) && (await levelViewStale(deps, g.sourceId, g.level))) {
          drift.push({ kind: 'stale-level-view', grantId: g.id });
        }
      }
      return drift;
    },

    /** Revokes a privilege this catalog granted that no live grant accounts for (looked at again, under no
     *  assumption); another catalog's grant of the same privilege stays. */
    async revokeStrayPrivilege(input: { database: string; table: string; principal: MetastorePrincipal; privilege: string }): Promise<string[]> {
      if (input.principal.kind !== 'role') {
        const live = await listGrantsOf(db, { principal: { name: input.principal.name, kind: input.principal.kind }, status: ['pending', 'active'] });
        const needed = live.some((g) => g.table.database === input.database && g.table.table === input.table && g.privileges.some((p) => p.toUpperCase() === input.privilege.toUpperCase()));
        if (needed) return [];
      }
      return revokeInMetastore(metastore, [grantor], input.principal, { database: input.database, table: input.table }, [input.privilege]);
    },

    /** (Re)starts `<catalog>/grant/<id>` on this worker's task queue, and the grant's row names it; false
     *  when it runs already or the grant ended. */
    async startGrantWorkflow(input: { grantId: number }): Promise<boolean> {
      const g = await loadGrant(db, input.grantId);
      if (!isLive(g.status)) return false;
      const ctx = Context.current();
      const started = await startGrantExpiry(ctx.client, deps.catalog, { id: g.id, source: g.source }, ctx.info.taskQueue);
      await recordGrantWorkflow(db, g.id, grantWorkflowId(deps.catalog, g.id));
      return started;
    },
  };
}

export type GovernanceActivities = ReturnType<typeof createGovernanceActivities>;
