// What the outside and the workflows agree on: workflow type names, ids, the inputs a person may type in
// the Temporal UI, queries, updates and signals, default task queues and the search attribute. Imported by
// workflow code (bundled for the sandbox) and by the client layer, so it imports nothing of the project
// but the names and ids of workflows/ids.ts.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export * from './ids';

/** Which source a crawl, backfill or grant concerns: the Temporal UI filters on it. The stack registers it
 *  with the server (infra/stack.sh: --search-attribute LakeSource=Keyword). */
export const LAKE_SOURCE = defineSearchAttributeKey('LakeSource', 'KEYWORD');

// --- crawl -----------------------------------------------------------------------------------------

export interface CrawlInput {
  source: string; // the source's name
  /** The name under `source`'s former key, as schedules created before the rename still send it. */
  sourceId?: string;
  full?: boolean; // list every partition, not only the newest ones
  inferenceTaskQueue?: string;
  /** Set by continue-as-new: the run already planned and how far inference got. */
  resume?: { runId: number; nextBatch: number };
}

export interface BackfillInput {
  source: string;
  sourceId?: string; // as CrawlInput.sourceId
  from: string; // first partition date, yyyy-MM-dd
  to: string; // last partition date, inclusive
  inferenceTaskQueue?: string;
  resume?: { runId: number; nextBatch: number };
}

/** Where a crawl stands, as its workflow answers the `progress` query (counts only). */
export interface CrawlProgress {
  step: 'planning' | 'inferring' | 'merging' | 'publishing' | 'done';
  batches: number;
  batchesDone: number;
  filesTotal: number;
  bytesTotal: number;
  filesDone: number; // in finished batches
  bytesDone: number; // in finished batches
}

/** Where the crawl stands (`lake crawl` draws its progress bar from it and the inference heartbeats). */
export const progressQuery = defineQuery<CrawlProgress>('progress');

// --- previews: what a source would give, asked from outside and answered by a worker ---------------
// The worker holds the secrets and reaches the sources; the answers are small summaries (counts, the
// schema diff, the would-be columns), never rows, credentials or connection strings.

export interface CheckSourceInput {
  /** A source definition not saved yet (crawl/source.ts SourceDefinition); a logical source needs no check. */
  definition: { name: string; kind: string };
}

export interface CheckSourceResult {
  problems: string[]; // in words for people; none when the source is reachable
}

export interface PreviewCrawlInput {
  source: string; // the source's name
  full?: boolean; // as CrawlInput.full
}

/** How many entries a preview's lists carry at most; the rest are counted in `truncated`. */
export const PREVIEW_LIST_LIMIT = 1000;

/** What a crawl would read and the schema that would result, written nowhere. */
export interface CrawlPreview {
  kind: 'preview';
  source: string;
  counts: { added: number; changed: number; deleted: number; unchanged: number; files: number; bytes: number };
  read: { key: string; size: number; partition: string; format: string; gzip: boolean }[];
  deleted: string[];
  skipped: { file: string; reason: string }[];
  table: string; // database.table
  partitionKeys: string[];
  partitions: string[]; // the partitions touched
  /** How many entries of each list were left out (PREVIEW_LIST_LIMIT); absent when none was. */
  truncated?: { read: number; deleted: number; skipped: number; partitions: number };
  records: number;
  corruptRecords: number;
  columns: { name: string; type: string; comment?: string }[]; // as Hive would get them
  schemaVersion: number;
  /** The version's change against the latest stored schema ('initial' when there is none). */
  change: string;
  /** Whether the source had a schema version already. */
  hadSchema: boolean;
  changes: { op: string; path: string; change: string; type?: string }[];
}

/** A source whose kind is not read by a dry run, and why, in words for people. */
export interface PreviewRefused {
  kind: 'refused';
  reason: string;
}

// --- grants ----------------------------------------------------------------------------------------

export interface GrantExpiryInput {
  grantId: number;
}

export type GrantPhase = 'applying' | 'active' | 'expiring' | 'revoking' | 'expired' | 'revoked';

/** After the end: whether it was proven that the grant gives nothing any more. */
export type RevocationVerification = 'not-ended' | 'verifying' | 'verified' | 'unverified';

export interface GrantExpiryState {
  grantId: number;
  phase: GrantPhase;
  expiresAt: string; // ISO
  warnAt: string; // ISO
  warned: boolean;
  extensions: number;
  verification?: RevocationVerification;
}

export interface ExtendInput {
  until: string; // ISO date-time (or epoch ms)
  by?: string;
}

export interface RevokeInput {
  by: string;
  reason?: string;
}

export const stateQuery = defineQuery<GrantExpiryState>('state');
export const extendUpdate = defineUpdate<GrantExpiryState, [ExtendInput]>('extend');
export const revokeUpdate = defineUpdate<GrantExpiryState, [RevokeInput]>('revoke');
/** The same as the `revoke` update, for senders that cannot wait (e.g. the Temporal UI). */
export const revokeSignal = defineSignal<[RevokeInput]>('revoke');

// --- reconciliation --------------------------------------------------------------------------------

export interface ReconcileInput {
  dryRun?: boolean; // report only
}

export type GrantDrift =
  | { kind: 'missing-workflow'; grantId: number }
  | { kind: 'expired-unrevoked'; grantId: number }
  | { kind: 'missing-privilege'; grantId: number; privilege: string }
  | { kind: 'stray-privilege'; database: string; table: string; principal: { name: string; kind: 'user' | 'group' | 'role' }; privilege: string }
  | { kind: 'bucket-policy'; bucket: string }
  | { kind: 'stale-level-view'; grantId: number }
  | { kind: 'unverified-revocation'; grantId: number };

export interface ReconcileReport {
  found: number;
  expiredRevoked: number[]; // grant ids revoked because their time was up and no workflow ran
  workflowsRestarted: number[]; // grant ids whose expiry workflow was missing
  privilegesRestored: number[]; // grant ids whose metastore privilege was missing
  strayPrivilegesRevoked: { table: string; principal: string; privilege: string }[];
  bucketPoliciesRewritten?: string[]; // buckets whose policy did not say what the live grants give
  revocationsVerified?: number[]; // ended grants whose end was proven now
  levelViewsRefreshed?: number[]; // grants whose view no longer matched the table and its tags
  failed: { drift: GrantDrift; error: string }[];
  notificationsDelivered: number;
}
