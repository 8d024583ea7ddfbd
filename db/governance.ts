// Queries of governance: principals, access requests, grants, the audit log and the notification
// outbox. Every state change goes through `transition`, which changes a row only from the state it
// expects and writes the audit entry in the same transaction; a repeated call changes nothing and
// audits nothing, which is what makes the activities built on it idempotent.
import type { Knex } from 'knex';
import {
  GovernanceError,
  grantDeadlines,
  levelOf,
  principalProblems,
  privilegesToTakeBack,
  validateAccessRequest,
  type AccessLevelId,
  type AccessRequestInput,
  type GovernanceProblem,
  type GrantStatus,
  type PrincipalKind,
  type PrincipalRef,
} from '../governance/levels';
import { tableOfLevel } from '../governance/level-views';
import { grantWorkflowId } from '../workflows/ids';

export interface Principal extends PrincipalRef {
  id: number;
  email: string | null;
}

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';

export interface AccessRequest {
  id: number;
  principal: PrincipalRef;
  principalId: number;
  source: string;
  sourceId: number;
  level: AccessLevelId;
  reason: string;
  days: number;
  status: RequestStatus;
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
}

export interface Grant {
  id: number;
  requestId: number | null;
  principal: PrincipalRef;
  principalId: number;
  source: string;
  sourceId: number;
  level: AccessLevelId;
  status: GrantStatus;
  enableCatalog: boolean;
  table: { database: string; table: string };
  privileges: string[];
  approvedBy: string;
  createdAt: Date;
  appliedAt: Date | null;
  expiresAt: Date;
  maxExpiresAt: Date;
  warnBeforeMs: number;
  warnedFor: Date | null;
  expiredAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
  workflowId: string;
  /** When the end of the grant was proven (storage read denied, privileges gone); null while not. */
  revocationVerifiedAt: Date | null;
  revocationProblem: string | null;
}

export type NotificationKind = 'warning' | 'expired' | 'revoked' | 'breaking-change' | 'source-failing' | 'revocation-unverified' | 'upstream-breaking-change';

export const CATALOG_ACTOR = 'lake-catalog';

// --- rows -----------------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any */
type Row = Record<string, any>;

export function requestFromRow(r: Row): AccessRequest {
  return {
    id: r.id,
    principal: { name: r.principal_name, kind: r.principal_kind },
    principalId: r.principal_id,
    source: r.source_name,
    sourceId: r.source_id,
    level: r.level,
    reason: r.reason,
    days: r.days,
    status: r.status,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
  };
}

export function grantFromRow(r: Row): Grant {
  return {
    id: r.id,
    requestId: r.request_id,
    principal: { name: r.principal_name, kind: r.principal_kind },
    principalId: r.principal_id,
    source: r.source_name,
    sourceId: r.source_id,
    level: r.level,
    status: r.status,
    enableCatalog: r.enable_catalog,
    table: { database: r.target_database, table: r.target_table },
    privileges: r.privileges ?? [],
    approvedBy: r.approved_by,
    createdAt: r.created_at,
    appliedAt: r.applied_at,
    expiresAt: r.expires_at,
    maxExpiresAt: r.max_expires_at,
    warnBeforeMs: Number(r.warn_before_ms),
    warnedFor: r.warned_for,
    expiredAt: r.expired_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    revokeReason: r.revoke_reason,
    workflowId: r.workflow_id,
    revocationVerifiedAt: r.revocation_verified_at ?? null,
    revocationProblem: r.revocation_problem ?? null,
  };
}

export function requestQuery(db: Knex) {
  return db('access_requests as r')
    .join('principals as p', 'p.id', 'r.principal_id')
    .join('sources as s', 's.id', 'r.source_id')
    .select('r.*', 'p.name as principal_name', 'p.kind as principal_kind', 's.name as source_name');
}

export function grantQuery(db: Knex) {
  return db('grants as g')
    .join('principals as p', 'p.id', 'g.principal_id')
    .join('sources as s', 's.id', 'g.source_id')
    .select('g.*', 'p.name as principal_name', 'p.kind as principal_kind', 's.name as source_name');
}

// --- audit ----------------------------------------------------------------------------------------

