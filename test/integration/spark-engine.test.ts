// The engine that proves a publish works against the real stack: tables registered in the Hive Metastore
// over Thrift, with data in the stack's S3, are read by PySpark (Hive support, S3A) with the right rows,
// nested values, and partition pruning.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hive, MetastoreClient } from '../../adapters/metastore/client';
import { createS3Client } from '../../adapters/s3';
import { ensureSpark, runSparkQueries, SparkQueryError, type SparkResults } from '../support/spark';
import { testConfig, uniqueName } from './setup';

// parquet-wasm's CommonJS build is exported as 'parquet-wasm/node'; TypeScript finds its types by path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Table: WasmTable, writeParquet } = require('parquet-wasm/node') as typeof import('parquet-wasm/node/parquet_wasm');

const JSON_STORAGE = {
  inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serializationLib: 'org.apache.hive.hcatalog.data.JsonSerDe',
};
const PARQUET_STORAGE = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serializationLib: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
};
type StorageKind = typeof JSON_STORAGE;

const COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'props', type: 'struct<name:string,score:double>' },
  { name: 'tags', type: 'array<string>' },
];
const DAY1 = '2019-10-15';
const DAY2 = '2019-10-16';

function storageDescriptor(storage: StorageKind, location: string): hive.StorageDescriptor {
  return new hive.StorageDescriptor({
    cols: COLUMNS.map((c) => new hive.FieldSchema({ ...c, comment: '' })),
    location,
    inputFormat: storage.inputFormat,
    outputFormat: storage.outputFormat,
    compressed: false,
    numBuckets: -1,
    serdeInfo: new hive.SerDeInfo({ name: '', serializationLib: storage.serializationLib, parameters: { 'serialization.format': '1' } }),
    bucketCols: [],
    sortCols: [],
    parameters: {},
  });
}

/** An external table partitioned by date_id, with one partition per day, each with its own location. */
async function createPartitionedTable(ms: MetastoreClient, db: string, table: string, storage: StorageKind, location: string, days: string[]) {
  const now = Math.floor(Date.now() / 1000);
  await ms.call('create_table', (c) =>
    c.create_table(
      new hive.Table({
        tableName: table,
        dbName: db,
        owner: 'lake',
        createTime: now,
        lastAccessTime: 0,
        retention: 0,
        sd: storageDescriptor(storage, location),
        partitionKeys: [new hive.FieldSchema({ name: 'date_id', type: 'string', comment: '' })],
        parameters: { EXTERNAL: 'TRUE' },
        // not a view: left unset (the generated type asks for strings)
        viewOriginalText: undefined as unknown as string,
        viewExpandedText: undefined as unknown as string,
        tableType: 'EXTERNAL_TABLE',
      }),
    ),
  );
  await ms.call('add_partitions_req', (c) =>
    c.add_partitions_req(
      new hive.AddPartitionsRequest({
        dbName: db,
        tblName: table,
        parts: days.map(
          (day) =>
            new hive.Partition({
              values: [day],
              dbName: db,
              tableName: table,
              createTime: now,
              lastAccessTime: 0,
              sd: storageDescriptor(storage, `${location}date_id=${day}/`),
              parameters: {},
            }),
        ),
        ifNotExists: false,
        needResult: false,
      }),
    ),
  );
}

const jsonLines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function parquetBytes(rows: { id: bigint; props: { name: string; score: number }; tags: string[] }[]): Uint8Array {
  const field = <T extends arrow.DataType>(name: string, type: T) => new arrow.Field<T>(name, type, true);
  const props = new arrow.Struct([field('name', new arrow.Utf8()), field('score', new arrow.Float64())]);
  const table = new arrow.Table({
    id: arrow.vectorFromArray(
      rows.map((r) => r.id),
      new arrow.Int64(),
    ),
    props: arrow.vectorFromArray(
      rows.map((r) => r.props),
      props,
    ),
    tags: arrow.vectorFromArray(
      rows.map((r) => r.tags),
      new arrow.List(field('element', new arrow.Utf8())),
    ),
  });
  return writeParquet(WasmTable.fromIPCStream(arrow.tableToIPC(table, 'stream')));
}

