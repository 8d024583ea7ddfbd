// Governance's side of Temporal, seen from outside a workflow: starting a grant's expiry workflow (on
// approval, and again by the reconciliation when one is missing), talking to it (state, extend, revoke),
// and the reconciliation, on its schedule or asked for now. Every id names the catalog; a grant's row in
// the catalog names the workflow that runs it (`workflowId`), which for grants approved before ids named
// their catalog is still `grant/<id>`.
import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import {
  extendUpdate,
  grantWorkflowId,
  LAKE_SOURCE,
  LEGACY_IDS,
  reconcileScheduleId,
  reconcileWorkflowId,
  revokeUpdate,
  stateQuery,
  WORKFLOW_TYPES,
  type ExtendInput,
  type GrantExpiryInput,
  type GrantExpiryState,
  type ReconcileInput,
  type ReconcileReport,
  type RevokeInput,
} from '../workflows/shared';
import { retryTransient } from './temporal-retry';

/** Starts `<catalog>/grant/<id>`; a workflow already running under that id is left alone (approval
 *  retried, or the reconciliation and an approval racing). Returns whether this call started it. */
export async function startGrantExpiry(client: Client, catalog: string, grant: { id: number; source: string }, taskQueue: string): Promise<boolean> {
  try {
    const args: [GrantExpiryInput] = [{ grantId: grant.id }];
    await client.workflow.start(WORKFLOW_TYPES.grantExpiry, {
      workflowId: grantWorkflowId(catalog, grant.id),
      taskQueue,
      args,
      typedSearchAttributes: [{ key: LAKE_SOURCE, value: grant.source }],
      memo: { grantId: grant.id, source: grant.source, catalog },
    });
    return true;
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw e;
  }
}

/** Whether the workflow a grant's row names runs now. A `grant/<id>` from before ids named their catalog
 *  counts only on this catalog's task queue: another catalog's grant may run under the same old id. */
export async function grantWorkflowRunning(client: Client, grant: { id: number; workflowId: string }, taskQueue: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(grant.workflowId).describe();
    if (d.status.name !== 'RUNNING') return false;
    return grant.workflowId !== LEGACY_IDS.grantWorkflow(grant.id) || d.taskQueue === taskQueue;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}

/** The grant's workflow, as its row names it. */
function grantHandle(client: Client, grant: { workflowId: string }) {
  return client.workflow.getHandle(grant.workflowId);
}

export function grantState(client: Client, grant: { workflowId: string }): Promise<GrantExpiryState> {
  return grantHandle(client, grant).query(stateQuery);
}

/** Moves the grant's deadline; the workflow's validator refuses what the level does not allow
 *  (WorkflowUpdateFailedError), and a workflow that ended is not found. */
export function extendGrant(client: Client, grant: { workflowId: string }, input: ExtendInput): Promise<GrantExpiryState> {
  return grantHandle(client, grant).executeUpdate(extendUpdate, { args: [input] });
}

/** Ends the grant now and waits until it is revoked. */
export function revokeGrant(client: Client, grant: { workflowId: string }, input: RevokeInput): Promise<GrantExpiryState> {
  return grantHandle(client, grant).executeUpdate(revokeUpdate, { args: [input] });
}

/** Runs the reconciliation now, on the I/O queue, and returns its report. */
export function reconcileNow(client: Client, catalog: string, taskQueue: string, input: ReconcileInput = {}): Promise<ReconcileReport> {
  const args: [ReconcileInput] = [input];
  return client.workflow.execute(WORKFLOW_TYPES.reconcileGrants, { taskQueue, workflowId: reconcileWorkflowId(catalog, Date.now()), args });
}

/** The reconciliation runs every `every` (default ten minutes) on the I/O queue; created when missing,
 *  left as it is (a person may have paused it) when present. The schedule this catalog had under the old
 *  unscoped id (`reconcile-grants` on its own task queue) is replaced, its pause state kept. */
export async function ensureReconcileSchedule(
  client: Client,
  opts: { catalog: string; taskQueue: string; every?: Duration },
): Promise<'created' | 'exists'> {
  const scheduleId = reconcileScheduleId(opts.catalog);
  try {
    await retryTransient(`describe schedule ${scheduleId}`, () => client.schedule.getHandle(scheduleId).describe());
    return 'exists';
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
  }
  const legacy = await legacyReconcileSchedule(client, opts.taskQueue);
  const args: [ReconcileInput] = [{}];
  const created = await retryTransient(`create schedule ${scheduleId}`, () => client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: opts.every ?? '10 minutes' }] },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.reconcileGrants,
      workflowId: reconcileWorkflowId(opts.catalog),
      taskQueue: opts.taskQueue,
      args,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
    memo: { catalog: opts.catalog },
    ...(legacy ? { state: legacy.state } : {}),
  }).then(
    () => true,
    (e: unknown) => {
      if (e instanceof ScheduleAlreadyRunning) return false; // another worker created it meanwhile
      throw e;
    },
  ));
  if (legacy) {
    await retryTransient(`delete schedule ${LEGACY_IDS.reconcileSchedule}`, () => legacy.handle.delete()).catch((e: unknown) => {
      if (!(e instanceof ScheduleNotFoundError)) throw e;
    });
  }
  return created ? 'created' : 'exists';
}

/** The unscoped `reconcile-grants` schedule when it starts its workflows on `taskQueue`: this catalog's. */
async function legacyReconcileSchedule(client: Client, taskQueue: string) {
  const handle = client.schedule.getHandle(LEGACY_IDS.reconcileSchedule);
  try {
    const d = await retryTransient(`describe schedule ${LEGACY_IDS.reconcileSchedule}`, () => handle.describe());
    if (d.action.type !== 'startWorkflow' || d.action.taskQueue !== taskQueue) return undefined;
    return { handle, state: { paused: d.state.paused, note: d.state.note } };
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) return undefined;
    throw e;
  }
}