export interface AuditEntry {
  actor: string;
  entity: 'principal' | 'request' | 'grant' | 'source';
  entityId: number;
  action: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(db: Knex, e: AuditEntry): Promise<void> {
  await db('governance_audit').insert({
    actor: e.actor,
    entity: e.entity,
    entity_id: e.entityId,
    action: e.action,
    from_status: e.fromStatus ?? null,
    to_status: e.toStatus ?? null,
    details: JSON.stringify(e.details ?? {}),
  });
}

export async function auditTrail(db: Knex, entity: AuditEntry['entity'], entityId: number) {
  return db('governance_audit').where({ entity, entity_id: entityId }).orderBy('id');
}

/** Moves a row from one of `from` to `to` (with `set`), auditing it in the same transaction. Returns false,
 *  and changes nothing, when the row is not in one of `from` (already moved: a retry). */
async function transition(
  trx: Knex.Transaction,
  table: 'access_requests' | 'grants',
  id: number,
  from: string[],
  to: string,
  set: Row,
  entry: Omit<AuditEntry, 'entity' | 'entityId' | 'fromStatus' | 'toStatus'>,
): Promise<boolean> {
  const current = await trx(table).where({ id }).forUpdate().first('status');
  if (!current || !from.includes(current.status)) return false;
  await trx(table).where({ id }).update({ ...set, status: to });
  await audit(trx, { ...entry, entity: table === 'grants' ? 'grant' : 'request', entityId: id, fromStatus: current.status, toStatus: to });
  return true;
}

// --- principals -----------------------------------------------------------------------------------

export async function addPrincipal(db: Knex, p: PrincipalRef & { email?: string }, actor: string): Promise<Principal> {
  const problems = principalProblems(p);
  if (problems.length) throw new GovernanceError(`principal ${p.name} is invalid`, problems);
  return db.transaction(async (trx) => {
    const [row] = await trx('principals').insert({ name: p.name, kind: p.kind, email: p.email ?? null }).onConflict(['kind', 'name']).ignore().returning('*');
    if (row) {
      await audit(trx, { actor, entity: 'principal', entityId: row.id, action: 'registered', details: { name: p.name, kind: p.kind } });
      return { id: row.id, name: row.name, kind: row.kind, email: row.email };
    }
    const existing = await trx('principals').where({ name: p.name, kind: p.kind }).first();
    return { id: existing.id, name: existing.name, kind: existing.kind, email: existing.email };
  });
}

export async function findPrincipal(db: Knex, p: PrincipalRef): Promise<Principal | undefined> {
  const row = await db('principals').where({ name: p.name, kind: p.kind }).first();
  return row ? { id: row.id, name: row.name, kind: row.kind as PrincipalKind, email: row.email } : undefined;
}

export async function listPrincipals(db: Knex): Promise<(Principal & { admin: boolean })[]> {
  return (await db('principals').orderBy(['kind', 'name'])).map((r: Row) => ({ id: r.id, name: r.name, kind: r.kind, email: r.email, admin: r.admin === true }));
}

// --- requests -------------------------------------------------------------------------------------

/** Records a pending request. Every problem (shape, unknown source, unknown principal) is reported at once,
 *  and nothing is written when there is one. */
export async function requestAccess(db: Knex, input: AccessRequestInput): Promise<AccessRequest> {
  const problems: GovernanceProblem[] = validateAccessRequest(input);
  const source = typeof input.source === 'string' ? await db('sources').where({ name: input.source }).first('id', 'name') : undefined;
  if (!source && !problems.some((p) => p.field === 'source')) problems.push({ field: 'source', reason: `unknown source "${input.source}" (lake source list shows the registered ones)` });
  const principalShapeOk = !problems.some((p) => p.field.startsWith('principal'));
  const principal = principalShapeOk ? await findPrincipal(db, input.principal as PrincipalRef) : undefined;
  if (principalShapeOk && !principal) {
    problems.push({ field: 'principal', reason: `unknown ${input.principal.kind} "${input.principal.name}" (lake access principal add registers one)` });
  }
  if (problems.length) throw new GovernanceError('access request refused', problems);
  const id = await db.transaction(async (trx) => {
    const [row] = await trx('access_requests')
      .insert({ principal_id: principal!.id, source_id: source.id, level: input.level, reason: input.reason.trim(), days: input.days, requested_by: input.requestedBy })
      .returning('id');
    await audit(trx, {
      actor: input.requestedBy, entity: 'request', entityId: row.id, action: 'requested', toStatus: 'pending',
      details: { principal: input.principal, source: input.source, level: input.level, days: input.days },
    });
    return row.id as number;
  });
  return getRequest(db, id);
}

export async function getRequest(db: Knex, id: number): Promise<AccessRequest> {
  const row = await requestQuery(db).where('r.id', id).first();
  if (!row) throw new GovernanceError(`unknown access request ${id}`);
  return requestFromRow(row);
}

export async function listRequests(db: Knex, filter: { source?: string; status?: RequestStatus[] } = {}): Promise<AccessRequest[]> {
  const q = requestQuery(db).orderBy('r.id');
  if (filter.source) q.where('s.name', filter.source);
  if (filter.status) q.whereIn('r.status', filter.status);
  return (await q).map(requestFromRow);
}

export interface ApproveOptions {
  requestId: number;
  /** The catalog's name (LakeConfig.catalog): part of the id of the grant's workflow. */
  catalog: string;
  by: string;
  note?: string;
  enableCatalog?: boolean;
  now?: number; // ms; the catalog's clock by default
  dayMs?: number; // a day's length: tests make grants of seconds
  warnBeforeDays?: number;
}

/** Approves a pending request and creates its grant (pending until the expiry workflow applies it).
 *  Approving an approved request again returns its grant. */
export async function approveRequest(db: Knex, o: ApproveOptions): Promise<Grant> {
  const grantId = await db.transaction(async (trx) => {
    const req = await trx('access_requests').where({ id: o.requestId }).forUpdate().first();
    if (!req) throw new GovernanceError(`unknown access request ${o.requestId}`);
    if (req.status === 'approved') {
      const g = await trx('grants').where({ request_id: req.id }).first('id');
      if (g) return g.id as number;
    }
    if (req.status !== 'pending' && req.status !== 'approved') throw new GovernanceError(`access request ${o.requestId} is ${req.status}, not pending`);
    const level = levelOf(req.level);
    if (!level) throw new GovernanceError(`access request ${o.requestId} names unknown level ${req.level}`);
    const source = await trx('sources').where({ id: req.source_id }).first('name', 'target_database', 'target_table');
    const now = o.now ?? Date.now();
    const d = grantDeadlines(level, req.days, now, o.dayMs, o.warnBeforeDays);
    const [{ id }] = (await trx.raw(`select nextval(pg_get_serial_sequence('grants', 'id'))::int as id`)).rows;
    await transition(trx, 'access_requests', req.id, ['pending'], 'approved', { decided_by: o.by, decided_at: new Date(now), decision_note: o.note ?? null }, {
      actor: o.by, action: 'approved', details: o.note ? { note: o.note, grantId: id } : { grantId: id },
    });
    await trx('grants').insert({
      id,
      request_id: req.id,
      principal_id: req.principal_id,
      source_id: req.source_id,
      level: level.id,
      status: 'pending',
      enable_catalog: o.enableCatalog ?? true,
      target_database: source.target_database,
      target_table: tableOfLevel(level.id, source.target_table),
      privileges: JSON.stringify(level.metastorePrivileges),
      approved_by: o.by,
      created_at: new Date(now),
      expires_at: new Date(d.expiresAt),
      max_expires_at: new Date(d.maxExpiresAt),
      warn_before_ms: d.warnBeforeMs,
      workflow_id: grantWorkflowId(o.catalog, id),
    });
    await audit(trx, {
      actor: o.by, entity: 'grant', entityId: id, action: 'created', toStatus: 'pending',
      details: { requestId: req.id, level: level.id, expiresAt: new Date(d.expiresAt).toISOString(), table: `${source.target_database}.${source.target_table}`, privileges: level.metastorePrivileges },
    });
    return id as number;
  });
  return getGrant(db, grantId);
}

export async function decideRequest(db: Knex, o: { requestId: number; by: string; to: 'rejected' | 'cancelled'; note?: string }): Promise<AccessRequest> {
  await db.transaction(async (trx) => {
    const req = await trx('access_requests').where({ id: o.requestId }).first('status');
    if (!req) throw new GovernanceError(`unknown access request ${o.requestId}`);
    if (req.status === o.to) return;
    const moved = await transition(trx, 'access_requests', o.requestId, ['pending'], o.to, { decided_by: o.by, decided_at: trx.fn.now(), decision_note: o.note ?? null }, {
      actor: o.by, action: o.to, details: o.note ? { note: o.note } : {},
    });
    if (!moved) throw new GovernanceError(`access request ${o.requestId} is ${req.status}, not pending`);
  });
  return getRequest(db, o.requestId);
}

// --- grants ---------------------------------------------------------------------------------------

export async function findGrant(db: Knex, id: number): Promise<Grant | undefined> {
  const row = await grantQuery(db).where('g.id', id).first();
  return row ? grantFromRow(row) : undefined;
}

export async function getGrant(db: Knex, id: number): Promise<Grant> {
  const g = await findGrant(db, id);
  if (!g) throw new GovernanceError(`unknown grant ${id}`);
  return g;
}

export async function listGrantsOf(db: Knex, filter: { source?: string; principal?: PrincipalRef; status?: GrantStatus[] } = {}): Promise<Grant[]> {
  const q = grantQuery(db).orderBy('g.id');
  if (filter.source) q.where('s.name', filter.source);
  if (filter.principal) q.where({ 'p.name': filter.principal.name, 'p.kind': filter.principal.kind });
  if (filter.status) q.whereIn('g.status', filter.status);
  return (await q).map(grantFromRow);
}

/** What `g` may take away: its privileges that no other live grant of the same principal on the same table
 *  still needs (a user holding two grants on one view keeps SELECT when one of them ends). */
export async function privilegesOnlyGrantedBy(db: Knex, g: Grant): Promise<string[]> {
  const live = await listGrantsOf(db, { principal: g.principal, status: ['pending', 'active'] });
  return privilegesToTakeBack([g], live)[0]!;
}

/** The live grants of these principals, but for `except`. */
export async function liveGrantsOfPrincipals(db: Knex, principalIds: readonly number[], except: readonly number[] = []): Promise<Grant[]> {
  return (await grantQuery(db).whereIn('g.principal_id', principalIds).whereIn('g.status', ['pending', 'active']).whereNotIn('g.id', except)).map(grantFromRow);
}

/** Who uses what: the active grants of a source. */
export async function activeHolders(db: Knex, sourceId: number): Promise<Grant[]> {
  return (await grantQuery(db).where('g.source_id', sourceId).where('g.status', 'active').orderBy('g.id')).map(grantFromRow);
}

export async function markGrantActive(db: Knex, id: number, actor = CATALOG_ACTOR): Promise<boolean> {
  return db.transaction((trx) => transition(trx, 'grants', id, ['pending'], 'active', { applied_at: trx.fn.now() }, { actor, action: 'activated' }));
}

/** Records that grant `id`'s workflow now runs under `workflowId` (restarted under an id that names the
 *  catalog after its workflow from before such ids was lost). */
export async function recordGrantWorkflow(db: Knex, id: number, workflowId: string): Promise<void> {
  await db('grants').where({ id }).whereNot({ workflow_id: workflowId }).update({ workflow_id: workflowId });
}

/** Ends a grant as expired or revoked and records the holder's notification, in one transaction. */
export async function markGrantEnded(
  db: Knex,
  o: { grantId: number; kind: 'expired' | 'revoked'; by: string; reason?: string; revokedPrivileges: string[] },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const set = o.kind === 'expired' ? { expired_at: trx.fn.now() } : { revoked_at: trx.fn.now(), revoked_by: o.by, revoke_reason: o.reason ?? null };
    const moved = await transition(trx, 'grants', o.grantId, ['pending', 'active'], o.kind, set, {
      actor: o.by, action: o.kind, details: { reason: o.reason ?? null, metastoreRevoked: o.revokedPrivileges },
    });
    if (moved) await recordNotification(trx, endedNotification(grantFromRow(await grantQuery(trx).where('g.id', o.grantId).first()), o));
    return moved;
  });
}

