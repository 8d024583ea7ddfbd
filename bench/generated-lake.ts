// A lake of any size without writing it: an S3 client whose listings and objects under one prefix are
// generated from their index (days x hours x objects per Hive partition, each object two tiny JSON lines),
// answering ListObjectsV2 (pages, continuation tokens, '/' delimiter), GetObject (ranges) and HeadBucket as
// the S3 adapter calls them. Anything outside the prefix goes to the real client it wraps. For the scale
// benchmark and its test only: production code never imports bench/ (test/unit/layers.test.ts).
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface LakeShape {
  bucket: string;
  prefix: string; // ends with '/'
  days: number;
  hours: number; // < 100
  perPartition: number; // < 1,000,000
}

/** The shape of a lake of about `objects` objects in `partitions` partitions (10 hours a day). */
export function shapeOf(bucket: string, prefix: string, objects: number, partitions: number): LakeShape {
  const hours = Math.min(10, partitions);
  const days = Math.max(1, Math.round(partitions / hours));
  return { bucket, prefix, days, hours, perPartition: Math.max(1, Math.round(objects / (days * hours))) };
}

export const objectCount = (s: LakeShape) => s.days * s.hours * s.perPartition;
export const partitionCount = (s: LakeShape) => s.days * s.hours;

const DAY0 = Date.UTC(2019, 0, 1);
const day = (d: number) => new Date(DAY0 + d * 86_400_000).toISOString().slice(0, 10);
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const LAST = '\uffff';
const flat = (s: string) => Buffer.from(s, 'latin1').toString('latin1');

export class GeneratedLake {
  readonly count: number;
  private readonly keyPattern: RegExp;

  constructor(readonly shape: LakeShape) {
    this.count = objectCount(shape);
    this.keyPattern = new RegExp(`^${shape.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}date_id=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/part-(\\d{6})\\.json$`);
  }

  /** Keys sort as their indexes do: ISO days, hours and parts are zero-padded. */
  keyOf(i: number): string {
    const { hours, perPartition } = this.shape;
    const p = Math.floor(i / perPartition);
    return `${this.shape.prefix}date_id=${day(Math.floor(p / hours))}/hour=${pad(p % hours, 2)}/part-${pad(i % perPartition, 6)}.json`;
  }

  indexOf(key: string): number | undefined {
    const m = this.keyPattern.exec(key);
    if (!m) return undefined;
    const d = Math.round((Date.parse(`${m[1]}T00:00:00Z`) - DAY0) / 86_400_000);
    const h = Number(m[2]);
    const n = Number(m[3]);
    const { days, hours, perPartition } = this.shape;
    if (!(d >= 0 && d < days && h < hours && n < perPartition)) return undefined;
    const i = (d * hours + h) * perPartition + n;
    return this.keyOf(i) === key ? i : undefined;
  }

  body(i: number): Buffer {
    const ts = DAY0 + i * 1000;
    return Buffer.from(
      `{"id":"o${i}","ts":${ts},"user_id":${(i * 7919) % 100_000},"event":"click","value":${(i % 100) / 4}}\n` +
        `{"id":"o${i}-2","ts":${ts + 1},"user_id":${(i * 104_729) % 100_000},"event":"view","value":${i % 7}}\n`,
    );
  }

  /** Derived from the index (a real ETag is the MD5 of the bytes; what matters here is that it is stable). */
  etagOf(i: number): string {
    return `${i.toString(16).padStart(8, '0')}${'0'.repeat(24)}`;
  }

  sizeOf(i: number): number {
    return this.body(i).length;
  }

  /** The first index whose key is >= `key` (binary search over the sorted keys). */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keyOf(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  list(input: { Prefix?: string; Delimiter?: string; ContinuationToken?: string; MaxKeys?: number }) {
    const prefix = input.Prefix ?? '';
    const max = input.MaxKeys ?? 1000;
    const end = this.lowerBound(prefix + LAST);
    let i = Math.max(this.lowerBound(prefix), input.ContinuationToken ? Number(input.ContinuationToken) : 0);
    const Contents: { Key: string; ETag: string; Size: number; LastModified: Date }[] = [];
    const CommonPrefixes: { Prefix: string }[] = [];
    while (i < end && Contents.length + CommonPrefixes.length < max) {
      const key = this.keyOf(i);
      const slash = input.Delimiter ? key.indexOf(input.Delimiter, prefix.length) : -1;
      if (slash >= 0) {
        const common = key.slice(0, slash + 1);
        CommonPrefixes.push({ Prefix: common });
        i = this.lowerBound(common + LAST);
      } else {
        // flat strings, as a parsed XML page gives (a key built by concatenation is a tree of pieces in V8,
        // several times the size: the plan's memory would be the fake's)
        Contents.push({ Key: flat(key), ETag: flat(`"${this.etagOf(i)}"`), Size: this.sizeOf(i), LastModified: new Date(DAY0 + i * 1000) });
        i++;
      }
    }
    const truncated = i < end;
    return { Contents, CommonPrefixes, IsTruncated: truncated, NextContinuationToken: truncated ? String(i) : undefined, KeyCount: Contents.length + CommonPrefixes.length };
  }

  get(key: string, range?: string) {
    const i = this.indexOf(key);
    if (i === undefined) throw Object.assign(new Error(`NoSuchKey: ${key}`), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    let bytes = this.body(i);
    const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
    if (m) bytes = m[1] === '' ? bytes.subarray(Math.max(0, bytes.length - Number(m[2]))) : bytes.subarray(Number(m[1]), m[2] === '' ? undefined : Number(m[2]) + 1);
    const Body = Object.assign(Readable.from([bytes]), {
      transformToByteArray: async () => new Uint8Array(bytes),
      transformToString: async () => bytes.toString('utf8'),
    });
    return { Body, ContentLength: bytes.length, ETag: `"${this.etagOf(i)}"` };
  }

  owns(bucket: string | undefined, prefix: string | undefined): boolean {
    return bucket === this.shape.bucket && (prefix ?? '').startsWith(this.shape.prefix);
  }
}

/** `real` with the generated lake in front of it: what a worker of the scale benchmark uses as its S3. */
export function generatedS3(lake: GeneratedLake, real: S3Client): S3Client {
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof ListObjectsV2Command && lake.owns(command.input.Bucket, command.input.Prefix)) {
      // a page comes back as a network reply would, in a later turn of the event loop: a listing answered
      // in microtasks alone starves the activity's heartbeat timer, which no real listing does
      await new Promise((resolve) => setImmediate(resolve));
      return lake.list(command.input);
    }
    if (command instanceof GetObjectCommand && lake.owns(command.input.Bucket, command.input.Key)) return lake.get(command.input.Key!, command.input.Range);
    if (command instanceof HeadBucketCommand && command.input.Bucket === lake.shape.bucket) return {};
    return real.send(command as never);
  };
  return new Proxy(real, { get: (target, name, receiver) => (name === 'send' ? send : Reflect.get(target, name, receiver)) });
}

/** Deletes what the real store holds under the generated lake's prefix: the directory markers the metastore
 *  writes for the table's and partitions' locations when the crawl publishes. */
export async function removeRealObjects(real: S3Client, shape: Pick<LakeShape, 'bucket' | 'prefix'>): Promise<number> {
  let removed = 0;
  for (;;) {
    const page = await real.send(new ListObjectsV2Command({ Bucket: shape.bucket, Prefix: shape.prefix }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) return removed;
    await real.send(new DeleteObjectsCommand({ Bucket: shape.bucket, Delete: { Objects: keys, Quiet: true } }));
    removed += keys.length;
  }
}