describe('PySpark reads what is registered in the stack metastore over data in its S3', () => {
  const config = testConfig();
  const bucket = config.s3.demoBucket;
  const db = uniqueName('lake_spark');
  const prefix = `${db}/`;
  const jsonLocation = `s3a://${bucket}/${prefix}events/`;
  const parquetLocation = `s3a://${bucket}/${prefix}events_parquet/`;
  let ms: MetastoreClient;
  let s3: S3Client;
  let results: SparkResults;

  const put = (key: string, body: string | Uint8Array) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${key}`, Body: body }));

  beforeAll(async () => {
    const installing = ensureSpark(); // minutes on a new machine, instant after
    ms = new MetastoreClient(config.metastore);
    s3 = createS3Client(config.s3);

    // JSON lines: gzip and plain files side by side, as crawled lakes have them.
    await put(
      `events/date_id=${DAY1}/part-0000.json.gz`,
      gzipSync(
        jsonLines([
          { id: 1, props: { name: 'alpha', score: 1.5 }, tags: ['a', 'b'] },
          { id: 2, props: { name: 'beta', score: 2.5 }, tags: ['c', 'd', 'e'] },
        ]),
      ),
    );
    await put(`events/date_id=${DAY1}/part-0001.json`, jsonLines([{ id: 3, props: { name: 'gamma', score: null }, tags: [] }]));
    await put(
      `events/date_id=${DAY2}/part-0000.json`,
      jsonLines([
        { id: 4, props: { name: 'delta', score: 4 }, tags: ['x'] },
        { id: 5, props: { name: 'epsilon', score: 5 }, tags: ['y', 'z'] },
      ]),
    );
    await put(
      `events_parquet/date_id=${DAY1}/part-0000.parquet`,
      parquetBytes([
        { id: 10n, props: { name: 'kappa', score: 0.5 }, tags: ['p', 'q'] },
        { id: 11n, props: { name: 'lambda', score: 1 }, tags: [] },
      ]),
    );
    await put(`events_parquet/date_id=${DAY2}/part-0000.parquet`, parquetBytes([{ id: 12n, props: { name: 'mu', score: 2 }, tags: ['r'] }]));

    await ms.createDatabase({ name: db, description: 'spark engine smoke test' });
    await createPartitionedTable(ms, db, 'events', JSON_STORAGE, jsonLocation, [DAY1, DAY2]);
    await createPartitionedTable(ms, db, 'events_parquet', PARQUET_STORAGE, parquetLocation, [DAY1, DAY2]);
    await installing;

    // One SparkSession for every assertion: a session start costs tens of seconds here.
    results = await runSparkQueries(
      [
        { name: 'count', sql: `select count(*) as n from ${db}.events` },
        { name: 'perDay', sql: `select date_id, count(*) as n from ${db}.events group by date_id order by date_id` },
        { name: 'nested', sql: `select id, props.name as name, props.score as score, try_element_at(tags, 2) as second_tag, size(tags) as n_tags, props from ${db}.events order by id` },
        { name: 'day1Rows', sql: `select id from ${db}.events where date_id = '${DAY1}' order by id` },
        { name: 'day1Files', sql: `select * from ${db}.events where date_id = '${DAY1}'`, kind: 'files' },
        { name: 'allFiles', sql: `select * from ${db}.events`, kind: 'files' },
        { name: 'day1Plan', sql: `select * from ${db}.events where date_id = '${DAY1}'`, kind: 'plan' },
        { name: 'parquetRows', sql: `select id, props.name as name, try_element_at(tags, 1) as first_tag, date_id from ${db}.events_parquet order by id` },
        { name: 'parquetDay2Files', sql: `select * from ${db}.events_parquet where date_id = '${DAY2}'`, kind: 'files' },
      ],
      config,
    );
  }, 20 * 60_000);

  afterAll(async () => {
    await ms?.dropDatabase(db, { cascade: true, deleteData: false }).catch(() => undefined);
    ms?.close();
    if (s3) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } })).catch(() => undefined);
      s3.destroy();
    }
  });

  it('counts every row of a partitioned JSON-lines table, gzip and plain files alike', () => {
    expect(results.rows('count')).toEqual([[5]]);
    expect(results.rows('perDay')).toEqual([
      [DAY1, 3],
      [DAY2, 2],
    ]);
  });

  it('reads struct fields and array elements through the JSON SerDe', () => {
    const rows = results.records('nested');
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]).toMatchObject({ name: 'alpha', score: 1.5, second_tag: 'b', n_tags: 2, props: { name: 'alpha', score: 1.5 } });
    expect(rows[1]).toMatchObject({ name: 'beta', second_tag: 'd', n_tags: 3 });
    expect(rows[2]).toMatchObject({ name: 'gamma', score: null, second_tag: null, n_tags: 0 });
    expect(rows[3]).toMatchObject({ name: 'delta', score: 4 });
  });

  it("reads only the matching partition's files for a filter on date_id", () => {
    expect(results.rows('day1Rows')).toEqual([[1], [2], [3]]);
    expect(results.files('day1Files')).toEqual([
      `${jsonLocation}date_id=${DAY1}/part-0000.json.gz`,
      `${jsonLocation}date_id=${DAY1}/part-0001.json`,
    ]);
    // the same scan without the filter reads the other partition too, so the check above can fail
    expect(results.files('allFiles')).toHaveLength(3);
    expect(results.files('allFiles')).toContain(`${jsonLocation}date_id=${DAY2}/part-0000.json`);
    // the metastore answered the partition filter (get_partitions_by_filter), Spark did not list them all
    expect(results.plan('day1Plan')).toContain(`Pruned Partitions: [(date_id=${DAY1})]`);
    expect(results.plan('day1Plan')).not.toContain(DAY2);
  });

  it('reads a partitioned Parquet table written by parquet-wasm, pruning it too', () => {
    expect(results.rows('parquetRows')).toEqual([
      [10, 'kappa', 'p', DAY1],
      [11, 'lambda', null, DAY1],
      [12, 'mu', 'r', DAY2],
    ]);
    expect(results.files('parquetDay2Files')).toEqual([`${parquetLocation}date_id=${DAY2}/part-0000.parquet`]);
  });

  it("reports a failing query with Spark's message and the query's name", async () => {
    const err = await runSparkQueries([{ name: 'missing', sql: `select * from ${db}.no_such_table` }], config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SparkQueryError);
    expect((err as SparkQueryError).query).toBe('missing');
    expect((err as SparkQueryError).message).toMatch(/TABLE_OR_VIEW_NOT_FOUND/);
    expect(readFileSync((err as SparkQueryError).stderrFile!, 'utf8')).toMatch(/AnalysisException/);
    rmSync(path.dirname((err as SparkQueryError).stderrFile!), { recursive: true, force: true });
  }, 5 * 60_000);
});