/** The holder's notice that grant `g` ended. */
function endedNotification(g: Grant, o: { kind: 'expired' | 'revoked'; by: string; reason?: string }): NotificationInput {
  return {
    kind: o.kind, principalId: g.principalId, recipient: g.principal.name, sourceId: g.sourceId, grantId: g.id,
    payload: { grantId: g.id, source: g.source, level: g.level, table: `${g.table.database}.${g.table.table}`, by: o.by, reason: o.reason ?? null },
    dedupeKey: `grant/${g.id}/${o.kind}`,
  };
}

/** A live grant past its deadline, and the metastore privileges its end takes back. */
export interface DueGrant {
  grant: Grant;
  takeBack: string[];
}

/**
 * Ends as expired, in one transaction, up to `limit` live grants whose deadline has passed by the
 * database's clock, earliest first: a day's grants end at one instant, and one transaction for all of them
 * replaces one each. The rows are locked; a row another transaction holds (an extension being committed,
 * its own workflow ending it) is skipped and left to its own workflow. `revoke` takes their privileges back
 * in the metastore and answers for each, in order, what it revoked, or undefined when it could not: such a
 * grant stays live for its own workflow to retry (the metastore first, the catalog second, as for one).
 * Each ended grant gets its own audit entry and notification. Returns the grants ended.
 */
