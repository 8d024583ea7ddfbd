// Queries of storage-level access: where each grant's data lives, which live grants read which bucket,
// the principals' S3 keys (their names and when a secret was shown, never the secret), and the proof that
// an ended grant reads nothing any more.
import type { Knex } from 'knex';
import { STORAGE_READ_LEVELS, storageAccountOf, type StorageAccess } from '../governance/storage-policy';
import type { PrincipalRef } from '../governance/levels';
import { audit, CATALOG_ACTOR } from './governance';

/** Where a grant's source keeps its files: its own location, or its stream's for a logical source.
 *  Undefined for sources that are not files on S3 (PostgreSQL tables). */
export interface StorageTarget {
  bucket: string;
  prefix: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function targetOfRow(r: Record<string, any>): StorageTarget | undefined {
  const kind = r.parent_kind ?? r.source_kind;
  const loc = r.parent_location ?? r.source_location;
  if (kind !== 's3' || !loc || typeof loc.bucket !== 'string') return undefined;
  return { bucket: loc.bucket, prefix: typeof loc.prefix === 'string' ? loc.prefix : '' };
}

function grantLocations(db: Knex) {
  return db('grants as g')
    .join('principals as p', 'p.id', 'g.principal_id')
    .join('sources as s', 's.id', 'g.source_id')
    .leftJoin('sources as parent', 'parent.id', 's.parent_id')
    .select(
      'g.id', 'g.level', 'g.status', 'p.name as principal_name', 'p.kind as principal_kind',
      's.kind as source_kind', 's.location as source_location', 'parent.kind as parent_kind', 'parent.location as parent_location',
    );
}

export async function storageTargetOfGrant(db: Knex, grantId: number): Promise<StorageTarget | undefined> {
  const r = await grantLocations(db).where('g.id', grantId).first();
  return r ? targetOfRow(r) : undefined;
}

/** `storageTargetOfGrant` for many grants in one query: those with files on S3. */
export async function storageTargetsOfGrants(db: Knex, grantIds: readonly number[]): Promise<Map<number, StorageTarget>> {
  const out = new Map<number, StorageTarget>();
  for (const r of await grantLocations(db).whereIn('g.id', grantIds)) {
    const t = targetOfRow(r);
    if (t) out.set(r.id, t);
  }
  return out;
}

/** The storage access live grants give: active grants at levels that read raw files, on S3 sources.
 *  `bucket` narrows to one bucket. */
export async function activeStorageAccesses(db: Knex, bucket?: string): Promise<(StorageAccess & { grantId: number; principal: PrincipalRef })[]> {
  const rows = await grantLocations(db).where('g.status', 'active').whereIn('g.level', STORAGE_READ_LEVELS as string[]).orderBy('g.id');
  const out: (StorageAccess & { grantId: number; principal: PrincipalRef })[] = [];
  for (const r of rows) {
    const t = targetOfRow(r);
    if (!t || (bucket !== undefined && t.bucket !== bucket)) continue;
    const principal: PrincipalRef = { name: r.principal_name, kind: r.principal_kind };
    out.push({ grantId: r.id, principal, account: storageAccountOf(principal), bucket: t.bucket, prefix: t.prefix });
  }
  return out;
}

/** Every bucket a grant that reads raw files ever pointed at: the policies the catalog owns. */
export async function grantedBuckets(db: Knex): Promise<string[]> {
  const rows = await grantLocations(db).whereIn('g.level', STORAGE_READ_LEVELS as string[]);
  return [...new Set(rows.map(targetOfRow).filter((t): t is StorageTarget => t !== undefined).map((t) => t.bucket))].sort();
}

/** Serializes the rewrites of one bucket's policy across workers: each rewrite reads the grants after the
 *  one before it wrote, so the last write always reflects the latest catalog. */
export async function withBucketLock<T>(db: Knex, bucket: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`lake-bucket-policy:${bucket}`]);
    return fn(trx);
  });
}

// --- principals' keys -----------------------------------------------------------------------------

export interface PrincipalKey {
  principalId: number;
  accessKey: string;
  createdAt: Date;
  issuedAt: Date | null;
  issues: number;
}

export async function principalKeyOf(db: Knex, principalId: number): Promise<PrincipalKey | undefined> {
  const r = await db('principal_keys').where({ principal_id: principalId }).first();
  return r ? { principalId: r.principal_id, accessKey: r.access_key, createdAt: r.created_at, issuedAt: r.issued_at, issues: r.issues } : undefined;
}

/** Records that the principal's account exists on the S3 server (idempotent). */
/** The principals of these names, with their ids (a policy names accounts; the catalog keeps which is whose). */
export async function principalsNamed(db: Knex, names: readonly string[]): Promise<{ id: number; name: string; kind: PrincipalRef['kind'] }[]> {
  return db('principals').whereIn('name', [...new Set(names)]).select('id', 'name', 'kind');
}

