// What we publish reads right: a messy lake (test/support/messy-lake.ts) is crawled on the real stack and
// every published table is read back by PySpark with `select *`, row for row and value for value, against
// the valid source records (test/support/reading.ts says what a reader must return for each).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import type { CrawlSummary } from '../../crawl/run';
import { listSourceStates, saveSource, setLogicalSourcesActive } from '../../db/sources';
import { crawlSource } from '../../workflows';
import { messyCsv, messyJsonLines, messyParquet, messyStream, type MessySource } from '../support/messy-lake';
import { comparable, expectedRow, hiveNameOf, parseHiveType, expectedValue, rowSet } from '../support/reading';
import { ensureSpark, runSparkQueries, type SparkResults } from '../support/spark';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { runLake, testConfig, uniqueName } from './setup';

describe('published tables read right in Spark, on messy data', () => {
  const config = testConfig();
  const root = `${uniqueName('truth')}/`;
  const database = uniqueName('lake_truth');
  const json = messyJsonLines();
  const csv = messyCsv();
  const semicolons = messyCsv(';');
  const stream = messyStream();
  const parquet = messyParquet();
  const sources = { messy_json: json, messy_csv: csv, messy_semicolon: semicolons, messy_stream: stream, messy_parquet: parquet } as const;
  const crawls: Record<string, CrawlSummary> = {};
  const names = Object.fromEntries(Object.keys(sources).map((k) => [k, uniqueName(k).replace(/_/g, '-')])) as Record<keyof typeof sources, string>;
  let workers: CrawlWorkers;
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let results: SparkResults;
  let views: { kind: string; table: string }[] = [];

  async function crawl(table: keyof typeof sources, source: MessySource, format: 'auto' | 'csv', options = {}) {
    const prefix = `${root}${table}/`;
    for (const f of source.files) await deps.s3.send(new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: prefix + f.key, Body: f.body }));
    await saveSource(deps.db, {
      name: names[table], kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format, layout: { kind: 'hive' },
      schedule: 'hourly', targetDatabase: database, targetTable: table, options, enabled: false,
    });
    await recrawl(table);
  }

  async function recrawl(table: keyof typeof sources) {
    crawls[table] = await env.client.workflow.execute(crawlSource, {
      taskQueue: workers.taskQueue,
      workflowId: `crawl/${names[table]}/${uniqueName('t')}`,
      args: [{ source: names[table], inferenceTaskQueue: workers.inferenceTaskQueue }],
    });
  }

  /** The columns of a published table as the metastore holds them (data columns, then partition keys). */
  async function publishedColumns(table: string) {
    const t = await deps.metastore.getTable(database, table);
    const keys = t.partitionKeys.map((k) => k.name);
    return { keys, columns: [...t.sd.cols, ...t.partitionKeys].map((c) => ({ name: c.name, type: c.type })), storage: t.sd.serdeInfo, parameters: t.parameters };
  }

  beforeAll(async () => {
    const installing = ensureSpark();
    workers = await startCrawlWorkers(config, 'truth');
    ({ env, deps } = workers);
    await crawl('messy_json', json, 'auto');
    await crawl('messy_csv', csv, 'csv');
    await crawl('messy_semicolon', semicolons, 'csv');
    await crawl('messy_parquet', parquet, 'auto');
    // the stream's logical sources are published as views once activated: at the next crawl
    await crawl('messy_stream', stream, 'auto', { discriminators: ['kind'], flatten: ['props'] });
    const slices = (await listSourceStates(deps.db, { stream: names.messy_stream, onlyNew: true })).map((r) => r.source.name);
    expect(slices).toHaveLength(2);
    await setLogicalSourcesActive(deps.db, slices, true);
    await recrawl('messy_stream');
    views = await Promise.all(slices.map(async (name) => {
      const row = await deps.db('sources').where({ name }).first('location');
      const table = `${name.replace(/-/g, '_')}`;
      return { kind: (row.location as { values: string[] }).values[0]!, table };
    }));
    await installing;
    results = await runSparkQueries(
      [
        { name: 'json', sql: `select * from ${database}.messy_json` },
        { name: 'csv', sql: `select * from ${database}.messy_csv` },
        { name: 'semicolon', sql: `select * from ${database}.messy_semicolon` },
        { name: 'parquet', sql: `select * from ${database}.messy_parquet` },
        ...views.map((v) => ({ name: `view_${v.kind}`, sql: `select * from ${database}.\`${v.table}\`` })),
        { name: 'jsonPruned', sql: `select id, \`e_mail\`, \`timestamp\`, \`from\`, \`to\`, \`select\`, \`user\`.display_name from ${database}.messy_json where date_id = '2019-10-15' and hour = '20' and id is not null order by id` },
      ],
      config,
    );
  }, 20 * 60_000);

  afterAll(async () => {
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
  });

  it('the crawl quarantines the corrupt lines and counts the records that disagree with their partition path', () => {
    const merged = crawls.messy_json!.merged;
    expect(merged.records).toBe(json.records.length);
    expect(merged.corruptRecords).toBe(json.nullRows.filter((r) => r.corrupt).length);
    expect(merged.partitionKeyMismatches).toBe(json.keyMismatches);
    expect(crawls.messy_csv!.merged.records).toBe(csv.records.length);
  });

  it('publishes partition keys that records repeat once, as partition columns', async () => {
    const { columns, keys } = await publishedColumns('messy_json');
    expect(keys).toEqual(['date_id', 'hour']);
    expect(columns.filter((c) => c.name === 'date_id' || c.name === 'hour')).toHaveLength(2);
  });

  it('reads every valid JSON record with every value, and each corrupt or blank line as a row of NULLs', async () => {
    const { columns, keys } = await publishedColumns('messy_json');
    expect(results.columns('json')).toEqual(columns.map((c) => c.name));
    const expected = [
      ...json.records.map((r) => expectedRow(r.record, r.partition, columns, keys)),
      ...json.nullRows.map((r) => Object.fromEntries(columns.map((c) => [c.name, keys.includes(c.name) ? r.partition[c.name] : null]))),
    ];
    const actual = results.records('json');
    expect(actual).toHaveLength(expected.length);
    // pair rows by id (NULL rows by partition) and compare each value, then the whole multiset
    const byId = new Map(expected.filter((r) => r.id !== null).map((r) => [r.id, r]));
    for (const row of actual.filter((r) => r.id !== null)) {
      const want = byId.get(row.id);
      expect(want, `row id ${String(row.id)} is no valid record`).toBeDefined();
      expect(comparable(row, want), `row id ${String(row.id)}`).toEqual(want);
    }
    expect(rowSet(actual.map((r, i) => comparable(r, actual[i]!.id === null ? r : byId.get(r.id)) as Record<string, unknown>))).toEqual(rowSet(expected));
  });

  it('reads keys Hive cannot hold under their safe names, and reserved words as they are', async () => {
    const { storage } = await publishedColumns('messy_json');
    expect(storage.serializationLib).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(storage.parameters).toMatchObject({ 'mapping.e_mail': 'E-Mail', 'mapping.a_b': 'a.b', 'mapping.first_name': 'first name', 'mapping.user_id': 'User Id', 'mapping.c_2nd': '2nd' });
    const rows = results.records('jsonPruned');
    expect(rows.length).toBe(json.records.filter((r) => r.partition.hour === '20').length);
    for (const r of rows) {
      expect(r.e_mail).toBe(`u${String(r.id)}@example.com`);
      expect(r.from).toBe('here');
      expect(r.to).toBe('there');
      expect(typeof r.select).toBe('number');
      expect(r.display_name).toBe(`D${String(r.id)}`);
    }
  });

  for (const [table, source] of [['messy_csv', csv], ['messy_semicolon', semicolons]] as const) {
    it(`reads ${table} without header rows, quoted delimiters, doubled quotes and newlines intact, typed as inferred`, async () => {
      const { columns, keys, parameters, storage } = await publishedColumns(table);
      expect(parameters['spark.sql.sources.provider']).toBe('csv');
      // the delimiter each file was read with is the one engines are told
      expect(storage.parameters).toMatchObject({ separatorChar: table === 'messy_csv' ? ',' : ';', sep: table === 'messy_csv' ? ',' : ';' });
      // Spark reads the data source schema: the inferred types, the repeated partition key under another name
      const result = table === 'messy_csv' ? 'csv' : 'semicolon';
      const sparkColumns = results.columns(result);
      expect(sparkColumns).toEqual(columns.map((c) => c.name));
      const renamedKey = sparkColumns.find((c) => /^date_id_[0-9a-f]{8}$/.test(c));
      expect(renamedKey).toBeDefined();
      const expected = source.records.map((r) => {
        const row = expectedRow(r.record, r.partition, columns.map((c) => ({ name: c.name, type: 'string' })), keys);
        // typed as the catalog inferred (the metastore's columns are strings for Hive and Trino)
        return { ...row, id: r.record.id, amount: r.record.amount, flag: r.record.flag, [renamedKey!]: r.record.date_id };
      });
      expect(rowSet(results.records(result))).toEqual(rowSet(expected));
    });
  }

  it('reads Parquet files whose types widened and whose structs gained fields across partitions', async () => {
    const { columns, keys } = await publishedColumns('messy_parquet');
    expect(columns.find((c) => c.name === 'id')?.type).toBe('bigint');
    expect(columns.find((c) => c.name === 'props')?.type).toBe('struct<a:bigint,b:string>');
    expect(results.columns('parquet')).toEqual(columns.map((c) => c.name));
    const expected = parquet.records.map((r) => expectedRow(r.record, r.partition, columns, keys));
    expect(rowSet(results.records('parquet'))).toEqual(rowSet(expected));
  });

  it("reads each logical source's view: its records only, props flattened under safe names, values intact", async () => {
    expect(views.map((v) => v.kind).sort()).toEqual(['buy', 'click']);
    for (const v of views) {
      const t = await deps.metastore.getTable(database, v.table);
      expect(t.tableType).toBe('VIRTUAL_VIEW');
      const columns = t.sd.cols.map((c) => ({ name: c.name, type: c.type }));
      // a flattened column props_<name> reads props' key of that name; the partition key comes from the path
      const expected = stream.records
        .filter((r) => r.record.kind === v.kind)
        .map((r) => Object.fromEntries(columns.map((c) => {
          if (c.name === 'date_id') return [c.name, r.partition.date_id];
          const [top, nested] = c.name.startsWith('props_') ? ['props', c.name.slice('props_'.length)] : [c.name, undefined];
          const own = Object.entries(r.record).find(([k]) => hiveNameOf(k) === top)?.[1];
          const value = nested === undefined ? own : Object.entries((own ?? {}) as object).find(([k]) => hiveNameOf(k) === nested)?.[1];
          return [c.name, expectedValue(value, parseHiveType(c.type))];
        })));
      expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(v.kind === 'buy' ? ['props_item_id', 'props_price__', 'props_currency', 'user_agent'] : ['props_page_url', 'props_x_y', 'user_agent']));
      expect(rowSet(results.records(`view_${v.kind}`))).toEqual(rowSet(expected));
    }
  });

  it('describe shows the records whose partition key values differ from their path', async () => {
    const { code, out } = await runLake(config, 'describe', names.messy_json, '--json');
    expect(code).toBe(0);
    const d = JSON.parse(out);
    expect(d.partitionKeyMismatches).toEqual([
      {
        partition: 'date_id=2019-10-15/hour=20/',
        records: json.keyMismatches,
        first: expect.objectContaining({ file: expect.stringContaining('hour=20/part-0.json'), key: 'hour', path: '20', value: expect.stringMatching(/21/) }),
      },
    ]);
    const human = await runLake(config, 'describe', names.messy_json);
    expect(human.out).toMatch(/2 record\(s\) in 1 partition\(s\) hold a partition key value other than their path's/);
  });
});