export async function endDueGrants(db: Knex, o: { limit: number; by: string }, revoke: (due: DueGrant[]) => Promise<(string[] | undefined)[]>): Promise<Grant[]> {
  return db.transaction(async (trx) => {
    const ids: number[] = await trx('grants')
      .whereIn('status', ['pending', 'active'])
      .where('expires_at', '<=', trx.raw('clock_timestamp()'))
      .orderBy('expires_at')
      .limit(o.limit)
      .forUpdate()
      .skipLocked()
      .pluck('id');
    if (ids.length === 0) return [];
    const due = (await grantQuery(trx).whereIn('g.id', ids).orderBy('g.id')).map(grantFromRow);
    const principals = [...new Set(due.map((g) => g.principalId))];
    const staying = await liveGrantsOfPrincipals(trx, principals, ids);
    const takeBack = privilegesToTakeBack(due, staying);
    const revoked = await revoke(due.map((grant, i) => ({ grant, takeBack: takeBack[i]! })));
    const ended = due.flatMap((g, i) => (revoked[i] === undefined ? [] : [{ g, revoked: revoked[i] }]));
    if (ended.length === 0) return [];
    // clock_timestamp(), not now(): the moment of the end, after the revoke, not the transaction's start
    await trx('grants').whereIn('id', ended.map((e) => e.g.id)).update({ status: 'expired', expired_at: trx.raw('clock_timestamp()') });
    await trx('governance_audit').insert(
      ended.map((e) => ({
        actor: o.by, entity: 'grant', entity_id: e.g.id, action: 'expired', from_status: e.g.status, to_status: 'expired',
        details: JSON.stringify({ reason: null, metastoreRevoked: e.revoked, endedTogether: ended.length }),
      })),
    );
    await trx('notifications')
      .insert(ended.map((e) => endedNotification(e.g, { kind: 'expired', by: o.by })).map((n) => notificationRow(n)))
      .onConflict('dedupe_key')
      .ignore();
    return ended.map((e) => ({ ...e.g, status: 'expired' as const }));
  });
}

