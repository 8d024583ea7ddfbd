// S3 objects of a source: list them (all pages), list partition directories, and infer one object's
// schema by streaming it through the pure scanners (or, for Parquet, reading only its footer).
// Bad data is a value: an object that cannot be read gives a result with one corrupt record
// { file, line: 0, reason } and no schema. Only the object store failing (outage, network, permissions)
// throws, so the caller retries.
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { withBreak } from './formats';
import { gunzipTolerant, type GzipBreak } from './formats/gzip';
import type { ObjectInfo } from '../crawl/plan';
import { isGzipMagic, isTabSeparated, type Format as DataFormat } from '../schema/formats';
import { CsvScanner, type CsvDialect, type CsvOptions } from '../schema/infer/csv';
import { JsonLinesScanner } from '../schema/infer/jsonl';
import { inferParquetFooter, ParquetFooterError, readParquetFooter } from '../schema/infer/parquet';
import type { PartitionKeyCheck } from '../schema/infer/partition-keys';
import { EMPTY_RESULT, type InferenceResult } from '../schema/merge';
import { ungrouped, type DiscriminatorPath, type GroupedInferenceResult } from '../schema/slices';

/** Footers beyond this are refused rather than buffered (real ones are KBs to a few MBs). */

/** Partition directories are listed this many at a time. */
const LIST_CONCURRENCY = 8;

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '');

// ---- listing ---------------------------------------------------------------------------------------

/** Throws (the SDK's error) when the bucket does not exist or does not answer. */
export async function headBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new HeadBucketCommand({ Bucket: bucket }));
}

/** Every object under `prefix`, in key order, following continuation tokens. */
export async function* listObjects(s3: S3Client, bucket: string, prefix: string, options: { pageSize?: number } = {}): AsyncGenerator<ObjectInfo> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: options.pageSize }));
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      yield {
        key: o.Key,
        etag: unquote(o.ETag),
        size: Number(o.Size ?? 0),
        lastModified: (o.LastModified ?? new Date(0)).toISOString(),
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** The sub-directories ('CommonPrefixes' with delimiter '/') right under `prefix`, all pages. */
async function childPrefixes(s3: S3Client, bucket: string, prefix: string, pageSize?: number): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token, MaxKeys: pageSize }));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * The directories `depth` levels below `prefix` (full prefixes ending with '/', sorted), found with
 * delimiter listings only: objects are never enumerated beyond the pages that hold the directories.
 * Depth 0 is the prefix itself.
 */
export async function listPartitionPrefixes(s3: S3Client, bucket: string, prefix: string, depth: number, options: { pageSize?: number } = {}): Promise<string[]> {
  let level = [prefix];
  for (let d = 0; d < depth; d++) {
    const next: string[][] = [];
    for (let i = 0; i < level.length; i += LIST_CONCURRENCY) {
      next.push(...(await Promise.all(level.slice(i, i + LIST_CONCURRENCY).map((p) => childPrefixes(s3, bucket, p, options.pageSize)))));
    }
    level = next.flat();
  }
  return level.sort();
}

// ---- inference -------------------------------------------------------------------------------------

export interface InferObjectOptions {
  format: DataFormat;
  /** The name or the source says gzip. Gzip magic bytes (1f 8b) are trusted even when it does not. */
  gzip: boolean;
  /** Type ISO dates and timestamps in text as date/timestamp. */
  detectDates?: boolean;
  /** How the object is named in results and corrupt records; default s3://bucket/key. */
  file?: string;
  csv?: Omit<CsvOptions, 'detectTemporal'>;
  /** Collect column statistics over every record (in the result's `stats`). */
  stats?: boolean;
  /** Bytes received from S3 so far for this object (compressed bytes for gzip), for heartbeats. */
  onProgress?: (bytesRead: number) => void;
  /**
   * Split the records into slices by these fields (a logical-source stream). JSON lines only: a stream is
   * JSON lines, so CSV and Parquet are never grouped (asking for it is a configuration error).
   */
  discriminators?: readonly DiscriminatorPath[];
  /** The object's partition (keys and values from its path): JSON lines records repeating them are checked. */
  partition?: { keys: readonly string[]; values: readonly string[] };
  /** Keep the first bytes of a JSON lines or CSV object as read (for samples, without a second GET). */
  head?: ObjectHead;
}

/** Filled by `inferObject`: up to `maxBytes` of the object's first bytes as stored (compressed for gzip),
 *  what a ranged GET of them would return; none when the object could not be fetched. */
export interface ObjectHead {
  maxBytes: number;
  bytes?: Uint8Array;
}

