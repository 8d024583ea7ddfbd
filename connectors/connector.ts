// What every kind of source provides to the crawl, in the manner of Amundsen's extractors: a plan of what
// to read (batches), the reading of one batch into an inference, and the cursor that moves once a run is
// merged. A new kind of source is one module implementing `Connector`, registered in connectors/index.ts;
// the activities never ask which kind a source is.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import type { Format as TableFormat } from '../schema/formats';
import type { SampleRow } from '../crawl/profile';
import type { CrawlCounts, InferProgress } from '../crawl/run';
import type { Source, SourceDefinition } from '../crawl/source';
import type { ManifestObject } from '../db/manifest';
import type { InferenceResult } from '../schema';

export interface ConnectorDeps {
  db: Knex;
  s3: S3Client;
  /** The catalog's own Kafka brokers (host:port list), for topics that name no secret of their own. */
  kafkaBootstrap: string;
}

export interface PlanRequest {
  kind: 'crawl' | 'backfill';
  full: boolean;
  range?: { from: string; to: string }; // a backfill's dates, yyyy-MM-dd, inclusive
  force?: boolean; // let a listing delete more than the fail-safe allows
}

/** What a crawl will read. Plain data: the batches are stored with the run and read back by number. */
export interface PlannedCrawl {
  batches: unknown[][];
  counts: CrawlCounts;
  /** What the run covers (listed partitions, deleted keys, a cursor window); kept with the run. */
  scope: Record<string, unknown>;
  format: string;
}

/** One object as read by a batch: its manifest entry and what was found in it. */
export interface ObjectStats extends ManifestObject {
  format: TableFormat;
  slices?: Record<string, number>; // a stream's object: records per slice key (`keyOfSlice`)
  sliceCorrupt?: Record<string, number>; // and corrupt lines per slice key, where there are any
}

/** What one slice of a stream holds in a batch. */
export interface BatchSlice {
  values: string[] | null; // null: the remainder
  result: InferenceResult;
}

export interface BatchResult {
  result: InferenceResult;
  objects: ObjectStats[];
  slices?: Record<string, BatchSlice>; // a stream's batch: by slice key (`keyOfSlice`)
  samples?: SampleRow[]; // records from the head of one object per partition, for samples and statistics
  maxCursor?: string | null; // table sources: the highest cursor value read
  rows?: number;
  /** A topic: messages that aged out (retention) between the plan and the read, so never read. */
  agedOut?: number;
}

/** A merged run, as a connector's cursor sees it. */
export interface MergedRun {
  id: number;
  kind: 'crawl' | 'backfill';
  scope: PlannedCrawl['scope'];
}

/** Where a source's rows sit in the lake, for publishing as an external table. */
export interface LakeTable {
  location: string; // s3a://bucket/prefix/
  /** The format to publish when no object says (an empty source). */
  format: TableFormat;
  bucket: string;
  prefix: string;
}

export interface Connector<S extends Source = Source> {
  readonly kind: S['kind'];
  /** What a crawl (or backfill) reads, against what the catalog knows; writes nothing. */
  plan(deps: ConnectorDeps, source: S, request: PlanRequest): Promise<PlannedCrawl>;
  /** Infers one planned batch; reports progress (the activity heartbeats it); writes nothing. */
  read(deps: Pick<ConnectorDeps, 's3' | 'kafkaBootstrap'>, source: S, batch: unknown[], onProgress: (p: InferProgress) => void): Promise<BatchResult>;
  /**
   * Moves the source's cursor past what a merged run read (a manifest, a high-water mark), in the merge's
   * transaction so it commits with the schema version. Returns the partitions whose volumes changed.
   */
  advance(trx: Knex.Transaction, source: S, run: MergedRun, results: readonly BatchResult[]): Promise<string[]>;
  /** Where the rows are in the lake, or undefined when they are not (a database table is catalogued, not published). */
  lakeTable(source: S): LakeTable | undefined;
  /** Why a dry run (`lake crawl --dry-run`) does not read this source, in words for people; absent when
   *  it does. */
  previewRefusal?(source: S): string;
  /** Problems found reaching the source (bucket, database, table), in words for people; [] when reachable. */
  check(deps: Pick<ConnectorDeps, 's3' | 'kafkaBootstrap'> & { s3Endpoint: string }, definition: Extract<SourceDefinition, { kind: S['kind'] }>): Promise<string[]>;
}
