// Table privileges in the metastore: grant, revoke and list through grant_revoke_privileges /
// list_privileges. Both changes are idempotent: granting what is held, or revoking what is not, is a no-op.
// Every privilege records its grantor, and lake catalog's names the catalog, so catalogs sharing a
// metastore each grant, revoke and reconcile only their own.
import { hive, type MetastoreClient } from './client';
import type { TableRef } from '../../schema/hive';

export type PrincipalKind = 'user' | 'group' | 'role';

export interface Principal {
  name: string;
  kind: PrincipalKind;
}

export interface TableGrant {
  principal: Principal;
  privilege: string; // SELECT, INSERT, …
  grantor: string;
  grantorKind: PrincipalKind;
  grantOption: boolean;
  createTime: number;
}

/** The grantor of the privileges catalog `catalog` gives. */
export function grantorOf(catalog: string): string {
  return `lake-catalog/${catalog}`;
}

/** The grantor of privileges given before grantors named their catalog: revoked when their grant ends,
 *  never revoked as stray (another catalog sharing the metastore may have given them). */
export const LEGACY_GRANTOR = 'lake-catalog';

const PRINCIPAL_TYPE: Record<PrincipalKind, hive.PrincipalType> = {
  user: hive.PrincipalType.USER,
  group: hive.PrincipalType.GROUP,
  role: hive.PrincipalType.ROLE,
};

function kindOf(type: hive.PrincipalType): PrincipalKind {
  return type === hive.PrincipalType.GROUP ? 'group' : type === hive.PrincipalType.ROLE ? 'role' : 'user';
}

function tableObject(t: TableRef): hive.HiveObjectRef {
  return new hive.HiveObjectRef({
    objectType: hive.HiveObjectType.TABLE,
    dbName: t.database,
    objectName: t.table,
    partValues: undefined as unknown as string[],
    columnName: undefined as unknown as string,
  });
}

function objectPrivilege(t: TableRef, p: Principal, privilege: string, grantor: Pick<TableGrant, 'grantor'> & Partial<TableGrant>): hive.HiveObjectPrivilege {
  return new hive.HiveObjectPrivilege({
    hiveObject: tableObject(t),
    principalName: p.name,
    principalType: PRINCIPAL_TYPE[p.kind],
    grantInfo: new hive.PrivilegeGrantInfo({
      privilege,
      createTime: grantor.createTime ?? Math.floor(Date.now() / 1000),
      grantor: grantor.grantor,
      grantorType: PRINCIPAL_TYPE[grantor.grantorKind ?? 'user'],
      grantOption: grantor.grantOption ?? false,
    }),
    authorizer: undefined as unknown as string,
  });
}

export async function listGrants(ms: MetastoreClient, table: TableRef, principal?: Principal): Promise<TableGrant[]> {
  const rows = await ms.listPrivileges(tableObject(table), principal && { name: principal.name, type: PRINCIPAL_TYPE[principal.kind] });
  return rows
    .filter((r) => r.hiveObject?.objectType === hive.HiveObjectType.TABLE)
    .map((r) => ({
      principal: { name: r.principalName, kind: kindOf(r.principalType) },
      privilege: r.grantInfo.privilege.toUpperCase(),
      grantor: r.grantInfo.grantor,
      grantorKind: kindOf(r.grantInfo.grantorType),
      grantOption: Boolean(r.grantInfo.grantOption),
      createTime: r.grantInfo.createTime,
    }));
}

/** Grants, as `grantor`, what `principal` does not hold yet from it of `privileges` on the table. */
export async function grantTable(ms: MetastoreClient, grantor: string, principal: Principal, table: TableRef, privileges: string[]): Promise<string[]> {
  const held = new Set((await listGrants(ms, table, principal)).filter((g) => g.grantor === grantor).map((g) => g.privilege));
  const missing = [...new Set(privileges.map((p) => p.toUpperCase()))].filter((p) => !held.has(p));
  if (missing.length > 0) {
    await ms.grantRevokePrivileges(hive.GrantRevokeType.GRANT, missing.map((p) => objectPrivilege(table, principal, p, { grantor })));
  }
  return missing;
}

export interface RevokeRequest {
  principal: Principal;
  privileges: string[];
}

/** Revokes those of `privileges` that `principal` holds on the table from one of `grantors`; returns what
 *  it revoked. */
export async function revokeTable(ms: MetastoreClient, grantors: readonly string[], principal: Principal, table: TableRef, privileges: string[]): Promise<string[]> {
  return (await revokeOnTable(ms, grantors, table, [{ principal, privileges }]))[0]!;
}

/** `revokeTable` for many principals of one table at once: one listing, one revoke for all of them (a
 *  day's grants ending together cost the metastore three calls, not three each). Returns what it revoked
 *  for each request, in order. The metastore revokes a privilege from whichever grantor's row it meets
 *  first, so every row of it goes (one row per principal and privilege in each call) and the other
 *  grantors' rows are given back as they were, but for their createTime (the metastore stamps a grant
 *  with its own clock and ignores the one the grant carries). */
export async function revokeOnTable(ms: MetastoreClient, grantors: readonly string[], table: TableRef, requests: readonly RevokeRequest[]): Promise<string[][]> {
  const principals = new Set(requests.map((r) => principalKey(r.principal)));
  const only = principals.size === 1 ? requests[0]!.principal : undefined;
  const rows = await listGrants(ms, table, only);
  const touched = new Map<string, TableGrant>(); // one per row: two requests may name the same privilege
  const revoked = requests.map((r) => {
    const wanted = new Set(r.privileges.map((p) => p.toUpperCase()));
    const mine = rows.filter((g) => (only || principalKey(g.principal) === principalKey(r.principal)) && wanted.has(g.privilege));
    const present = [...new Set(mine.filter((g) => grantors.includes(g.grantor)).map((g) => g.privilege))];
    for (const g of mine) if (present.includes(g.privilege)) touched.set(`${principalKey(g.principal)}|${g.privilege}|${g.grantor}`, g);
    return present;
  });
  // rounds in which no principal's privilege appears twice
  const rounds: TableGrant[][] = [];
  for (const g of touched.values()) {
    const k = `${principalKey(g.principal)}|${g.privilege}`;
    const round = rounds.find((r) => !r.some((x) => `${principalKey(x.principal)}|${x.privilege}` === k));
    if (round) round.push(g);
    else rounds.push([g]);
  }
  for (const round of rounds) {
    await ms.grantRevokePrivileges(hive.GrantRevokeType.REVOKE, round.map((g) => objectPrivilege(table, g.principal, g.privilege, g)));
  }
  const others = [...touched.values()].filter((g) => !grantors.includes(g.grantor));
  if (others.length > 0) {
    await ms.grantRevokePrivileges(hive.GrantRevokeType.GRANT, others.map((g) => objectPrivilege(table, g.principal, g.privilege, g)));
  }
  return revoked;
}

// the metastore keeps role names in lower case
const principalKey = (p: Principal) => `${p.kind}:${p.kind === 'role' ? p.name.toLowerCase() : p.name}`;

/** Whether two principals are the same one to the metastore. */
export function samePrincipal(a: Principal, b: Principal): boolean {
  return principalKey(a) === principalKey(b);
}
