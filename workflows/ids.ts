// Names and ids the outside and the workflows agree on: workflow types, default task queues, the ids of
// workflows and schedules. No imports at all, so that the catalog's configuration and its queries can use
// them without loading the Temporal SDK (workflows/shared.ts re-exports them for everyone else).

export const WORKFLOW_TYPES = {
  crawl: 'crawlSource',
  backfill: 'backfillSource',
  grantExpiry: 'grantExpiry',
  reconcileGrants: 'reconcileGrants',
  checkSource: 'checkSource',
  previewCrawl: 'previewCrawl',
} as const;

/** Defaults also known to workflows (a crawl started from the UI names no queue). */
export const DEFAULT_TASK_QUEUES = { io: 'lake-catalog', inference: 'lake-inference' } as const;

// --- ids -------------------------------------------------------------------------------------------
// Several catalogs may share a Temporal namespace: every id starts with the catalog's name (LAKE_CATALOG),
// so none takes over another's workflows or schedules, and the UI reads `lake_catalog/crawl/activity-log`.

/** What a catalog's name may be: it goes into ids, the metastore grantor and bucket policy statement ids. */
export const CATALOG_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export function crawlWorkflowId(catalog: string, source: string): string {
  return `${catalog}/crawl/${source}`;
}

export function backfillWorkflowId(catalog: string, source: string, range: { from: string; to: string }): string {
  return `${catalog}/backfill/${source}/${range.from}..${range.to}`;
}

export function crawlScheduleId(catalog: string, source: string): string {
  return `${crawlSchedulePrefix(catalog)}${source}`;
}

export function crawlSchedulePrefix(catalog: string): string {
  return `${catalog}/crawl-schedule/`;
}

export function grantWorkflowId(catalog: string, grantId: number): string {
  return `${catalog}/grant/${grantId}`;
}

export function reconcileScheduleId(catalog: string): string {
  return `${catalog}/reconcile-grants`;
}

/** The scheduled reconciliation's workflow (the schedule appends the time), and one asked for by hand. */
export function reconcileWorkflowId(catalog: string, manualAt?: number): string {
  return manualAt === undefined ? `${catalog}/reconcile-grants` : `${catalog}/reconcile-grants/manual/${manualAt}`;
}

/** A look at a source that changes nothing (a reachability check, a dry run): one workflow per asking. */
export function previewWorkflowId(catalog: string, source: string, unique: string): string {
  return `${catalog}/preview/${source}/${unique}`;
}

/** Ids from before they named their catalog: an upgrade finds (and replaces) what it left running. */
export const LEGACY_IDS = {
  crawlSchedulePrefix: 'crawl-schedule/',
  grantWorkflow: (grantId: number) => `grant/${grantId}`,
  reconcileSchedule: 'reconcile-grants',
} as const;
