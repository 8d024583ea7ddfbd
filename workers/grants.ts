// Governance's side of Temporal, seen from outside a workflow: starting a grant's expiry workflow (on
// approval, and again by the reconciliation when one is missing) and the reconciliation's schedule.
import { Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { grantWorkflowIdOf } from '../db/governance';
import type { grantExpiry } from '../workflows/grant-expiry';
import { LAKE_SOURCE } from '../workflows/search-attributes';
import { retryTransient } from './temporal-retry';

export const RECONCILE_SCHEDULE_ID = 'reconcile-grants';
export const RECONCILE_WORKFLOW_ID = 'reconcile-grants';

/** Starts `grant/<id>`; a workflow already running under that id is left alone (approval retried, or the
 *  reconciliation and an approval racing). Returns whether this call started it. */
export async function startGrantExpiry(client: Client, grant: { id: number; source: string }, taskQueue: string): Promise<boolean> {
  try {
    await client.workflow.start<typeof grantExpiry>('grantExpiry', {
      workflowId: grantWorkflowIdOf(grant.id),
      taskQueue,
      args: [{ grantId: grant.id }],
      typedSearchAttributes: [{ key: LAKE_SOURCE, value: grant.source }],
      memo: { grantId: grant.id, source: grant.source },
    });
    return true;
  } catch (e) {
    if (e instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw e;
  }
}

/** Whether `grant/<id>` runs now. */
export async function grantWorkflowRunning(client: Client, grantId: number): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(grantWorkflowIdOf(grantId)).describe();
    return d.status.name === 'RUNNING';
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}

/** The reconciliation runs every `every` (default ten minutes) on the I/O queue; created when missing,
 *  left as it is (a person may have paused it) when present. */
export async function ensureReconcileSchedule(
  client: Client,
  opts: { taskQueue: string; every?: Duration; scheduleId?: string; workflowId?: string },
): Promise<'created' | 'exists'> {
  const scheduleId = opts.scheduleId ?? RECONCILE_SCHEDULE_ID;
  try {
    await retryTransient(`describe schedule ${scheduleId}`, () => client.schedule.getHandle(scheduleId).describe());
    return 'exists';
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
  }
  const created = await retryTransient(`create schedule ${scheduleId}`, () => client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: opts.every ?? '10 minutes' }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reconcileGrants',
      workflowId: opts.workflowId ?? RECONCILE_WORKFLOW_ID,
      taskQueue: opts.taskQueue,
      args: [{}],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes' },
  }).then(
    () => true,
    (e: unknown) => {
      if (e instanceof ScheduleAlreadyRunning) return false; // another worker created it meanwhile
      throw e;
    },
  ));
  return created ? 'created' : 'exists';
}
