import { DeleteObjectsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../adapters/s3';
import { headRecords, readSampleRecords } from '../../adapters/sample-reader';
import { inferObject, listObjects, listPartitionPrefixes, type ObjectHead } from '../../adapters/s3-objects';
import type { ObjectInfo } from '../../crawl/plan';
import { ensureBucket } from '../../infra/bootstrap-s3';
import { toHiveColumns } from '../../schema/hive';
import { allTypesTable, parquetBytes } from '../unit/support/parquet-fixtures';
import { testConfig, uniqueName } from './setup';

/** Records the input of every GetObject the client sends. */
function recordGets(s3: S3Client): { Key: string; Range?: string; IfMatch?: string }[] {
  const gets: { Key: string; Range?: string; IfMatch?: string }[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') gets.push({ ...(args.input as { Key: string; Range?: string; IfMatch?: string }) });
      return next(args);
    },
    { step: 'initialize', name: 'recordGets' },
  );
  return gets;
}

const columnsOf = (r: { schema: Parameters<typeof toHiveColumns>[0] }) => Object.fromEntries(toHiveColumns(r.schema).map((c) => [c.name, c.type]));

describe('S3 objects of a source (real object store)', () => {
  const config = testConfig();
  const bucket = config.s3.demoBucket;
  const prefix = `${uniqueName('s3objects')}/events/`;
  let s3: S3Client;
  let gets: ReturnType<typeof recordGets>;
  const written: string[] = [];
  const listed = new Map<string, ObjectInfo>();

  const JSONL = '{"id":1,"name":"a","props":{"x":1}}\n{"id":2,"name":"b","extra":true}\n{"id":\n';
  const BIG_LINE = `${JSON.stringify({ id: 123456789, name: 'x'.repeat(200), tags: ['a', 'b'] })}\n`;
  const BIG = BIG_LINE.repeat(Math.ceil((3 * 1024 * 1024) / BIG_LINE.length));
  const files: Record<string, string | Uint8Array> = {
    'date_id=2019-10-15/hour=20/part-0.json': JSONL,
    'date_id=2019-10-15/hour=20/_SUCCESS': '',
    'date_id=2019-10-15/hour=21/part-0.json.gz': gzipSync(JSONL),
    'date_id=2019-10-15/hour=21/part-1.json': gzipSync(JSONL), // gzip behind a plain name
    'date_id=2019-10-16/hour=00/part-0.json.gz': 'plain text, named .gz\n', // not gzip at all
    'date_id=2019-10-16/hour=00/part-1.json.gz': gzipSync(JSONL).subarray(0, 30), // truncated gzip
    'date_id=2019-10-16/hour=01/big.json': BIG,
    'date_id=2019-10-16/hour=01/empty.json': '',
    '_temporary/0/part-9.json': JSONL,
    'csv/a.csv': 'id,amount,note\n1,2.5,x\n2,3,y\n',
    'csv/a.tsv': 'id\tamount\n1\t2\n2\t3\n',
    'parquet/ok.parquet': parquetBytes(allTypesTable()),
    'parquet/not.parquet': 'this is not parquet at all, just text\n',
    'parquet/tiny.parquet': 'PAR1',
  };

  beforeAll(async () => {
    s3 = createS3Client(config.s3);
    await ensureBucket(s3, bucket);
    for (const [name, body] of Object.entries(files)) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + name, Body: bytes, ContentLength: bytes.length }));
      written.push(prefix + name);
    }
    for await (const o of listObjects(s3, bucket, prefix)) listed.set(o.key.slice(prefix.length), o);
    gets = recordGets(s3);
  });

  afterAll(async () => {
    if (written.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: written.map((Key) => ({ Key })) } }));
    s3.destroy();
  });

  const infer = (name: string, format: 'jsonl' | 'csv' | 'parquet', gzip = false, extra: { onProgress?: (n: number) => void } = {}) =>
    inferObject(s3, bucket, listed.get(name)!, { format, gzip, ...extra });

  describe('listing', () => {
    it('lists every object over many pages, in key order, with unquoted ETags, sizes and ISO times', async () => {
      const all: ObjectInfo[] = [];
      for await (const o of listObjects(s3, bucket, prefix, { pageSize: 3 })) all.push(o);
      expect(all.map((o) => o.key)).toEqual(Object.keys(files).map((k) => prefix + k).sort());
      const json = all.find((o) => o.key.endsWith('hour=20/part-0.json'))!;
      expect(json.size).toBe(Buffer.byteLength(JSONL));
      expect(json.etag).toMatch(/^[^"]+$/);
      expect(json.lastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(Math.abs(Date.parse(json.lastModified) - Date.now())).toBeLessThan(10 * 60_000);
    });

    it('yields nothing for a prefix that holds nothing', async () => {
      const none: ObjectInfo[] = [];
      for await (const o of listObjects(s3, bucket, `${prefix}nothing-here/`)) none.push(o);
      expect(none).toEqual([]);
    });

    it('descends partition directories level by level through CommonPrefixes', async () => {
      expect(await listPartitionPrefixes(s3, bucket, prefix, 1, { pageSize: 2 })).toEqual(
        ['_temporary/', 'csv/', 'date_id=2019-10-15/', 'date_id=2019-10-16/', 'parquet/'].map((p) => prefix + p),
      );
      expect(await listPartitionPrefixes(s3, bucket, prefix, 2)).toEqual(
        ['_temporary/0/', 'date_id=2019-10-15/hour=20/', 'date_id=2019-10-15/hour=21/', 'date_id=2019-10-16/hour=00/', 'date_id=2019-10-16/hour=01/'].map((p) => prefix + p),
      );
      expect(await listPartitionPrefixes(s3, bucket, prefix, 0)).toEqual([prefix]);
    });
  });

  describe('inference', () => {
    it('streams JSON lines into the scanner, counting corrupt lines and the bytes read', async () => {
      const { result, bytesRead } = await infer('date_id=2019-10-15/hour=20/part-0.json', 'jsonl');
      expect(result.records).toBe(2);
      expect(result.corruptRecords).toBe(1);
      expect(result.corruptSamples[0]).toMatchObject({ file: `s3://${bucket}/${prefix}date_id=2019-10-15/hour=20/part-0.json`, line: 3 });
      expect(columnsOf(result)).toEqual({ id: 'bigint', name: 'string', props: 'struct<x:bigint>', extra: 'boolean' });
      expect(bytesRead).toBe(Buffer.byteLength(JSONL));
    });

    it('gunzips by name and by magic bytes when the name says plain text', async () => {
      const plain = await infer('date_id=2019-10-15/hour=20/part-0.json', 'jsonl');
      const named = await infer('date_id=2019-10-15/hour=21/part-0.json.gz', 'jsonl', true);
      const lying = await infer('date_id=2019-10-15/hour=21/part-1.json', 'jsonl', false);
      for (const r of [named, lying]) {
        expect(columnsOf(r.result)).toEqual(columnsOf(plain.result));
        expect(r.result.records).toBe(2);
        expect(r.bytesRead).toBe(gzipSync(JSONL).length);
      }
    });

    it('turns an unreadable object into one corrupt record with no schema, instead of throwing', async () => {
      const notGzip = await infer('date_id=2019-10-16/hour=00/part-0.json.gz', 'jsonl', true);
      expect(notGzip.result).toEqual({
        schema: { columns: [] },
        records: 0,
        corruptRecords: 1,
        corruptSamples: [{ file: `s3://${bucket}/${prefix}date_id=2019-10-16/hour=00/part-0.json.gz`, line: 0, reason: 'is named or configured as gzip but is not gzip data (no 1f 8b header)' }],
      });
      // gzip cut short: the text before the cut is read (here only part of the first line, which is corrupt)
      // and the cut is reported on the object
      const truncated = await infer('date_id=2019-10-16/hour=00/part-1.json.gz', 'jsonl', true);
      expect(truncated.result).toMatchObject({ schema: { columns: [] }, records: 0, corruptRecords: 2 });
      expect(truncated.result.corruptSamples[0]).toMatchObject({ line: 0, reason: expect.stringMatching(/^the gzip data is cut short/) });
    });

    it('reads an empty object as no records', async () => {
      const { result, bytesRead } = await infer('date_id=2019-10-16/hour=01/empty.json', 'jsonl');
      expect(result).toMatchObject({ records: 0, corruptRecords: 0, schema: { columns: [] } });
      expect(bytesRead).toBe(0);
    });

    it('reports progress as the bytes of a large object arrive', async () => {
      const progress: number[] = [];
      const { result, bytesRead } = await infer('date_id=2019-10-16/hour=01/big.json', 'jsonl', false, { onProgress: (n) => progress.push(n) });
      expect(result.records).toBe(BIG.length / BIG_LINE.length);
      expect(bytesRead).toBe(BIG.length);
      expect(progress.length).toBeGreaterThan(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(BIG.length);
    });

    it('reads CSV and TSV', async () => {
      expect(columnsOf((await infer('csv/a.csv', 'csv')).result)).toEqual({ id: 'bigint', amount: 'double', note: 'string' });
      const tsv = (await infer('csv/a.tsv', 'csv')).result;
      expect(columnsOf(tsv)).toEqual({ id: 'bigint', amount: 'bigint' });
      expect(tsv.records).toBe(2);
    });

    it('reads a Parquet schema with two ranged GETs of the footer, never the data pages', async () => {
      const info = listed.get('parquet/ok.parquet')!;
      gets.length = 0;
      const { result, bytesRead } = await infer('parquet/ok.parquet', 'parquet');
      expect(columnsOf(result)).toMatchObject({ i64: 'bigint', text: 'string', amount: 'decimal(12,2)' });
      expect(gets.map((g) => g.Range)).toEqual(['bytes=-8', expect.stringMatching(/^bytes=\d+-\d+$/)]);
      const [, from, to] = /bytes=(\d+)-(\d+)/.exec(gets[1]!.Range!)!.map(Number);
      expect(to).toBe(info.size - 9);
      expect(bytesRead).toBe(8 + (to! - from! + 1));
      expect(bytesRead).toBeLessThan(info.size);
    });

    it('reports a non-Parquet or too small object as unreadable', async () => {
      expect((await infer('parquet/not.parquet', 'parquet')).result.corruptSamples).toEqual([
        { file: `s3://${bucket}/${prefix}parquet/not.parquet`, line: 0, reason: 'not a Parquet file (no PAR1 magic at the end)' },
      ]);
      expect((await infer('parquet/tiny.parquet', 'parquet')).result.corruptSamples[0]!.reason).toBe('too small to be a Parquet file (4 bytes)');
    });

    it('groups a gzipped JSON lines object by its discriminators when asked, keeping the stream result as it is', async () => {
      const key = 'date_id=2019-10-15/hour=21/part-0.json.gz';
      const plain = await infer(key, 'jsonl', true);
      const g = await inferObject(s3, bucket, listed.get(key)!, { format: 'jsonl', gzip: true, discriminators: ['name'] });
      expect(g.result).toEqual(plain.result);
      expect(g.grouped.stream).toEqual(plain.result);
      expect(Object.fromEntries(Object.values(g.grouped.slices).map((s) => [s.values.join(), [s.result.records, columnsOf(s.result)]]))).toEqual({
        a: [1, { id: 'bigint', name: 'string', props: 'struct<x:bigint>' }],
        b: [1, { id: 'bigint', name: 'string', extra: 'boolean' }],
      });
      expect(g.grouped.remainder.records).toBe(0);
      const unreadable = await inferObject(s3, bucket, listed.get('date_id=2019-10-16/hour=00/part-0.json.gz')!, { format: 'jsonl', gzip: true, discriminators: ['name'] });
      expect(unreadable.grouped).toEqual({ stream: unreadable.result, slices: {}, remainder: expect.objectContaining({ records: 0 }) });
      expect(unreadable.result.corruptRecords).toBe(1);
      await expect(inferObject(s3, bucket, listed.get('csv/a.csv')!, { format: 'csv', gzip: false, discriminators: ['id'] })).rejects.toThrow(/JSON lines/);
    });

    it('keeps the head of the one GET it infers from: the same samples as a ranged GET of it, in one request', async () => {
      const text = Object.keys(files).filter((n) => !n.startsWith('parquet/') && !n.endsWith('_SUCCESS'));
      const gzipped = (n: string) => n.endsWith('.gz');
      const formatOf = (n: string) => (n.endsWith('.csv') || n.endsWith('.tsv') ? 'csv' : 'jsonl') as 'csv' | 'jsonl';
      let sampled = 0;
      for (const name of text) {
        for (const maxBytes of [10, 64, 200, 256 * 1024]) {
          const o = { format: formatOf(name), gzip: gzipped(name), maxRecords: 200, maxBytes };
          const ranged = await readSampleRecords(s3, bucket, listed.get(name)!, o);
          const head: ObjectHead = { maxBytes };
          gets.length = 0;
          await inferObject(s3, bucket, listed.get(name)!, { format: o.format, gzip: o.gzip, head });
          expect(gets).toHaveLength(1);
          expect({ name, maxBytes, records: headRecords(head.bytes!, o) }).toEqual({ name, maxBytes, records: ranged });
          sampled += ranged.length;
        }
      }
      expect(sampled).toBeGreaterThan(100); // the comparison saw records, not only empty heads
    });

    it('names results with the given file label', async () => {
      const { result } = await inferObject(s3, bucket, listed.get('date_id=2019-10-15/hour=20/part-0.json')!, { format: 'jsonl', gzip: false, file: 'label-1' });
      expect(result.corruptSamples[0]!.file).toBe('label-1');
    });

    it('reads only the listed version: an object changed or deleted since the listing is unreadable, not thrown', async () => {
      const key = `${prefix}moving/part-0.json`;
      written.push(key);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"a":1}\n' }));
      const before = (await listAll(s3, bucket, `${prefix}moving/`))[0]!;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"a":1,"b":2}\n' }));
      const changed = await inferObject(s3, bucket, before, { format: 'jsonl', gzip: false });
      expect(changed.result.corruptSamples[0]!.reason).toBe('object changed after it was listed (ETag differs)');
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: key }] } }));
      const deleted = await inferObject(s3, bucket, before, { format: 'jsonl', gzip: false });
      expect(deleted.result.corruptSamples[0]!.reason).toBe('object was deleted after it was listed');
    });
  });

  it('throws when the object store itself is unreachable, so the activity retries', async () => {
    const down = createS3Client({ ...config.s3, endpoint: 'http://127.0.0.1:9' });
    try {
      await expect(inferObject(down, bucket, listed.get('csv/a.csv')!, { format: 'csv', gzip: false })).rejects.toThrow();
      await expect(listAll(down, bucket, prefix)).rejects.toThrow();
      await expect(listPartitionPrefixes(down, bucket, prefix, 1)).rejects.toThrow();
    } finally {
      down.destroy();
    }
  });
});

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of listObjects(s3, bucket, prefix)) out.push(o);
  return out;
}
