// What a grant gives at the storage layer, and the bucket policy that says so. Pure: the policy of a bucket
// is a function of the catalog's live grants on it, so it is rewritten whole from them (never patched), and
// a lost or repeated update cannot leave access behind.
//
// One bucket policy holds every principal's access to that bucket. It stays small and cheap to evaluate by
// consolidating: per principal, one statement reading objects under all of its prefixes, and one listing
// the bucket. Statements are ordered, so the same grants always give the same document, byte for byte.
//
// Catalogs sharing a bucket share its policy: each statement's id names the catalog that wrote it, and a
// catalog rewrites only its own statements, keeping the others' as they are.
import { ACCESS_LEVELS, LEVEL_IDS, type AccessLevelId, type PrincipalRef } from './levels';

/** The levels whose grant reads the table's files with the holder's own key (`readsFiles`). */
export const STORAGE_READ_LEVELS: readonly AccessLevelId[] = LEVEL_IDS.filter((id) => ACCESS_LEVELS[id].readsFiles);

export function readsRawStorage(level: AccessLevelId): boolean {
  return ACCESS_LEVELS[level].readsFiles;
}

/** The S3 account of a principal on the lake's S3 server. The kind is part of it (a user and a group may
 *  share a name) and so is a prefix that keeps principals apart from the server's own accounts. */
export function storageAccountOf(p: PrincipalRef): string {
  return `lake-${p.kind}-${p.name}`;
}

/** One live grant's storage access: `account` reads objects under `prefix` of `bucket`. */
export interface StorageAccess {
  account: string;
  bucket: string;
  prefix: string; // no leading slash; ends with '/' unless empty (the whole bucket)
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { AWS: string[] };
  Action: string[];
  Resource: string[];
  Condition?: { StringLike: { 's3:prefix': string[] } };
}

export interface BucketPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** A table location's prefix as a policy pattern expects it: no leading slash, a trailing one. */
export function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

const SID_PREFIX = 'lake-catalog/';

/** The start of the ids of the statements catalog `catalog` writes. */
export function statementIdPrefix(catalog: string): string {
  return `${SID_PREFIX}${catalog}/`;
}

/** The policy `bucket` must have for `catalog`'s `accesses` (those on other buckets are ignored), beside
 *  the statements of other catalogs in the `current` policy; undefined when nobody holds anything on it
 *  (the policy is then deleted: an empty statement list is not a policy). A statement with no id is from
 *  before ids named their catalog, and goes: its catalog writes it again under its own name. */
export function bucketPolicyFor(bucket: string, accesses: readonly StorageAccess[], catalog: string, current?: unknown): BucketPolicy | undefined {
  const ours = catalogStatements(bucket, accesses, catalog);
  const others = statementsOf(current).filter((st) => typeof st.Sid === 'string' && st.Sid !== '' && !st.Sid.startsWith(statementIdPrefix(catalog)));
  if (ours.length + others.length === 0) return undefined;
  // grouped by catalog in name order, each in its own order: every catalog writes the same document
  const statements = [...others, ...ours].map((st, i) => ({ st, i, by: catalogOfStatement(st.Sid) }));
  statements.sort((x, y) => (x.by < y.by ? -1 : x.by > y.by ? 1 : x.i - y.i));
  return { Version: '2012-10-17', Statement: statements.map((x) => x.st) };
}

/** The catalog a statement id names, or the id itself when it is not a catalog's. */
function catalogOfStatement(sid: string): string {
  return sid.startsWith(SID_PREFIX) ? sid.slice(SID_PREFIX.length).split('/')[0] : sid;
}

function statementsOf(policy: unknown): PolicyStatement[] {
  const list = (policy as { Statement?: unknown } | undefined)?.Statement;
  return Array.isArray(list) ? (list as PolicyStatement[]) : [];
}

/** `catalog`'s statements for its accesses to `bucket`: a read and a list statement per account. */
function catalogStatements(bucket: string, accesses: readonly StorageAccess[], catalog: string): PolicyStatement[] {
  const byAccount = new Map<string, Set<string>>();
  for (const a of accesses) {
    if (a.bucket !== bucket) continue;
    let prefixes = byAccount.get(a.account);
    if (!prefixes) byAccount.set(a.account, (prefixes = new Set()));
    prefixes.add(normalizePrefix(a.prefix));
  }
  const sid = statementIdPrefix(catalog);
  const statements: PolicyStatement[] = [];
  for (const account of [...byAccount.keys()].sort()) {
    const prefixes = withoutCovered([...byAccount.get(account)!]);
    statements.push({
      Sid: `${sid}${account}/read`,
      Effect: 'Allow',
      Principal: { AWS: [account] },
      Action: ['s3:GetObject'],
      // the prefix's own name too: engines ask for it as a file before listing it as a directory, and a
      // refusal there (rather than "no such key") fails their read
      Resource: prefixes.flatMap((p) => (p === '' ? [`arn:aws:s3:::${bucket}/*`] : [`arn:aws:s3:::${bucket}/${p.slice(0, -1)}`, `arn:aws:s3:::${bucket}/${p}*`])),
    });
    // Engines list a table's prefix before reading it. The condition limits listing to the prefixes on
    // S3 itself; versitygw 1.7 does not evaluate conditions and lets the holder list the whole bucket
    // (key names, never contents): the README says so.
    statements.push({
      Sid: `${sid}${account}/list`,
      Effect: 'Allow',
      Principal: { AWS: [account] },
      Action: ['s3:ListBucket'],
      Resource: [`arn:aws:s3:::${bucket}`],
      Condition: { StringLike: { 's3:prefix': prefixes.flatMap((p) => (p === '' ? ['*'] : [p, `${p}*`])) } },
    });
  }
  return statements;
}

/** Sorted prefixes with those inside another dropped: `a/` covers `a/b/`. */
function withoutCovered(prefixes: string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((k) => p.startsWith(k))) kept.push(p);
  return kept;
}

/** Whether two policy documents say the same, whatever their key order or spacing (the server may echo a
 *  document reformatted). */
export function samePolicy(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The accounts `catalog`'s statements in a policy document name: the ones that must exist before the
 *  server accepts it. */
export function accountsIn(policy: BucketPolicy | undefined, catalog: string): string[] {
  const ours = (policy?.Statement ?? []).filter((s) => s.Sid.startsWith(statementIdPrefix(catalog)));
  return [...new Set(ours.flatMap((s) => s.Principal.AWS))].sort();
}
