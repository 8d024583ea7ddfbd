// The named queries the access pages read (and the CLI where it shows the same): an owner's approvals
// inbox, a principal's own access, the access log in the columns of the access list people know, every
// step of an access journey from the audit, and the level a principal holds on a source.
import type { Knex } from 'knex';
import { ACCESS_LEVELS, highestLevel, type AccessLevel, type AccessLevelId, type GrantStatus, type PrincipalKind, type PrincipalRef } from '../governance/levels';
import { UnknownPrincipalError } from './catalog';
import { findPrincipal, grantFromRow, grantQuery, requestFromRow, requestQuery, type AccessRequest, type Grant, type RequestStatus } from './governance';
import { ownedSourceIds } from './owners';

export interface AccessViewer {
  name: string;
  admin: boolean;
}

/** The pending requests a viewer may decide: on the sources it owns (logical sources of its streams
 *  included), every source's for an admin. Oldest first: they have waited longest. */
export async function approvalsInbox(db: Knex, viewer: AccessViewer): Promise<AccessRequest[]> {
  const q = requestQuery(db).where('r.status', 'pending').orderBy('r.id');
  if (!viewer.admin) q.whereIn('r.source_id', ownedSourceIds(db, viewer.name));
  return (await q).map(requestFromRow);
}

export interface HeldGrant extends Grant {
  /** The longest period the grant's level allows, in days. */
  maxDays: number;
  /** An extension is possible: the grant is active and its expiry is before the level's maximum. */
  extendable: boolean;
}

export interface ExpiryWarning {
  grantId: number;
  source: string;
  level: AccessLevelId;
  expiresAt: Date;
  warnedAt: Date;
}

export interface MyAccess {
  principal: PrincipalRef;
  /** Live grants (being applied, or active), soonest expiry first. */
  grants: HeldGrant[];
  /** Pending requests, then the latest decided ones. */
  requests: AccessRequest[];
  /** Warnings of the outbox for the live grants' current expiries (an extension makes the older one moot). */
  warnings: ExpiryWarning[];
}

const RECENT_REQUESTS = 20;

/** What a principal holds and has asked for. An unknown principal is an error, not an empty page. */
export async function myAccess(db: Knex, principal: PrincipalRef): Promise<MyAccess> {
  const p = await findPrincipal(db, principal);
  if (!p) throw new UnknownPrincipalError(principal);
  const grants = (await grantQuery(db).where('g.principal_id', p.id).whereIn('g.status', ['pending', 'active']).orderBy([{ column: 'g.expires_at' }, { column: 'g.id' }])).map(grantFromRow);
  const pending = (await requestQuery(db).where('r.principal_id', p.id).where('r.status', 'pending').orderBy('r.id', 'desc')).map(requestFromRow);
  const decided = (await requestQuery(db).where('r.principal_id', p.id).whereNot('r.status', 'pending').orderBy('r.id', 'desc').limit(RECENT_REQUESTS)).map(requestFromRow);
  const live = new Map(grants.map((g) => [g.id, g]));
  const notes: { grant_id: number; payload: { expiresAt?: string }; created_at: Date }[] = live.size
    ? await db('notifications').where('kind', 'warning').whereIn('grant_id', [...live.keys()]).orderBy('id').select('grant_id', 'payload', 'created_at')
    : [];
  const warnings = notes.flatMap((n) => {
    const g = live.get(n.grant_id)!;
    if (n.payload.expiresAt === undefined || new Date(n.payload.expiresAt).getTime() !== g.expiresAt.getTime()) return [];
    return [{ grantId: g.id, source: g.source, level: g.level, expiresAt: g.expiresAt, warnedAt: n.created_at }];
  });
  return {
    principal: { name: p.name, kind: p.kind },
    grants: grants.map((g) => ({ ...g, maxDays: ACCESS_LEVELS[g.level].maxDays, extendable: g.status === 'active' && g.expiresAt.getTime() < g.maxExpiresAt.getTime() })),
    requests: [...pending, ...decided],
    warnings,
  };
}

/** One row of the access log: a request with its grant, in the columns of the access list people know. */
export interface AccessLogRow {
  /** ID: the request's. */
  id: number;
  grantId: number | null;
  userType: PrincipalKind;
  authLevel: AccessLevelId;
  user: string;
  dataSource: string;
  /** DESCRIPTION: the reason given. */
  description: string;
  /** STATUS: the request's, or its grant's once approved. */
  status: RequestStatus | GrantStatus;
  createdBy: string;
  /** REQUEST PERIOD, in days. */
  requestPeriodDays: number;
  createdAt: Date;
  /** EXPIRATION: the grant's current expiry. */
  expiration: Date | null;
  /** EXPIRED AT: when the grant expired or was revoked. */
  expiredAt: Date | null;
  /** ENABLE CATALOG: null without a grant. */
  enableCatalog: boolean | null;
}

export interface AccessLogFilter {
  source?: string;
  principal?: string;
  /** A request status, or a grant status for approved requests (the STATUS column). */
  status?: string;
  level?: string;
  limit?: number;
  /** Whose log it is: a viewer who is not an admin sees its own requests (for it, or made by it) and those of
   *  the sources it owns. Without it, everything (the operator's CLI). */
  viewer?: AccessViewer;
}

