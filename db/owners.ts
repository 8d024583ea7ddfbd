// Who answers for a source, and who answers for everything. Owners approve a source's access requests,
// edit its metadata and start its crawls; a logical source is owned by its stream's owners, so it has no
// owners of its own. Admins may do everything. Owners and admins are users: the catalog knows no group
// membership, so a group could not be matched to the person acting. Every change is audited in
// governance_audit, like the other governance changes; a repeated change changes and audits nothing.
import type { Knex } from 'knex';
import { GovernanceError } from '../governance/levels';
import { UnknownPrincipalError } from './catalog';
import { audit } from './governance';
import { UnknownSourceError } from './sources';

export interface OwnerChange {
  /** The source's name. */
  source: string;
  /** The owner: a registered user's name. */
  principal: string;
  /** Who makes the change (recorded in the audit). */
  by: string;
}

async function userId(db: Knex, name: string): Promise<number> {
  const row = await db('principals').where({ name, kind: 'user' }).first('id');
  if (!row) throw new UnknownPrincipalError({ name, kind: 'user' });
  return row.id;
}

/** The source an owner is set on: a stream or a plain source, never a logical source. */
async function ownableSource(db: Knex, name: string): Promise<number> {
  const row = await db('sources').where({ name }).first('id', 'parent_id');
  if (!row) throw new UnknownSourceError(name);
  if (row.parent_id !== null && row.parent_id !== undefined) {
    const stream = await db('sources').where({ id: row.parent_id }).first('name');
    throw new GovernanceError(`${name} is a logical source: its stream's owners own it (lake source owner add ${stream?.name ?? '<stream>'} <user>)`);
  }
  return row.id;
}

/** A subquery of the ids of the sources `principalName` owns, logical sources of owned streams included. */
export function ownedSourceIds(db: Knex, principalName: string): Knex.QueryBuilder {
  return db('sources as os')
    .join('source_owners as o', 'o.source_id', db.raw('coalesce(os.parent_id, os.id)'))
    .join('principals as op', 'op.id', 'o.principal_id')
    .where({ 'op.name': principalName, 'op.kind': 'user' })
    .select('os.id');
}

/** The owners of a source (user names, sorted); a logical source's are its stream's. */
export async function ownersOf(db: Knex, sourceId: number): Promise<string[]> {
  const source = await db('sources').where({ id: sourceId }).first('id', 'parent_id');
  if (!source) throw new UnknownSourceError(`#${sourceId}`);
  const rows: { name: string }[] = await db('source_owners as o')
    .join('principals as p', 'p.id', 'o.principal_id')
    .where('o.source_id', source.parent_id ?? source.id)
    .orderBy('p.name')
    .select('p.name');
  return rows.map((r) => r.name);
}

/** Makes a user an owner of a source. Returns false when it already was one. */
export async function addOwner(db: Knex, c: OwnerChange): Promise<boolean> {
  return db.transaction(async (trx) => {
    const sourceId = await ownableSource(trx, c.source);
    const principalId = await userId(trx, c.principal);
    const [row] = await trx('source_owners').insert({ source_id: sourceId, principal_id: principalId, added_by: c.by }).onConflict(['source_id', 'principal_id']).ignore().returning('source_id');
    if (!row) return false;
    await audit(trx, { actor: c.by, entity: 'source', entityId: sourceId, action: 'owner-added', details: { source: c.source, principal: c.principal } });
    return true;
  });
}

/** Takes a user off a source's owners. Returns false when it was not one. */
export async function removeOwner(db: Knex, c: OwnerChange): Promise<boolean> {
  return db.transaction(async (trx) => {
    const sourceId = await ownableSource(trx, c.source);
    const principalId = await userId(trx, c.principal);
    const removed = await trx('source_owners').where({ source_id: sourceId, principal_id: principalId }).delete();
    if (removed === 0) return false;
    await audit(trx, { actor: c.by, entity: 'source', entityId: sourceId, action: 'owner-removed', details: { source: c.source, principal: c.principal } });
    return true;
  });
}

/** The names of the sources a user owns, with the logical sources of the streams it owns, sorted. An unknown
 *  name owns nothing. */
export async function sourcesOwnedBy(db: Knex, principalName: string): Promise<string[]> {
  const rows: { name: string }[] = await db('sources').whereIn('id', ownedSourceIds(db, principalName)).orderBy('name').select('name');
  return rows.map((r) => r.name);
}

/** Makes a user an admin, or not. Returns whether anything changed. */
export async function setAdmin(db: Knex, principal: string, admin: boolean, by: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const row = await trx('principals').where({ name: principal, kind: 'user' }).forUpdate().first('id', 'admin');
    if (!row) throw new UnknownPrincipalError({ name: principal, kind: 'user' });
    if (row.admin === admin) return false;
    await trx('principals').where({ id: row.id }).update({ admin });
    await audit(trx, { actor: by, entity: 'principal', entityId: row.id, action: admin ? 'admin-granted' : 'admin-removed', details: { name: principal } });
    return true;
  });
}

/** Whether a user is an admin. An unknown name is not (an identity from the SSO proxy need not be
 *  registered), and a group never is. */
export async function isAdmin(db: Knex, principal: string): Promise<boolean> {
  const row = await db('principals').where({ name: principal, kind: 'user' }).first('admin');
  return row?.admin === true;
}
