import { proxyActivities } from '@temporalio/workflow';
import type { Activities, CatalogSummary } from '../activities';

const { catalogSummary } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export interface CatalogStatusInput {
  requestedBy?: string;
}

export interface CatalogStatusResult extends CatalogSummary {
  requestedBy: string;
}

/** Reads the catalog and the metastore once: the stack's end-to-end smoke path (and `npm start`'s demo). */
export async function catalogStatus(input: CatalogStatusInput = {}): Promise<CatalogStatusResult> {
  const summary = await catalogSummary();
  return { ...summary, requestedBy: input.requestedBy ?? 'unknown' };
}