/** The access log, newest request first (`limit` 200 unless said). */
export async function accessLog(db: Knex, filter: AccessLogFilter = {}): Promise<AccessLogRow[]> {
  const q = db('access_requests as r')
    .join('principals as p', 'p.id', 'r.principal_id')
    .join('sources as s', 's.id', 'r.source_id')
    .leftJoin('grants as g', 'g.request_id', 'r.id')
    .select(
      'r.id', 'g.id as grant_id', 'p.kind', 'p.name', 'r.level', 's.name as source_name', 'r.reason', 'r.requested_by', 'r.days', 'r.requested_at',
      'g.expires_at', db.raw('coalesce(g.revoked_at, g.expired_at) as ended_at'), 'g.enable_catalog', db.raw('coalesce(g.status, r.status) as shown_status'),
    )
    .orderBy('r.id', 'desc')
    .limit(Math.max(1, Math.min(filter.limit ?? 200, 10_000)));
  if (filter.source !== undefined) q.where('s.name', filter.source);
  if (filter.principal !== undefined) q.where('p.name', filter.principal);
  if (filter.level !== undefined) q.where('r.level', filter.level);
  if (filter.status !== undefined) q.whereRaw('coalesce(g.status, r.status) = ?', [filter.status]);
  const v = filter.viewer;
  if (v && !v.admin) {
    q.where((w) => {
      w.where((own) => own.where('p.name', v.name).where('p.kind', 'user'))
        .orWhere('r.requested_by', v.name)
        .orWhereIn('r.source_id', ownedSourceIds(db, v.name));
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await q).map((r: any) => ({
    id: r.id,
    grantId: r.grant_id ?? null,
    userType: r.kind,
    authLevel: r.level,
    user: r.name,
    dataSource: r.source_name,
    description: r.reason,
    status: r.shown_status,
    createdBy: r.requested_by,
    requestPeriodDays: r.days,
    createdAt: r.requested_at,
    expiration: r.expires_at ?? null,
    expiredAt: r.ended_at ?? null,
    enableCatalog: r.enable_catalog ?? null,
  }));
}

/** One step of an access journey, from the audit: requested, approved, created, activated, warned,
 *  extended, revoked, expired, verified, and owner changes of a source. */
export interface AccessEvent {
  id: number;
  at: Date;
  actor: string;
  entity: 'request' | 'grant' | 'source' | 'principal';
  entityId: number;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  details: Record<string, unknown>;
  /** The request the step belongs to (for grant steps: the grant's request), when there is one. */
  requestId: number | null;
  grantId: number | null;
}

/** Every audited step of the requests and grants that match, in order. Filters combine (all must hold). */
export async function accessEvents(db: Knex, filter: { requestId?: number; grantId?: number; source?: string; principal?: string } = {}): Promise<AccessEvent[]> {
  const requests = db('access_requests as r').join('sources as s', 's.id', 'r.source_id').join('principals as p', 'p.id', 'r.principal_id').select('r.id');
  const grants = db('grants as g').join('sources as s', 's.id', 'g.source_id').join('principals as p', 'p.id', 'g.principal_id').select('g.id');
  if (filter.requestId !== undefined) {
    requests.where('r.id', filter.requestId);
    grants.where('g.request_id', filter.requestId);
  }
  if (filter.grantId !== undefined) {
    requests.whereIn('r.id', db('grants').where('id', filter.grantId).whereNotNull('request_id').select('request_id'));
    grants.where('g.id', filter.grantId);
  }
  if (filter.source !== undefined) {
    requests.where('s.name', filter.source);
    grants.where('s.name', filter.source);
  }
  if (filter.principal !== undefined) {
    requests.where('p.name', filter.principal);
    grants.where('p.name', filter.principal);
  }
  const q = db('governance_audit as a')
    .leftJoin('grants as eg', (j) => j.on('eg.id', '=', 'a.entity_id').andOn('a.entity', '=', db.raw('?', ['grant'])))
    .where((w) => {
      w.where((r) => r.where('a.entity', 'request').whereIn('a.entity_id', requests)).orWhere((g) => g.where('a.entity', 'grant').whereIn('a.entity_id', grants));
      // a source's owner changes belong to its journey when only the source is asked about
      if (filter.source !== undefined && filter.requestId === undefined && filter.grantId === undefined && filter.principal === undefined) {
        w.orWhere((s) => s.where('a.entity', 'source').whereIn('a.entity_id', db('sources').where('name', filter.source!).select('id')));
      }
    })
    .orderBy('a.id')
    .select('a.*', 'eg.request_id as grant_request_id');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await q).map((r: any) => ({
    id: Number(r.id),
    at: r.at,
    actor: r.actor,
    entity: r.entity,
    entityId: r.entity_id,
    action: r.action,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    details: r.details ?? {},
    requestId: r.entity === 'request' ? r.entity_id : (r.grant_request_id ?? null),
    grantId: r.entity === 'grant' ? r.entity_id : typeof r.details?.grantId === 'number' ? r.details.grantId : null,
  }));
}

/** The level a principal holds on a source: the highest of its active grants, or null without one. */
export async function viewerLevel(db: Knex, sourceId: number, principal: PrincipalRef): Promise<AccessLevel | null> {
  const rows: { level: AccessLevelId }[] = await db('grants as g')
    .join('principals as p', 'p.id', 'g.principal_id')
    .where({ 'g.source_id': sourceId, 'g.status': 'active', 'p.name': principal.name, 'p.kind': principal.kind })
    .select('g.level');
  return highestLevel(rows.map((r) => r.level));
}