/** Moves an active grant's expiry, audited; refuses past the level's maximum or on a grant not active. */
export async function extendGrantDeadline(db: Knex, o: { grantId: number; until: Date; by: string }): Promise<{ changed: boolean; problem?: string }> {
  return db.transaction(async (trx) => {
    const g = await trx('grants').where({ id: o.grantId }).forUpdate().first();
    if (!g) return { changed: false, problem: `unknown grant ${o.grantId}` };
    if (g.status !== 'active') return { changed: false, problem: `grant ${o.grantId} is ${g.status}, not active` };
    if (o.until.getTime() > new Date(g.max_expires_at).getTime()) return { changed: false, problem: `beyond the level's maximum (${new Date(g.max_expires_at).toISOString()})` };
    if (new Date(g.expires_at).getTime() === o.until.getTime()) return { changed: false };
    await trx('grants').where({ id: o.grantId }).update({ expires_at: o.until });
    await audit(trx, {
      actor: o.by, entity: 'grant', entityId: o.grantId, action: 'extended', fromStatus: 'active', toStatus: 'active',
      details: { from: new Date(g.expires_at).toISOString(), to: o.until.toISOString() },
    });
    return { changed: true };
  });
}

/** Records the expiry warning once per expiry date (an extension warns again before the new date). */
export async function recordWarning(db: Knex, grantId: number, forExpiresAt?: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    const row = await grantQuery(trx).where('g.id', grantId).forUpdate('g').first();
    if (!row || row.status !== 'active') return false;
    const g = grantFromRow(row);
    if (forExpiresAt !== undefined && g.expiresAt.getTime() !== forExpiresAt) return false; // extended meanwhile
    if (g.warnedFor && g.warnedFor.getTime() === g.expiresAt.getTime()) return false;
    await trx('grants').where({ id: grantId }).update({ warned_for: g.expiresAt });
    await audit(trx, { actor: CATALOG_ACTOR, entity: 'grant', entityId: grantId, action: 'warned', fromStatus: 'active', toStatus: 'active', details: { expiresAt: g.expiresAt.toISOString() } });
    await recordNotification(trx, {
      kind: 'warning', principalId: g.principalId, recipient: g.principal.name, sourceId: g.sourceId, grantId: g.id,
      payload: { grantId: g.id, source: g.source, level: g.level, expiresAt: g.expiresAt.toISOString() },
      dedupeKey: `grant/${g.id}/warning/${g.expiresAt.getTime()}`,
    });
    return true;
  });
}

