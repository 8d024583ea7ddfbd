// What a crawl reports at each step. Small, history-safe summaries: counts and ids, never keys or values.
import type { CrawlProgress } from '../workflows/shared';

/** How many batches of a crawl are inferred at once: the crawl workflow's window, which the plan fills. */
export const PARALLEL_BATCHES = 4;

export interface CrawlCounts {
  added: number;
  changed: number;
  deleted: number;
  unchanged: number;
  files: number; // objects to read (added + changed), or 1 for a table window
  bytes: number; // bytes of the objects to read
}

export interface CrawlPlan {
  runId: number;
  sourceId: string;
  sourceKind: 's3' | 'postgres' | 'kafka' | 'logical';
  format: string;
  batches: number;
  counts: CrawlCounts;
}

export interface BatchSummary {
  batchNo: number;
  files: number;
  bytesRead: number;
  records: number;
  corruptRecords: number;
}

export interface MergeSummary {
  schemaVersion: number;
  change: 'none' | 'initial' | 'additive' | 'breaking';
  changes: number;
  records: number;
  corruptRecords: number;
  /** Records whose own partition key values differ from their path's (the path's are the ones engines read). */
  partitionKeyMismatches?: number;
  partitions: number;
  /** A topic: messages that aged out (retention) before the catalog read them; reported, then passed. */
  agedOut?: number;
  slices?: SliceMergeSummary; // a stream's crawl
}

/** A stream's logical sources after a crawl (names of new ones: they are source names, not values). */
export interface SliceMergeSummary {
  total: number; // registered slices of the stream
  seen: number; // slices with records in this crawl
  new: number; // registered by this crawl (inactive until activated)
  newNames: string[]; // the first of them
  changed: number; // slices that got a new schema version (besides new ones)
  remainderRecords: number; // records missing a discriminator, in the remainder slice
}

export interface SlicePublishSummary {
  views: number; // active slices with a view
  created: number;
  altered: number;
  dropped: number;
}

export interface PublishSummary {
  database: string;
  table: string;
  action: 'create' | 'alter' | 'none';
  partitionsAdded: number;
  partitionsDropped: number;
  views?: SlicePublishSummary;
}

export interface CrawlSummary {
  runId: number;
  sourceId: string;
  kind: 'crawl' | 'backfill';
  /** What was crawled (absent in summaries of runs finished before it was reported). */
  sourceKind?: CrawlPlan['sourceKind'];
  counts: CrawlCounts;
  merged: MergeSummary;
  published: PublishSummary;
}

/** Heartbeat details of an inference activity, which `lake crawl` shows as a progress bar. */
export interface InferProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  rows?: number; // a table source: rows read so far
}

export type { CrawlProgress };

/** The whole crawl's progress: finished batches from the query plus the running batches' heartbeats. */
export function overallProgress(q: CrawlProgress, running: InferProgress[]): { step: CrawlProgress['step']; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number } {
  const filesDone = q.filesDone + running.reduce((n, p) => n + p.filesDone, 0);
  const bytesDone = q.bytesDone + running.reduce((n, p) => n + p.bytesDone, 0);
  return { step: q.step, filesDone: Math.min(filesDone, q.filesTotal), filesTotal: q.filesTotal, bytesDone: Math.min(bytesDone, q.bytesTotal), bytesTotal: q.bytesTotal };
}

/** One line of a progress bar: `[####.....] 3/6 files, 1.2/2.4 MB (inferring)`. */
export function progressBar(p: ReturnType<typeof overallProgress>, width = 30): string {
  const done = p.step === 'done' || p.step === 'merging' || p.step === 'publishing' ? width : p.filesTotal ? Math.round((p.filesDone / p.filesTotal) * width) : 0;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${p.filesDone}/${p.filesTotal} files, ${mb(p.bytesDone)}/${mb(p.bytesTotal)} MB (${p.step})`;
}
