// S3 prefixes as sources: a plan lists the prefix (or only its newest partitions) and classifies objects
// against the manifest; a batch is a list of objects read through the format scanners; the cursor is the
// manifest, which a crawl's merge advances (a backfill leaves it and records the volumes it read).
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { headRecords, readSampleRecords, type SampleOptions } from '../adapters/sample-reader';
import { headBucket, inferObject, listObjects, listPartitionPrefixes, s3Uri, type ObjectHead } from '../adapters/s3-objects';
import {
  batchObjects,
  classifyObjects,
  compileGlobs,
  deletionGuard,
  planBackfill,
  planListing,
  spreadOver,
  type ObjectInfo,
} from '../crawl/plan';
import { parsePartition, partitionKeysOf } from '../crawl/partitions';
import { formatOfKey, type Format as TableFormat } from '../schema/formats';
import type { SampleRow } from '../crawl/profile';
import { PARALLEL_BATCHES, type CrawlCounts, type InferProgress } from '../crawl/run';
import { discriminatorPaths, InvalidSourceError, type S3SourceDefinition } from '../crawl/source';
import { deleteObjects, manifestOf, manifestPartitions, manifestSize, recomputePartitions, recordObjects, upsertPartition } from '../db/manifest';
import { PROFILE } from '../db/profiles';
import { EMPTY_RESULT, mergeResults, type InferenceResult } from '../schema';
import type { CsvDialect } from '../schema/infer/csv';
import type { PartitionKeyCheck } from '../schema/infer/partition-keys';
import type { BatchResult, BatchSlice, Connector, ConnectorDeps, MergedRun, ObjectStats, PlannedCrawl, PlanRequest } from './connector';
import { gatherSlices } from './stream-slices';

type S3Source = S3SourceDefinition & { id: number };

/** One object of a batch, as planned: enough to read it and to record it in the manifest. */
export interface PlannedObject extends ObjectInfo {
  partition: string; // path relative to the source prefix, '' when unpartitioned
  keys: string[];
  values: string[];
  format: TableFormat;
  gzip: boolean;
}

const BATCH_LIMITS = { maxObjects: 64, maxBytes: 256 * 1024 * 1024 };
/** A stream's head is split among its slices: read more of it, so that more slices get samples. */
const STREAM_PROFILE = { maxRecords: 2000, maxBytes: 2 * 1024 * 1024 };
const DEFAULT_LOOKBACK = 2;

/**
 * Lets the activity's heartbeat timer run between the plan's long steps: sorting and classifying a million
 * objects takes seconds of CPU, and a plan that misses its heartbeats is retried while it still runs,
 * holding its listing twice.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * How many records of a partition's first object its profile keeps. A text object's statistics are
 * scanned over every record, so its profile only supplies the samples shown (a tenth of what a profile
 * holds: the rest was written, read back and never used). Parquet's figures come from these records,
 * and a stream's head is shared among its slices.
 */
function profiledRecords(format: TableFormat, stream: boolean): number {
  if (stream) return STREAM_PROFILE.maxRecords;
  return format === 'parquet' ? PROFILE.maxRecords : PROFILE.samplesKept;
}

