// Table privileges in the metastore: grant, revoke and list through grant_revoke_privileges /
// list_privileges. Both changes are idempotent: granting what is held, or revoking what is not, is a no-op.
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
  createTime: number;
}

export const GRANTOR = 'lake-catalog';

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

function objectPrivilege(t: TableRef, p: Principal, privilege: string): hive.HiveObjectPrivilege {
  return new hive.HiveObjectPrivilege({
    hiveObject: tableObject(t),
    principalName: p.name,
    principalType: PRINCIPAL_TYPE[p.kind],
    grantInfo: new hive.PrivilegeGrantInfo({
      privilege,
      createTime: Math.floor(Date.now() / 1000),
      grantor: GRANTOR,
      grantorType: hive.PrincipalType.USER,
      grantOption: false,
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
      createTime: r.grantInfo.createTime,
    }));
}

/** Grants what `principal` does not hold yet of `privileges` on the table. */
export async function grantTable(ms: MetastoreClient, principal: Principal, table: TableRef, privileges: string[]): Promise<string[]> {
  const held = new Set((await listGrants(ms, table, principal)).map((g) => g.privilege));
  const missing = [...new Set(privileges.map((p) => p.toUpperCase()))].filter((p) => !held.has(p));
  if (missing.length > 0) {
    await ms.grantRevokePrivileges(hive.GrantRevokeType.GRANT, missing.map((p) => objectPrivilege(table, principal, p)));
  }
  return missing;
}

/** Revokes those of `privileges` that `principal` holds on the table; returns what it revoked. */
export async function revokeTable(ms: MetastoreClient, principal: Principal, table: TableRef, privileges: string[]): Promise<string[]> {
  const held = new Set((await listGrants(ms, table, principal)).map((g) => g.privilege));
  const present = [...new Set(privileges.map((p) => p.toUpperCase()))].filter((p) => held.has(p));
  if (present.length > 0) {
    await ms.grantRevokePrivileges(hive.GrantRevokeType.REVOKE, present.map((p) => objectPrivilege(table, principal, p)));
  }
  return present;
}