export async function recordPrincipalKey(db: Knex, principalId: number, accessKey: string): Promise<void> {
  await db('principal_keys').insert({ principal_id: principalId, access_key: accessKey }).onConflict('principal_id').ignore();
}

/** Records that a secret was shown to the principal, audited (who asked, first or rotated). */
export async function recordKeyIssued(db: Knex, o: { principalId: number; accessKey: string; by: string }): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('principal_keys').insert({ principal_id: o.principalId, access_key: o.accessKey }).onConflict('principal_id').ignore();
    const [row] = await trx('principal_keys').where({ principal_id: o.principalId }).update({ issued_at: trx.fn.now(), issues: trx.raw('issues + 1') }).returning('issues');
    await audit(trx, { actor: o.by, entity: 'principal', entityId: o.principalId, action: row.issues > 1 ? 'key-rotated' : 'key-issued', details: { accessKey: o.accessKey } });
  });
}

// --- proof of revocation --------------------------------------------------------------------------

export interface RevocationProof {
  storage: string; // what the storage probe found, e.g. "GetObject bucket/key denied"
  metastore: string; // e.g. "no SELECT on db.table"
}

/** Records that a grant's end was proven; audited once (a repeated call changes nothing). */
export async function markRevocationVerified(db: Knex, grantId: number, proof: RevocationProof): Promise<Date> {
  const at = (await markRevocationsVerified(db, [{ grantId, proof }])).get(grantId);
  if (!at) throw new Error(`unknown grant ${grantId}`);
  return at;
}

/** Records many proofs in one transaction, each grant's once with its own audit entry; returns when each
 *  end was proven (the first proof's time for one proven before). */
export async function markRevocationsVerified(db: Knex, proofs: readonly { grantId: number; proof: RevocationProof }[]): Promise<Map<number, Date>> {
  if (proofs.length === 0) return new Map();
  return db.transaction(async (trx) => {
    const ids = proofs.map((p) => p.grantId);
    const rows: { id: number; status: string; revocation_verified_at: Date | null }[] = await trx('grants').whereIn('id', ids).orderBy('id').forUpdate().select('id', 'status', 'revocation_verified_at');
    const at = new Map<number, Date>(rows.filter((r) => r.revocation_verified_at).map((r) => [r.id, r.revocation_verified_at!]));
    const fresh = rows.filter((r) => !r.revocation_verified_at);
    if (fresh.length === 0) return at;
    const updated: { id: number; revocation_verified_at: Date }[] = await trx('grants')
      .whereIn('id', fresh.map((r) => r.id))
      .update({ revocation_verified_at: trx.fn.now(), revocation_problem: null })
      .returning(['id', 'revocation_verified_at']);
    for (const u of updated) at.set(u.id, u.revocation_verified_at);
    const proofOf = new Map(proofs.map((p) => [p.grantId, p.proof]));
    await trx('governance_audit').insert(
      fresh.map((r) => ({
        actor: CATALOG_ACTOR, entity: 'grant', entity_id: r.id, action: 'verified', from_status: r.status, to_status: r.status,
        details: JSON.stringify({ verifiedAt: at.get(r.id)!.toISOString(), ...proofOf.get(r.id) }),
      })),
    );
    return at;
  });
}

export async function markRevocationProblem(db: Knex, grantId: number, problem: string): Promise<void> {
  await db('grants').where({ id: grantId }).whereNull('revocation_verified_at').update({ revocation_problem: problem.slice(0, 2000) });
}

/** Ended grants whose end was not proven yet, oldest first. */
export async function unverifiedRevocations(db: Knex): Promise<{ grantId: number; problem: string | null }[]> {
  const rows = await db('grants').whereIn('status', ['expired', 'revoked']).whereNull('revocation_verified_at').orderBy('id').select('id', 'revocation_problem');
  return rows.map((r: any) => ({ grantId: r.id, problem: r.revocation_problem }));
}

// --- the catalog's own keys -----------------------------------------------------------------------

/** The catalog's key named `name`, made (random, 256 bits) the first time it is asked for. */
export async function catalogKey(db: Knex, name: string, make: () => string): Promise<string> {
  await db('catalog_keys').insert({ name, value: make() }).onConflict('name').ignore();
  return (await db('catalog_keys').where({ name }).first('value')).value as string;
}

/** The column paths of a source tagged identifying (as the catalog names columns). */
export async function identifyingPaths(db: Knex, sourceId: number, tags: readonly string[]): Promise<Set<string>> {
  const rows = await db('column_metadata').where({ source_id: sourceId }).whereRaw('tags && ?::text[]', [[...tags]]).select('path');
  return new Set(rows.map((r: { path: string }) => r.path));
}