/** Lists and classifies an S3 source's objects; reads the catalog, writes nothing. */
async function plan(deps: ConnectorDeps, source: S3Source, input: PlanRequest): Promise<PlannedCrawl> {
  const { bucket, prefix } = source.location;
  const globs = compileGlobs(source.options.include ?? [], source.options.exclude ?? []);
  if ('error' in globs) throw new InvalidSourceError(source.name, [{ field: 'options.include/exclude', reason: globs.error }]);

  const knownPartitions = await manifestPartitions(deps.db, source.id);
  const listing = planListing({
    prefix,
    layout: source.layout,
    knownPartitions,
    lookbackPartitions: source.options.lookbackPartitions ?? DEFAULT_LOOKBACK,
    full: input.full || input.kind === 'backfill',
  });

  const planned: PlannedObject[] = [];
  const skipped: { file: string; reason: string }[] = [];
  // objects of one directory share their partition: parsed once, the same path and arrays for each
  const partitions = new Map<string, ReturnType<typeof parsePartition>>();
  const partitionOf = (key: string) => {
    const dir = key.slice(0, key.lastIndexOf('/') + 1);
    if (dir.length === key.length) return parsePartition(key, prefix, source.layout); // a directory marker
    let p = partitions.get(dir);
    if (p === undefined) partitions.set(dir, (p = parsePartition(key, prefix, source.layout)));
    return p;
  };
  // each listed object is planned as it comes, so the listing is never held twice
  const take = (o: ObjectInfo) => {
    const relative = o.key.slice(prefix.length);
    if (!globs.matches(relative)) return;
    const format = formatOfKey(o.key, source.format);
    if (!format) return; // not a data file (e.g. _SUCCESS, a README)
    const partition = partitionOf(o.key);
    if ('reason' in partition) {
      skipped.push({ file: s3Uri(bucket, o.key), reason: partition.reason });
      return;
    }
    // every field named (no spread): one shape for all objects, their fields inside them; a spread copy
    // gives each object a property store of its own, which doubled the plan's memory
    planned.push({
      key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified,
      partition: partition.path, keys: partition.keys, values: partition.values, format: format.format, gzip: format.gzip,
    });
  };
  let scope: string[] | undefined;
  if (listing.full) {
    for await (const o of listObjects(deps.s3, bucket, prefix)) take(o);
  } else {
    const prefixes = await listPartitionPrefixes(deps.s3, bucket, prefix, listing.depth);
    scope = listing.select(prefixes.map((p) => p.slice(prefix.length)));
    for (const partition of scope) {
      for await (const o of listObjects(deps.s3, bucket, prefix + partition)) take(o);
    }
  }

  await nextTurn();
  const consistent = partitionKeysOf(planned);
  if ('error' in consistent) {
    throw new InvalidSourceError(source.name, [{ field: 'layout', reason: `${consistent.error} (e.g. ${s3Uri(bucket, consistent.key)})` }]);
  }

  let toRead: PlannedObject[];
  let deleted: string[] = [];
  const counts: CrawlCounts = { added: 0, changed: 0, deleted: 0, unchanged: 0, files: 0, bytes: 0 };
  if (input.kind === 'backfill') {
    const backfill = planBackfill(planned, input.range!);
    if ('error' in backfill) throw ApplicationFailure.nonRetryable(`${source.name}: ${backfill.error}`, 'BackfillRangeError');
    toRead = backfill.objects;
    scope = backfill.partitions;
    counts.changed = toRead.length;
  } else {
    // the manifest where the listing looked: all of it after a full listing, the listed partitions' after a
    // pruned one (objects elsewhere are never deleted by it); the fail-safe weighs the whole manifest
    const manifest = await manifestOf(deps.db, source.id, scope);
    await nextTurn();
    const c = classifyObjects(planned, manifest, { partitions: scope });
    await nextTurn();
    const guard = deletionGuard(scope ? await manifestSize(deps.db, source.id) : manifest.length, c.deleted.length);
    if (guard && !input.force) {
      throw ApplicationFailure.nonRetryable(`${source.name}: ${guard.error}`, 'DeletionGuardError');
    }
    toRead = [...c.added, ...c.changed];
    deleted = c.deleted.map((o) => o.key);
    Object.assign(counts, { added: c.added.length, changed: c.changed.length, deleted: deleted.length, unchanged: c.unchanged.length });
  }
  counts.files = toRead.length;
  counts.bytes = toRead.reduce((n, o) => n + o.size, 0);
  await nextTurn();
  const batches = batchObjects(toRead, {
    ...BATCH_LIMITS,
    maxObjects: source.options.batchObjects ?? BATCH_LIMITS.maxObjects,
    atLeast: spreadOver(counts.bytes, PARALLEL_BATCHES),
  });
  await nextTurn();
  const format = [...new Set(planned.map((o) => o.format))].join('+') || (source.format === 'auto' ? 'unknown' : source.format);
  return { batches: batches as unknown[][], counts, scope: { partitions: scope ?? null, deleted, skipped, range: input.range ?? null }, format };
}


