// <catalog>/reconcile-grants (on a schedule, client/grants.ts): the catalog's live grants, the metastore's
// privileges and the running grant workflows must agree. Each difference is repaired by the same
// idempotent activities the expiry workflow uses; the result says what was repaired.
import { log, proxyActivities } from '@temporalio/workflow';
import type { GovernanceActivities } from '../activities/governance';
import { NON_RETRYABLE_ERROR_TYPES } from './errors';
import type { ReconcileInput, ReconcileReport } from './shared';

const acts = proxyActivities<GovernanceActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
});

// A proof that fails is retried by the grant's own workflow first; here it gets one more attempt per run.
const proving = proxyActivities<GovernanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 1 },
});

export type { ReconcileInput, ReconcileReport };

export async function reconcileGrants(input: ReconcileInput = {}): Promise<ReconcileReport> {
  const drift = await acts.findGrantDrift({});
  const report: ReconcileReport = {
    found: drift.length,
    expiredRevoked: [],
    workflowsRestarted: [],
    privilegesRestored: [],
    strayPrivilegesRevoked: [],
    bucketPoliciesRewritten: [],
    revocationsVerified: [],
    levelViewsRefreshed: [],
    failed: [],
    notificationsDelivered: 0,
  };
  if (input?.dryRun) return report;
  for (const d of drift) {
    try {
      switch (d.kind) {
        case 'expired-unrevoked': {
          const r = await acts.revokeGrant({ grantId: d.grantId, kind: 'expired', by: 'reconcile-grants' });
          if (r.status === 'expired') report.expiredRevoked.push(d.grantId);
          break;
        }
        case 'missing-workflow':
          if (await acts.startGrantWorkflow({ grantId: d.grantId })) report.workflowsRestarted.push(d.grantId);
          break;
        case 'missing-privilege':
          await acts.applyGrant({ grantId: d.grantId });
          if (!report.privilegesRestored.includes(d.grantId)) report.privilegesRestored.push(d.grantId);
          break;
        case 'bucket-policy':
          if ((await acts.syncBucketPolicy({ bucket: d.bucket })).changed) report.bucketPoliciesRewritten!.push(d.bucket);
          break;
        case 'stale-level-view':
          if (await acts.refreshLevelView({ grantId: d.grantId })) report.levelViewsRefreshed!.push(d.grantId);
          break;
        case 'unverified-revocation':
          if ((await proving.verifyRevocation({ grantId: d.grantId })).verified) report.revocationsVerified!.push(d.grantId);
          break;
        case 'stray-privilege': {
          const revoked = await acts.revokeStrayPrivilege(d);
          if (revoked.length) {
            report.strayPrivilegesRevoked.push({ table: `${d.database}.${d.table}`, principal: `${d.principal.kind}:${d.principal.name}`, privilege: d.privilege });
          }
          break;
        }
      }
    } catch (err) {
      // one failed repair does not stop the others; the next run tries again
      report.failed.push({ drift: d, error: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) });
    }
  }
  try {
    report.notificationsDelivered = (await acts.deliverNotifications({ limit: 500 })).delivered;
  } catch (err) {
    log.warn('notification delivery failed', { error: String(err) });
  }
  return report;
}
