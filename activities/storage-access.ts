// Storage-level access, the I/O half: a bucket's policy rewritten whole from the catalog's live grants, the
// principals' S3 accounts, and the proof that an ended grant reads nothing any more (a read with the
// principal's own key, denied by the server). The rules are in governance/storage-policy.ts.
import type { Knex } from 'knex';
import type { MetastoreClient } from '../adapters/metastore/client';
import { MetastoreError } from '../adapters/metastore/client';
import { grantorOf, LEGACY_GRANTOR, listGrants, revokeTable, samePrincipal, type TableGrant } from '../adapters/metastore/grants';
import { newSecret, readAs, type S3Account, type S3Accounts } from '../adapters/s3-accounts';
import type { TableRef } from '../schema/hive';
import { Batches, sharedRuns } from './coalesce';
import type { S3Config } from '../config';
import { liveGrantsOfPrincipals, type Grant } from '../db/governance';
import { activeStorageAccesses, principalsNamed, recordPrincipalKey, storageTargetsOfGrants, withBucketLock, type RevocationProof, type StorageTarget } from '../db/storage-access';
import { accountsIn, bucketPolicyFor, normalizePrefix, samePolicy, storageAccountOf, type StorageAccess } from '../governance/storage-policy';
import { privilegesToTakeBack } from '../governance/levels';

export interface StorageDeps {
  /** The catalog's name: its bucket policy statements and metastore grantor carry it. */
  catalog: string;
  db: Knex;
  metastore: MetastoreClient;
  storage: { accounts: S3Accounts; config: S3Config };
}

export interface PolicySync {
  bucket: string;
  changed: boolean;
  principals: number;
}

// Rewrites of one bucket asked for while another runs are done once, after it: a rewrite reads the catalog
// when it starts, so one that starts after a request answers it. A burst of grants on one bucket then
// costs a few rewrites, not one each, and waits here instead of holding database connections.
const rewrites = new Batches<{ deps: StorageDeps; bucket: string }, PolicySync>(async (_key, requests) => {
  const value = await rewriteBucketPolicy(requests[0]!.deps, requests[0]!.bucket);
  return requests.map(() => ({ value }));
});

/** Makes `bucket`'s policy say exactly what the catalog's live grants give. Accounts the policy names are
 *  created first (the server refuses a policy naming an unknown account), with a secret nobody has seen:
 *  the principal gets one from `lake access credentials`. */
export function syncBucketPolicy(deps: StorageDeps, bucket: string): Promise<PolicySync> {
  return rewrites.add(JSON.stringify([deps.storage.config.endpoint, bucket, deps.catalog]), { deps, bucket });
}

// Proofs of grants ending together share their reads: one listing of a table's privileges, one of the
// server's accounts, each started after every proof waiting for it asked.
const tableListings = new WeakMap<MetastoreClient, (key: string) => Promise<TableGrant[]>>();
const accountListings = new WeakMap<S3Accounts, (key: string) => Promise<S3Account[]>>();

function grantsOnTable(ms: MetastoreClient, table: TableRef): Promise<TableGrant[]> {
  let list = tableListings.get(ms);
  if (!list) {
    list = sharedRuns((key) => {
      const [database, name] = JSON.parse(key) as [string, string];
      return listGrants(ms, { database, table: name });
    });
    tableListings.set(ms, list);
  }
  return list(JSON.stringify([table.database, table.table]));
}

function listAccountsShared(accounts: S3Accounts): Promise<S3Account[]> {
  let list = accountListings.get(accounts);
  if (!list) {
    list = sharedRuns(() => accounts.listAccounts());
    accountListings.set(accounts, list);
  }
  return list('');
}

/** What a proof reads besides the catalog: the server's accounts and a table's privileges. */
export interface ProofReads {
  accounts(): Promise<S3Account[]>;
  grantsOn(table: TableRef): Promise<TableGrant[]>;
}

/** Each proof's own reads (shared with the proofs waiting at the same moment). */
function freshReads(deps: StorageDeps): ProofReads {
  return { accounts: () => listAccountsShared(deps.storage.accounts), grantsOn: (t) => grantsOnTable(deps.metastore, t) };
}

/** Reads made once for many proofs that follow one change (the grants one transaction ended): each
 *  listing is taken after that change, so it proves every one of them. */
export function readsOnce(deps: StorageDeps): ProofReads {
  let accounts: Promise<S3Account[]> | undefined;
  const tables = new Map<string, Promise<TableGrant[]>>();
  return {
    accounts: () => (accounts ??= deps.storage.accounts.listAccounts()),
    grantsOn: (t) => {
      const k = JSON.stringify([t.database, t.table]);
      let p = tables.get(k);
      if (!p) tables.set(k, (p = listGrants(deps.metastore, t)));
      return p;
    },
  };
}