/** Infers a batch of objects; reports progress to `onProgress` (the activity heartbeats it). Writes nothing. */
async function read(deps: Pick<ConnectorDeps, 's3'>, source: S3Source, batch: unknown[], onProgress: (p: InferProgress) => void): Promise<BatchResult> {
  const objects = batch as PlannedObject[];
  const progress: InferProgress = { filesDone: 0, filesTotal: objects.length, bytesDone: 0 };
  const heartbeat = () => onProgress(progress);
  let result: InferenceResult = EMPTY_RESULT;
  const stats: ObjectStats[] = [];
  const samples: SampleRow[] = [];
  const sampled = new Set<string>();
  const discriminators = discriminatorPaths(source.options);
  const slices: Record<string, BatchSlice> = {};
  const head = discriminators.length ? STREAM_PROFILE : PROFILE;
  for (const o of objects) {
    const file = s3Uri(source.location.bucket, o.key);
    // the first object of each partition gives its samples: a text object's from the head of the one GET
    // that infers it, a Parquet object's by reading its rows
    let sample: SampleOptions | undefined;
    let objectHead: ObjectHead | undefined;
    if (!sampled.has(o.partition)) {
      sampled.add(o.partition);
      sample = { format: o.format, gzip: o.gzip, maxRecords: profiledRecords(o.format, discriminators.length > 0), maxBytes: head.maxBytes };
      if (o.format === 'parquet') {
        for (const record of await readSampleRecords(deps.s3, source.location.bucket, o, sample)) samples.push({ partition: o.partition, file, record });
        sample = undefined;
      } else objectHead = { maxBytes: head.maxBytes };
    }
    const before = progress.bytesDone;
    const options = {
      format: o.format,
      gzip: o.gzip,
      detectDates: source.options.detectDates ?? false,
      stats: true,
      file,
      partition: { keys: o.keys, values: o.values },
      ...(objectHead ? { head: objectHead } : {}),
      onProgress: (bytes: number) => {
        progress.bytesDone = before + bytes;
        heartbeat();
      },
    };
    let r: InferenceResult;
    let checked: PartitionKeyCheck | undefined;
    let dialect: CsvDialect | undefined;
    let perSlice: Record<string, number> | undefined;
    let sliceCorrupt: Record<string, number> | undefined;
    if (discriminators.length && o.format === 'jsonl') {
      const { grouped, partitionKeys } = await inferObject(deps.s3, source.location.bucket, o, { ...options, discriminators });
      r = grouped.stream;
      checked = partitionKeys;
      ({ slices: perSlice, sliceCorrupt } = gatherSlices(slices, grouped));
    } else {
      // a stream's CSV or Parquet object is not split: its records count for the stream only
      ({ result: r, partitionKeys: checked, csv: dialect } = await inferObject(deps.s3, source.location.bucket, o, options));
    }
    if (sample && objectHead?.bytes) for (const record of headRecords(objectHead.bytes, sample)) samples.push({ partition: o.partition, file, record });
    result = mergeResults(result, r);
    progress.filesDone += 1;
    progress.bytesDone = before + o.size;
    heartbeat();
    stats.push({
      key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified, partition: o.partition, keys: o.keys, values: o.values,
      format: o.format, gzip: o.gzip, records: r.records, corruptRecords: r.corruptRecords, ...(perSlice ? { slices: perSlice } : {}), ...(sliceCorrupt ? { sliceCorrupt } : {}),
      ...(checked?.mismatches ? { keyMismatches: checked.mismatches, firstKeyMismatch: checked.first } : {}),
      ...(dialect ? { csv: dialect } : {}),
    });
  }
  return { result, objects: stats, samples, ...(discriminators.length ? { slices } : {}) };
}


async function advance(trx: Knex.Transaction, source: S3Source, run: MergedRun, results: readonly BatchResult[]): Promise<string[]> {
  const objects = results.flatMap((r) => r.objects);
  if (run.kind === 'crawl') {
    const touched = new Set(objects.map((o) => o.partition));
    await recordObjects(trx, source.id, run.id, objects);
    for (const partition of await deleteObjects(trx, source.id, (run.scope.deleted as string[] | undefined) ?? [])) touched.add(partition);
    await recomputePartitions(trx, source.id, [...touched]);
    return [...touched];
  }
  // a backfill re-read whole partitions: their volumes are what it read; the manifest stays
  const byPartition = new Map<string, { kv: ObjectStats; objects: number; records: number; bytes: number; corrupt: number; mismatches: number }>();
  for (const o of objects) {
    const p = byPartition.get(o.partition) ?? { kv: o, objects: 0, records: 0, bytes: 0, corrupt: 0, mismatches: 0 };
    p.objects += 1;
    p.records += o.records;
    p.bytes += o.size;
    p.corrupt += o.corruptRecords;
    p.mismatches += o.keyMismatches ?? 0;
    byPartition.set(o.partition, p);
  }
  for (const [path, p] of byPartition) await upsertPartition(trx, source.id, path, p.kv, p);
  return [];
}

/** The bucket exists and answers, and the globs compile. */
async function check(deps: Pick<ConnectorDeps, 's3'> & { s3Endpoint: string }, def: S3SourceDefinition): Promise<string[]> {
  const problems: string[] = [];
  const globs = compileGlobs(def.options.include ?? [], def.options.exclude ?? []);
  if ('error' in globs) problems.push(`options.include/exclude: ${globs.error}`);
  try {
    await headBucket(deps.s3, def.location.bucket);
  } catch (e) {
    problems.push(`location.bucket: bucket "${def.location.bucket}" is not reachable at ${deps.s3Endpoint} (${(e as Error).name})`);
  }
  return problems;
}

export const s3Connector: Connector<S3Source> = {
  kind: 's3',
  plan,
  read,
  advance,
  lakeTable: (source) => ({
    location: `s3a://${source.location.bucket}/${source.location.prefix}`,
    format: source.format === 'parquet' || source.format === 'csv' ? source.format : 'jsonl',
    bucket: source.location.bucket,
    prefix: source.location.prefix,
  }),
  check,
};