export interface ObjectInference {
  /** The whole object's result (the stream's, when grouped). */
  result: InferenceResult;
  /** JSON lines in a partition: records whose own partition key values differ from the path's. */
  partitionKeys?: PartitionKeyCheck;
  /** CSV: the delimiter and header it was read with. */
  csv?: CsvDialect;
  /** Bytes received from S3: the whole object for text formats, footer and its length for Parquet. */
  bytesRead: number;
}

/** With `discriminators`: the same, plus the slices (`grouped.stream` is `result`). An unreadable
 * object has no slices: its corrupt record is on the stream only. */
export interface GroupedObjectInference extends ObjectInference {
  grouped: GroupedInferenceResult;
}

/** Why the bytes of an object cannot be used; becomes a corrupt record, never an exception. */
class UnreadableObject extends Error {
  constructor(
    reason: string,
    readonly bytesRead = 0,
  ) {
    super(reason);
  }
}

function unreadable(file: string, reason: string, bytesRead: number): ObjectInference {
  return { result: { ...EMPTY_RESULT, corruptRecords: 1, corruptSamples: [{ file, line: 0, reason }] }, bytesRead };
}

/** The object is not (any more) the one listed: treated as data, the next crawl sees its new state. */
function objectGoneReason(e: unknown): string | undefined {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = err?.$metadata?.httpStatusCode;
  if (err?.name === 'NoSuchKey' || status === 404) return 'object was deleted after it was listed';
  if (err?.name === 'PreconditionFailed' || status === 412) return 'object changed after it was listed (ETag differs)';
  if (err?.name === 'InvalidRange' || status === 416) return 'object is shorter than its listed size';
  return undefined;
}

/**
 * Infers one object. JSON lines and CSV are streamed chunk by chunk (never held whole), gunzipped when
 * the bytes start with the gzip magic; Parquet costs two ranged GETs (the last 8 bytes, then the
 * footer). Every GET is conditional on the listed ETag, so what is read is what the manifest records.
 */
export async function inferObject(
  s3: S3Client,
  bucket: string,
  info: Pick<ObjectInfo, 'key' | 'etag' | 'size'>,
  options: InferObjectOptions & { discriminators: readonly DiscriminatorPath[] },
): Promise<GroupedObjectInference>;
export async function inferObject(
  s3: S3Client,
  bucket: string,
  info: Pick<ObjectInfo, 'key' | 'etag' | 'size'>,
  options: InferObjectOptions,
): Promise<ObjectInference>;
export async function inferObject(
  s3: S3Client,
  bucket: string,
  info: Pick<ObjectInfo, 'key' | 'etag' | 'size'>,
  options: InferObjectOptions,
): Promise<ObjectInference | GroupedObjectInference> {
  const file = options.file ?? s3Uri(bucket, info.key);
  if (options.discriminators && options.format !== 'jsonl') throw new Error(`discriminators need JSON lines, not ${options.format} (${file})`);
  let inference: ObjectInference | GroupedObjectInference;
  try {
    inference = options.format === 'parquet' ? await inferParquetObject(s3, bucket, info, file, options) : await inferTextObject(s3, bucket, info, file, options);
  } catch (e) {
    if (e instanceof UnreadableObject) inference = unreadable(file, e.message, e.bytesRead);
    else {
      const gone = objectGoneReason(e);
      if (!gone) throw e;
      inference = unreadable(file, gone, 0);
    }
  }
  if (options.discriminators && !('grouped' in inference)) return { ...inference, grouped: ungrouped(inference.result) };
  return inference;
}

function isZlibError(e: unknown): boolean {
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' && (e as NodeJS.ErrnoException).code!.startsWith('Z_');
}

