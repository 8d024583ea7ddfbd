// Reads a few records from the head of an object for samples and column statistics: one ranged GET of
// at most `maxBytes`, gunzipped as far as it goes; only complete records count. Parquet objects are read
// whole when small enough (rows live in data pages, not at the head).
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { constants, gunzipSync } from 'node:zlib';
import { csvRecords } from '../schema/infer/csv';
import { isGzipMagic, type Format } from '../schema/formats';

export interface SampleOptions {
  format: Format;
  gzip: boolean;
  maxRecords: number;
  maxBytes: number;
  maxParquetBytes?: number;
}

async function getBytes(s3: S3Client, bucket: string, key: string, range?: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
  return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
}

function headText(bytes: Uint8Array, gzip: boolean): string {
  const raw = gzip || isGzipMagic(bytes)
    ? gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }) // a cut-off stream decompresses as far as it goes
    : Buffer.from(bytes);
  return raw.toString('utf8');
}

/** Complete JSON-object lines of a text's head; corrupt lines are skipped (they are quarantined by inference). */
export function jsonRecords(text: string, max: number): Record<string, unknown>[] {
  const lines = text.split('\n');
  lines.pop(); // the last piece may be cut off
  const out: Record<string, unknown>[] = [];
  for (const line of lines) {
    if (out.length >= max) break;
    try {
      const v = JSON.parse(line);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(v);
    } catch {
      // not a record
    }
  }
  return out;
}

export async function readSampleRecords(
  s3: S3Client,
  bucket: string,
  obj: { key: string; size: number },
  o: SampleOptions,
): Promise<Record<string, unknown>[]> {
  try {
    if (o.format === 'parquet') {
      if (obj.size > (o.maxParquetBytes ?? 16 * 1024 * 1024)) return [];
      const { readParquet } = await import('parquet-wasm');
      const arrow = await import('apache-arrow');
      const table = arrow.tableFromIPC(readParquet(await getBytes(s3, bucket, obj.key)).intoIPCStream());
      return table.toArray().slice(0, o.maxRecords).map((row) => JSON.parse(JSON.stringify(row.toJSON(), (_, v) => (typeof v === 'bigint' ? Number(v) : v))));
    }
    return headRecords(await getBytes(s3, bucket, obj.key, `bytes=0-${o.maxBytes - 1}`), o);
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((status !== undefined && status >= 500) || /ECONN|ETIMEDOUT|socket hang up/i.test(String((e as Error).message ?? e))) {
      throw e; // an outage: the activity retries
    }
    return []; // bad bytes or a vanished object: not sampled (inference reports it)
  }
}

/**
 * The records of a text object's first `o.maxBytes` bytes as stored (compressed for gzip), read the way
 * `readSampleRecords` reads its ranged GET: for a reader that already has them. Bytes that cannot be read
 * give no records (inference reports them).
 */
export function headRecords(bytes: Uint8Array, o: SampleOptions): Record<string, unknown>[] {
  if (o.format === 'parquet') throw new Error('a Parquet object has no records at its head');
  try {
    // a whole small object: its last line is complete
    const text = headText(bytes, o.gzip) + (bytes.length < o.maxBytes ? '\n' : '');
    return o.format === 'csv' ? csvRecords(text, o.maxRecords) : jsonRecords(text, o.maxRecords);
  } catch {
    return [];
  }
}