async function rewriteBucketPolicy(deps: StorageDeps, bucket: string): Promise<PolicySync> {
  const { accounts } = deps.storage;
  return withBucketLock(deps.db, bucket, async (trx) => {
    const accesses = await activeStorageAccesses(trx, bucket);
    const current = await accounts.getBucketPolicy(bucket);
    // other catalogs' statements stay as they are
    const policy = bucketPolicyFor(bucket, accesses, deps.catalog, current);
    const named = accountsIn(policy, deps.catalog);
    if (named.length > 0) {
      const existing = new Set((await accounts.listAccounts()).map((a) => a.access));
      for (const a of accesses) {
        if (existing.has(a.account)) continue;
        await accounts.createAccount(a.account, newSecret());
        existing.add(a.account);
      }
      for (const p of await principalsNamed(trx, accesses.map((a) => a.principal.name))) {
        const account = storageAccountOf({ name: p.name, kind: p.kind });
        if (named.includes(account)) await recordPrincipalKey(trx, p.id, account);
      }
    }
    const changed = !samePolicy(current, policy);
    if (changed) await accounts.putBucketPolicy(bucket, policy);
    return { bucket, changed, principals: named.length };
  });
}

/** Whether `bucket`'s policy is what the live grants give (the reconciliation's question). */
export async function bucketPolicyDrifted(deps: StorageDeps, bucket: string): Promise<boolean> {
  const current = await deps.storage.accounts.getBucketPolicy(bucket);
  return !samePolicy(current, bucketPolicyFor(bucket, await activeStorageAccesses(deps.db, bucket), deps.catalog, current));
}

export type ProbeResult = { ok: true; proof: RevocationProof } | { ok: false; problems: string[] };

/** Proves that ended grant `g` gives nothing any more: the principal's own key is denied a read under the
 *  table's prefix (unless another live grant of theirs still covers it), and the metastore privileges
 *  only this grant gave are gone. Repairs what it finds still held; the caller records and retries. */
export async function probeRevocation(deps: StorageDeps, g: Grant): Promise<ProbeResult> {
  return (await probeRevocations(deps, [g]))[0]!;
}

/** `probeRevocation` for many ended grants, reading what they share once: their files' places, the live
 *  storage accesses, the live grants of their principals, and (through `reads`) the server's accounts and
 *  each table's privileges. */
export async function probeRevocations(deps: StorageDeps, grants: readonly Grant[], reads: ProofReads = freshReads(deps)): Promise<ProbeResult[]> {
  const targets = await storageTargetsOfGrants(deps.db, grants.map((g) => g.id));
  const accesses = targets.size > 0 ? await activeStorageAccesses(deps.db) : [];
  const live = await liveGrantsOfPrincipals(deps.db, [...new Set(grants.map((g) => g.principalId))], grants.map((g) => g.id));
  const takeBack = privilegesToTakeBack(grants, live);
  const out: ProbeResult[] = [];
  for (const [i, g] of grants.entries()) out.push(await probeOne(deps, g, targets.get(g.id), accesses, takeBack[i]!, reads));
  return out;
}

async function probeOne(
  deps: StorageDeps, g: Grant, target: StorageTarget | undefined, accesses: readonly (StorageAccess & { grantId: number })[], takeBack: readonly string[], reads: ProofReads,
): Promise<ProbeResult> {
  const problems: string[] = [];
  let storage: string;
  const account = storageAccountOf(g.principal);
  if (!target) {
    storage = 'the source keeps no files on S3';
  } else {
    const prefix = normalizePrefix(target.prefix);
    const stillCovered = accesses.find((a) => a.bucket === target.bucket && a.account === account && prefix.startsWith(normalizePrefix(a.prefix)));
    const creds = (await reads.accounts()).find((a) => a.access === account);
    if (stillCovered) {
      storage = `still readable through live grant ${stillCovered.grantId}`;
    } else if (!creds) {
      storage = `${account} has no S3 account`;
    } else {
      // an object that exists proves most; an empty prefix is probed with a key that cannot exist
      const key = (await deps.storage.accounts.firstKeyUnder(target.bucket, prefix)) ?? `${prefix}.lake-revocation-probe`;
      const outcome = await readAs(deps.storage.config, creds, target.bucket, key);
      storage = `GetObject ${target.bucket}/${key} with ${account}'s key: ${outcome}`;
      if (outcome !== 'denied') {
        problems.push(`${account} can still read ${target.bucket}/${key}`);
        await syncBucketPolicy(deps, target.bucket);
      }
    }
  }

  let metastore: string;
  const mustBeGone = takeBack.map((p) => p.toUpperCase());
  if (mustBeGone.length === 0) {
    metastore = g.privileges.length === 0 ? 'the level gives no metastore privilege' : `still held through a live grant of ${g.principal.name}`;
  } else {
    try {
      // this catalog's, and those from before grantors named their catalog; another catalog's grant is its own
      const grantors = [grantorOf(deps.catalog), LEGACY_GRANTOR];
      const held = (await reads.grantsOn(g.table)).filter((h) => samePrincipal(h.principal, g.principal) && grantors.includes(h.grantor) && mustBeGone.includes(h.privilege.toUpperCase()));
      metastore = `no ${mustBeGone.join(', ')} on ${g.table.database}.${g.table.table}`;
      if (held.length > 0) {
        problems.push(`${g.principal.kind} ${g.principal.name} still holds ${held.map((h) => h.privilege).join(', ')} on ${g.table.database}.${g.table.table}`);
        await revokeTable(deps.metastore, grantors, g.principal, g.table, held.map((h) => h.privilege));
      }
    } catch (e) {
      if (!(e instanceof MetastoreError && e.kind === 'NoSuchObject')) throw e;
      metastore = `${g.table.database}.${g.table.table} is not published: nothing is held on it`;
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, proof: { storage, metastore } };
}
