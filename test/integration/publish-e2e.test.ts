// End to end for publishing: JSON lines, Parquet and CSV data in the stack's S3, schemas inferred from
// the files by the schema engine, tables and partitions published by the publisher, then read by a real
// engine (PySpark with Hive support): row counts, nested values, partition pruning.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferLocalFiles } from '../../adapters/formats';
import { MetastoreClient } from '../../adapters/metastore/client';
import { publishTable } from '../../adapters/metastore/publisher';
import { tableParameters, type TableSpec } from '../../adapters/metastore/table-spec';
import type { Format } from '../../schema/formats';
import { createS3Client } from '../../adapters/s3';
import { toHiveColumns } from '../../schema';
import { ensureSpark, runSparkQueries, type SparkResults } from '../support/spark';
import { testConfig, uniqueName } from './setup';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Table: WasmTable, writeParquet } = require('parquet-wasm/node') as typeof import('parquet-wasm/node/parquet_wasm');

const DAYS = ['2019-10-15', '2019-10-16'];

function events(day: string, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: Number(day.slice(-2)) * 100 + i,
    service: i % 2 ? 'music' : 'mv',
    props: { name: `${day}-item-${i}`, score: i / 2, ...(i === 0 ? { extra: 'only in the first record' } : {}) },
    tags: i % 3 === 0 ? ['a', 'b'] : ['c'],
  }));
}