// --- notifications --------------------------------------------------------------------------------

export interface NotificationInput {
  kind: NotificationKind;
  recipient: string;
  principalId?: number | null;
  sourceId?: number | null;
  grantId?: number | null;
  payload: Record<string, unknown>;
  dedupeKey: string; // the event and its recipient: recording it twice records it once
}

function notificationRow(n: NotificationInput) {
  return {
    kind: n.kind, recipient: n.recipient, principal_id: n.principalId ?? null, source_id: n.sourceId ?? null, grant_id: n.grantId ?? null,
    payload: JSON.stringify(n.payload), dedupe_key: n.dedupeKey,
  };
}

export async function recordNotification(db: Knex, n: NotificationInput): Promise<number | undefined> {
  const [row] = await db('notifications')
    .insert(notificationRow(n))
    .onConflict('dedupe_key')
    .ignore()
    .returning('id');
  return row?.id === undefined ? undefined : Number(row.id);
}

/** One notification per active holder of a source, e.g. on a breaking schema change (its own, or one at a
 *  topic landing in it). `event` names the event uniquely (e.g. `schema/v7`), so a retried merge notifies
 *  once. Usable inside a transaction. */
export async function notifySourceHolders(
  db: Knex,
  o: { sourceId: number; kind: 'breaking-change' | 'upstream-breaking-change' | 'source-failing'; event: string; payload: Record<string, unknown> },
): Promise<number> {
  const holders = await activeHolders(db, o.sourceId);
  let recorded = 0;
  for (const g of holders) {
    const id = await recordNotification(db, {
      kind: o.kind, recipient: g.principal.name, principalId: g.principalId, sourceId: o.sourceId, grantId: g.id,
      payload: { ...o.payload, source: g.source, grantId: g.id, level: g.level },
      dedupeKey: `source/${o.sourceId}/${o.kind}/${o.event}/grant/${g.id}`,
    });
    if (id !== undefined) recorded++;
  }
  return recorded;
}

export interface PendingNotification {
  id: string;
  kind: NotificationKind;
  recipient: string;
  payload: unknown;
  created_at: Date;
}

/** The outbox: notifications not delivered yet, oldest first. */
export async function undeliveredNotifications(db: Knex, limit: number): Promise<PendingNotification[]> {
  return db('notifications').whereNull('delivered_at').orderBy('id').limit(limit);
}

export async function markNotificationDelivered(db: Knex, id: string | number): Promise<void> {
  await db('notifications').where({ id }).update({ delivered_at: db.fn.now(), delivery_attempts: db.raw('delivery_attempts + 1'), last_error: null });
}

export async function markNotificationFailed(db: Knex, id: string | number, error: string): Promise<void> {
  await db('notifications').where({ id }).update({ delivery_attempts: db.raw('delivery_attempts + 1'), last_error: error.slice(0, 1000) });
}

/** Every table the catalog's privileges may be on: those of grants and of sources with a target table
 *  (a source without one was never meant to be published). */
export async function governedTables(db: Knex): Promise<{ database: string; table: string }[]> {
  const tables = new Map<string, { database: string; table: string }>();
  const add = (r: { target_database: string; target_table: string }) => tables.set(`${r.target_database}.${r.target_table}`, { database: r.target_database, table: r.target_table });
  for (const r of await db('grants').distinct('target_database', 'target_table')) add(r);
  for (const r of await db('sources').whereNotNull('target_database').whereNotNull('target_table').distinct('target_database', 'target_table')) add(r);
  return [...tables.values()];
}

export async function listNotifications(db: Knex, filter: { grantId?: number; sourceId?: number; kind?: NotificationKind } = {}) {
  const q = db('notifications').orderBy('id');
  if (filter.grantId !== undefined) q.where({ grant_id: filter.grantId });
  if (filter.sourceId !== undefined) q.where({ source_id: filter.sourceId });
  if (filter.kind) q.where({ kind: filter.kind });
  return q;
}