async function inferTextObject(
  s3: S3Client,
  bucket: string,
  info: Pick<ObjectInfo, 'key' | 'etag'>,
  file: string,
  options: InferObjectOptions,
): Promise<ObjectInference | GroupedObjectInference> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: info.key, IfMatch: `"${info.etag}"` }));
  const body = response.Body;
  if (!(body instanceof Readable)) throw new Error(`GetObject ${s3Uri(bucket, info.key)} returned no Node stream`);
  let bytesRead = 0;
  const source = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  const keep = (chunk: Uint8Array) => {
    if (options.head === undefined || keptBytes >= options.head.maxBytes) return;
    const part = chunk.length <= options.head.maxBytes - keptBytes ? chunk : chunk.subarray(0, options.head.maxBytes - keptBytes);
    kept.push(part);
    keptBytes += part.length;
  };
  try {
    // Peek at the first bytes to tell gzip from plain text, then replay them.
    const head: Uint8Array[] = [];
    let headBytes = 0;
    while (headBytes < 2) {
      const next = await source.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const counted = async function* (): AsyncGenerator<Uint8Array> {
      for (const chunk of head) {
        bytesRead += chunk.length;
        keep(chunk);
        options.onProgress?.(bytesRead);
        yield chunk;
      }
      for (;;) {
        const next = await source.next();
        if (next.done) return;
        bytesRead += next.value.length;
        keep(next.value);
        options.onProgress?.(bytesRead);
        yield next.value;
      }
    };
    const first = head.length ? Buffer.concat(head) : new Uint8Array(0);
    if (first.length === 0) return { result: EMPTY_RESULT, bytesRead: 0 };
    const gzip = isGzipMagic(first);
    if (options.gzip && !gzip) throw new UnreadableObject('is named or configured as gzip but is not gzip data (no 1f 8b header)', headBytes);

    // Only JSON lines are grouped (inferObject refuses discriminators for other formats).
    const jsonl =
      options.format === 'jsonl'
        ? new JsonLinesScanner(file, { detectTemporal: options.detectDates ?? false, discriminators: options.discriminators, stats: options.stats ?? false, partition: options.partition })
        : null;
    const scanner =
      jsonl !== null
        ? jsonl
        : new CsvScanner(file, { ...(isTabSeparated(info.key) ? { delimiter: '\t' as const } : {}), ...options.csv, detectTemporal: options.detectDates ?? false, stats: options.stats ?? false });
    const broken: GzipBreak = {};
    const chunks: AsyncIterable<Uint8Array> = gzip ? gunzipTolerant(counted(), broken) : counted();
    try {
      for await (const chunk of chunks) {
        scanner.push(chunk);
      }
    } catch (e) {
      if (isZlibError(e)) throw new UnreadableObject(`not valid gzip data (${(e as Error).message})`, bytesRead);
      throw e;
    }
    // the records the scanner accepted, the last line's once it is ended
    const checked = () => {
      const partitionKeys = jsonl?.partitionKeys();
      return partitionKeys !== undefined ? { partitionKeys } : {};
    };
    if (jsonl !== null && options.discriminators) {
      const grouped = jsonl.endGrouped();
      // a break in the gzip data is the object's, so the stream's (the remainder holds what no slice names)
      const stream = withBreak(grouped.stream, file, broken);
      return { result: stream, bytesRead, grouped: { ...grouped, stream, remainder: withBreak(grouped.remainder, file, broken) }, ...checked() };
    }
    const result = withBreak(scanner.end(), file, broken);
    const dialect = scanner instanceof CsvScanner ? scanner.dialect() : undefined;
    return { result, bytesRead, ...checked(), ...(dialect ? { csv: dialect } : {}) };
  } finally {
    body.destroy(); // frees the connection when reading stopped early; a no-op after the end
    if (options.head !== undefined) options.head.bytes = kept.length === 1 ? kept[0]! : Buffer.concat(kept);
  }
}

async function getRange(s3: S3Client, bucket: string, info: Pick<ObjectInfo, 'key' | 'etag'>, range: string): Promise<Uint8Array> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: info.key, Range: range, IfMatch: `"${info.etag}"` }));
  if (!response.Body) throw new Error(`GetObject ${s3Uri(bucket, info.key)} ${range} returned no body`);
  return response.Body.transformToByteArray();
}

async function inferParquetObject(s3: S3Client, bucket: string, info: Pick<ObjectInfo, 'key' | 'etag' | 'size'>, file: string, options: InferObjectOptions): Promise<ObjectInference> {
  const size = Number(info.size);
  let bytesRead = 0;
  const read = async (position: number, length: number): Promise<Uint8Array> => {
    const range = position + length === size ? `bytes=-${length}` : `bytes=${position}-${position + length - 1}`;
    const bytes = await getRange(s3, bucket, info, range);
    if (bytes.length !== length) throw new Error(`GetObject ${s3Uri(bucket, info.key)} ${range} returned ${bytes.length} of ${length} bytes`);
    return bytes;
  };
  let footer: Uint8Array;
  try {
    footer = await readParquetFooter(size, read, (n) => {
      bytesRead += n;
      options.onProgress?.(bytesRead);
    });
  } catch (e) {
    if (e instanceof ParquetFooterError) throw new UnreadableObject(e.message, bytesRead);
    throw e;
  }
  try {
    return { result: inferParquetFooter(footer, { file }), bytesRead };
  } catch (e) {
    // The footer's bytes are all we decode: any failure is the file's, not the store's.
    return unreadable(file, `not a readable Parquet footer (${(e as Error).message})`, bytesRead);
  }
}