describe('published tables read by PySpark', () => {
  const config = testConfig();
  const bucket = config.s3.demoBucket;
  const prefix = `${uniqueName('e2e')}/`;
  const database = uniqueName('lake_e2e');
  const s3 = createS3Client(config.s3);
  const ms = new MetastoreClient(config.metastore);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lake-e2e-'));
  let results: SparkResults;

  async function publishFormat(table: string, format: Format, files: { day: string; name: string; body: Buffer | Uint8Array }[]) {
    const local: string[] = [];
    for (const f of files) {
      const p = path.join(dir, `${table}-${f.day}-${f.name}`);
      writeFileSync(p, f.body);
      local.push(p);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${table}/date_id=${f.day}/${f.name}`, Body: f.body }));
    }
    const inferred = await inferLocalFiles(local);
    const spec: TableSpec = {
      database,
      table,
      location: `s3a://${bucket}/${prefix}${table}/`,
      format,
      columns: toHiveColumns(inferred.schema),
      partitionKeys: [{ name: 'date_id', type: 'string' }],
      parameters: tableParameters({
        format,
        source: table,
        schemaVersion: 1,
        lastCrawl: new Date(0).toISOString(),
        stats: { recordCount: inferred.records, objectCount: files.length, sizeBytes: 0, compression: 'none' },
      }),
    };
    await publishTable(ms, spec, DAYS.map((d) => ({ values: [d], location: `s3a://${bucket}/${prefix}${table}/date_id=${d}/` })));
    return spec;
  }

  beforeAll(async () => {
    const installing = ensureSpark();
    const jsonl = (rows: Record<string, unknown>[]) => Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await publishFormat('events_json', 'jsonl', [
      { day: DAYS[0], name: 'part-0.json', body: jsonl(events(DAYS[0], 3)) },
      { day: DAYS[1], name: 'part-0.json.gz', body: gzipSync(jsonl(events(DAYS[1], 4))) },
    ]);
    const parquet = (rows: Record<string, unknown>[]) => {
      const field = <T extends arrow.DataType>(name: string, type: T) => new arrow.Field<T>(name, type, true);
      const table = new arrow.Table({
        id: arrow.vectorFromArray(rows.map((r) => BigInt(r.id as number)), new arrow.Int64()),
        service: arrow.vectorFromArray(rows.map((r) => r.service as string), new arrow.Utf8()),
        props: arrow.vectorFromArray(
          rows.map((r) => ({ name: (r.props as { name: string }).name, score: (r.props as { score: number }).score })),
          new arrow.Struct([field('name', new arrow.Utf8()), field('score', new arrow.Float64())]),
        ),
        tags: arrow.vectorFromArray(rows.map((r) => r.tags as string[]), new arrow.List(field('element', new arrow.Utf8()))),
      });
      return writeParquet(WasmTable.fromIPCStream(arrow.tableToIPC(table, 'stream')));
    };
    await publishFormat('events_parquet', 'parquet', [
      { day: DAYS[0], name: 'part-0.parquet', body: parquet(events(DAYS[0], 2)) },
      { day: DAYS[1], name: 'part-0.parquet', body: parquet(events(DAYS[1], 5)) },
    ]);
    const csv = (day: string, n: number) =>
      Buffer.from(['order_id,amount,note', ...Array.from({ length: n }, (_, i) => `${day}-${i},${i * 10},"quoted, with ""comma"""`)].join('\n') + '\n');
    await publishFormat('orders_csv', 'csv', [
      { day: DAYS[0], name: 'orders.csv', body: csv(DAYS[0], 2) },
      { day: DAYS[1], name: 'orders.csv', body: csv(DAYS[1], 3) },
    ]);
    await installing;
    results = await runSparkQueries(
      [
        { name: 'jsonCount', sql: `select count(*) from ${database}.events_json` },
        { name: 'jsonNested', sql: `select props.name, props.extra, try_element_at(tags, 2) from ${database}.events_json where id = 1500` },
        { name: 'jsonDay1', sql: `select count(*) from ${database}.events_json where date_id = '${DAYS[0]}'` },
        { name: 'jsonDay1Files', sql: `select * from ${database}.events_json where date_id = '${DAYS[0]}'`, kind: 'files' },
        { name: 'parquetCount', sql: `select count(*) from ${database}.events_parquet` },
        { name: 'parquetNested', sql: `select props.name, tags[0] from ${database}.events_parquet where id = 1601` },
        { name: 'parquetDay2Files', sql: `select * from ${database}.events_parquet where date_id = '${DAYS[1]}'`, kind: 'files' },
        { name: 'csvRows', sql: `select order_id, amount, note from ${database}.orders_csv where date_id = '${DAYS[1]}' order by order_id` },
        { name: 'csvCount', sql: `select count(*) from ${database}.orders_csv` },
        { name: 'csvHeaders', sql: `select count(*) from ${database}.orders_csv where order_id = 'order_id'` },
      ],
      config,
    );
  }, 20 * 60_000);

  afterAll(async () => {
    await ms.dropDatabase(database, { cascade: true }).catch(() => undefined);
    ms.close();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    s3.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every row of the JSON-lines table, plain and gzip partitions alike', () => {
    expect(results.rows('jsonCount')).toEqual([[7]]);
  });

  it('reads nested struct fields and array elements of the JSON-lines table', () => {
    expect(results.rows('jsonNested')).toEqual([['2019-10-15-item-0', 'only in the first record', 'b']]);
  });

  it('prunes partitions: a date filter reads only that partition', () => {
    expect(results.rows('jsonDay1')).toEqual([[3]]);
    expect(results.files('jsonDay1Files')).toEqual([`s3a://${bucket}/${prefix}events_json/date_id=${DAYS[0]}/part-0.json`]);
    expect(results.files('parquetDay2Files')).toEqual([`s3a://${bucket}/${prefix}events_parquet/date_id=${DAYS[1]}/part-0.parquet`]);
  });

  it('reads the Parquet table with its struct and list columns', () => {
    expect(results.rows('parquetCount')).toEqual([[7]]);
    expect(results.rows('parquetNested')).toEqual([['2019-10-16-item-1', 'c']]);
  });

  // Spark's Hive reader ignores skip.header.line.count; the table's Spark data source parameters make Spark
  // read it with its own CSV reader instead: headers skipped, typed as inferred.
  it('reads the CSV table with RFC 4180 quoting, typed, without header rows', () => {
    expect(results.rows('csvRows')).toEqual([
      ['2019-10-16-0', 0, 'quoted, with "comma"'],
      ['2019-10-16-1', 10, 'quoted, with "comma"'],
      ['2019-10-16-2', 20, 'quoted, with "comma"'],
    ]);
    expect(results.rows('csvHeaders')).toEqual([[0]]);
    expect(results.rows('csvCount')).toEqual([[5]]);
  });
});
