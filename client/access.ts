// The governance actions, each in one place for every front end (the `lake` CLI and the web): approving a
// request (the level's table must be published, then the grant, then its expiry workflow), rejecting and
// cancelling, and extending, revoking and giving up a grant through its workflow. A refused workflow update
// and a workflow that has ended come back as a GovernanceError saying so in words a person can act on.
// Whether the person acting may do it is the caller's question (governance/authority.ts).
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { LakeConfig } from '../config';
import { approveRequest, decideRequest, getGrant, getRequest, type AccessRequest, type Grant } from '../db/governance';
import { getSourceById } from '../db/sources';
import { DAY_MS, GovernanceError, levelOf } from '../governance/levels';
import { extendGrant, revokeGrant, startGrantExpiry } from './grants';
import { tableIsPublished } from './tables';

export interface AccessDeps {
  db: Knex;
  temporal: () => Promise<Client>;
  config: LakeConfig;
}

/** The table a pending request's level must read, when the metastore does not have it. */
async function unpublishedTable(deps: AccessDeps, requestId: number): Promise<string | undefined> {
  const r = await getRequest(deps.db, requestId);
  if ((levelOf(r.level)?.metastorePrivileges.length ?? 0) === 0 || r.status !== 'pending') return undefined;
  const s = await getSourceById(deps.db, r.sourceId);
  return (await tableIsPublished(deps.config.metastore, s.targetDatabase, s.targetTable)) ? undefined : `${s.targetDatabase}.${s.targetTable}`;
}

/** Approves a pending request: its grant, then `<catalog>/grant/<id>`, which applies it and ends it at
 *  expiry. Refused while the table its level reads is not published. Approving again returns the same
 *  grant, its workflow left running (`workflowStarted` false). */
export async function approveAccess(
  deps: AccessDeps,
  o: { requestId: number; by: string; note?: string; enableCatalog?: boolean },
): Promise<{ grant: Grant; workflowStarted: boolean }> {
  const unpublished = await unpublishedTable(deps, o.requestId);
  if (unpublished) throw new GovernanceError(`request ${o.requestId} cannot be approved yet: its level reads table ${unpublished}, which is not published (crawl the source first)`);
  const grant = await approveRequest(deps.db, {
    requestId: o.requestId, catalog: deps.config.catalog, by: o.by, note: o.note, enableCatalog: o.enableCatalog ?? true, warnBeforeDays: deps.config.governance.warnBeforeDays,
  });
  const workflowStarted = await startGrantExpiry(await deps.temporal(), deps.config.catalog, { id: grant.id, source: grant.source }, deps.config.temporal.taskQueue);
  return { grant, workflowStarted };
}

export function rejectRequest(deps: AccessDeps, o: { requestId: number; by: string; note?: string }): Promise<AccessRequest> {
  return decideRequest(deps.db, { requestId: o.requestId, by: o.by, to: 'rejected', note: o.note });
}

export function cancelRequest(deps: AccessDeps, o: { requestId: number; by: string; note?: string }): Promise<AccessRequest> {
  return decideRequest(deps.db, { requestId: o.requestId, by: o.by, to: 'cancelled', note: o.note });
}

/** The message of a refused update: the validator's words, without the SDK's wrapping. */
function updateFailure(e: unknown): string | undefined {
  if (e instanceof WorkflowUpdateFailedError) return (e.cause as Error | undefined)?.message ?? e.message;
  return undefined;
}

/** The grant's workflow has ended: not found, already completed, or it closed while the update waited to be
 *  delivered (the expiry won the race; the server aborts such an update). */
function workflowGone(e: unknown): boolean {
  if (e instanceof WorkflowNotFoundError) return true;
  const cause = e instanceof WorkflowUpdateFailedError ? (e.cause as Error | undefined)?.message ?? '' : '';
  return /not found|already completed|aborted by closing workflow/i.test(`${String((e as Error | undefined)?.message)} ${cause}`);
}

async function endedGrant(deps: AccessDeps, grantId: number): Promise<GovernanceError> {
  const g = await getGrant(deps.db, grantId);
  return new GovernanceError(`grant ${grantId} is ${g.status}${g.status === 'pending' ? ' and its workflow is not running (lake access reconcile restarts it)' : ''}: request access again`);
}

/** Sends an update to the grant's workflow, translating its refusal (`what refused: <the validator's
 *  words>`) and its absence (the grant has ended) into GovernanceErrors. */
async function talkToGrant<T>(deps: AccessDeps, grantId: number, what: string, send: (client: Client) => Promise<T>): Promise<T> {
  try {
    return await send(await deps.temporal());
  } catch (e) {
    if (workflowGone(e)) throw await endedGrant(deps, grantId);
    const refused = updateFailure(e);
    if (refused) throw new GovernanceError(`${what} refused: ${refused}`);
    throw e;
  }
}

/** The expiry an extension asks for: a date, or days added to the current expiry. */
export function extensionTarget(current: Date, ask: { until?: Date | string; days?: number }): Date {
  if ((ask.until === undefined) === (ask.days === undefined)) throw new GovernanceError('say either until (a date) or days (added to the current expiry)');
  const until = ask.until !== undefined ? new Date(ask.until) : new Date(current.getTime() + ask.days! * DAY_MS);
  if (Number.isNaN(until.getTime())) throw new GovernanceError(`${JSON.stringify(ask.until ?? ask.days)} is not a date or a number of days`);
  return until;
}

/** Moves an active grant's expiry, within its level's maximum (the workflow's validator decides). */
export async function extendAccess(
  deps: AccessDeps,
  o: { grantId: number; until?: Date | string; days?: number; by: string },
): Promise<{ grantId: number; expiresAt: string }> {
  const g = await getGrant(deps.db, o.grantId);
  const until = extensionTarget(g.expiresAt, o);
  const s = await talkToGrant(deps, o.grantId, 'extension', (client) => extendGrant(client, g, { until: until.toISOString(), by: o.by }));
  return { grantId: o.grantId, expiresAt: s.expiresAt };
}

/** Ends a grant now and waits until its privileges are taken away. */
export async function revokeAccess(deps: AccessDeps, o: { grantId: number; by: string; reason: string }): Promise<{ grantId: number; phase: string }> {
  const g = await getGrant(deps.db, o.grantId);
  const s = await talkToGrant(deps, o.grantId, 'revoke', (client) => revokeGrant(client, g, { by: o.by, reason: o.reason }));
  return { grantId: o.grantId, phase: s.phase };
}

/** The holder ends its own grant: a revoke by `by`, with the reason "given up by <by>". */
export function giveUpAccess(deps: AccessDeps, o: { grantId: number; by: string }): Promise<{ grantId: number; phase: string }> {
  return revokeAccess(deps, { grantId: o.grantId, by: o.by, reason: `given up by ${o.by}` });
}
