import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hive, MetastoreClient, MetastoreError } from '../../adapters/metastore/client';
import { grantorOf, grantTable, listGrants, revokeTable } from '../../adapters/metastore/grants';
import { publishTable, publishView, PublishRefusedError, readPublishedTable } from '../../adapters/metastore/publisher';
import { MANAGED_PARAMETER, tableParameters, viewParameters, type PartitionSpec, type TableSpec } from '../../adapters/metastore/table-spec';
import type { HiveColumn } from '../../schema/hive';
import { main } from '../../cli/main';
import { testConfig, uniqueName } from './setup';

const stackScript = path.join(__dirname, '..', '..', 'infra', 'stack.sh');

describe('publishing to the real Hive Metastore', () => {
  const config = testConfig();
  const ms = new MetastoreClient(config.metastore);
  const database = uniqueName('lake_publish');
  const bucket = config.s3.demoBucket;

  function spec(table: string, columns: HiveColumn[], version = 1, format: TableSpec['format'] = 'jsonl'): TableSpec {
    return {
      database,
      table,
      location: `s3a://${bucket}/${database}/${table}/`,
      format,
      columns,
      partitionKeys: [
        { name: 'date_id', type: 'string' },
        { name: 'hour', type: 'string' },
      ],
      parameters: tableParameters({
        format,
        source: table,
        schemaVersion: version,
        lastCrawl: '2019-10-15T21:00:00.000Z',
        stats: { recordCount: 10, objectCount: 2, sizeBytes: 1000, compression: 'gzip' },
      }),
    };
  }

  function partitions(table: string, ...hours: string[]): PartitionSpec[] {
    return hours.map((h) => ({
      values: ['2019-10-15', h],
      location: `s3a://${bucket}/${database}/${table}/date_id=2019-10-15/hour=${h}/`,
    }));
  }

  beforeAll(() => undefined);
  afterAll(async () => {
    await ms.dropDatabase(database, { cascade: true }).catch(() => undefined);
    ms.close();
  });

  it('creates an external table with columns, partition keys, storage and parameters', async () => {
    const columns = [
      { name: 'k1', type: 'string', comment: 'first key' },
      { name: 'props', type: 'struct<name:string,count:bigint>' },
      { name: 'tags', type: 'array<string>' },
    ];
    const result = await publishTable(ms, spec('events', columns), partitions('events', '20', '21'));
    expect(result).toMatchObject({ table: 'create', partitionsAdded: 2, partitionsDropped: 0 });

    const t = await ms.getTable(database, 'events');
    expect(t.tableType).toBe('EXTERNAL_TABLE');
    expect(t.parameters.EXTERNAL).toBe('TRUE');
    expect(t.parameters['lake.managed']).toBe('true');
    expect(t.parameters.classification).toBe('json');
    expect(t.parameters.recordCount).toBe('10');
    expect(t.parameters.averageRecordSize).toBe('100');
    expect(t.sd.location).toBe(`s3a://${bucket}/${database}/events`); // the metastore drops the trailing slash
    expect(t.sd.serdeInfo.serializationLib).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(t.sd.serdeInfo.parameters['ignore.malformed.json']).toBe('true');
    expect(t.sd.inputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
    expect(t.sd.cols.map((c) => [c.name, c.type])).toEqual(columns.map((c) => [c.name, c.type]));
    expect(t.sd.cols[0].comment).toBe('first key');
    expect(t.partitionKeys.map((k) => k.name)).toEqual(['date_id', 'hour']);
    expect((await ms.getPartitionNames(database, 'events')).sort()).toEqual(['date_id=2019-10-15/hour=20', 'date_id=2019-10-15/hour=21']);
    const p = await ms.getPartition(database, 'events', ['2019-10-15', '20']);
    expect(p.sd.location).toBe(`s3a://${bucket}/${database}/events/date_id=2019-10-15/hour=20`);
    // engines read a partition with its own storage: it carries the SerDe and its properties too
    expect(p.sd.serdeInfo.serializationLib).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(p.sd.serdeInfo.parameters).toEqual(t.sd.serdeInfo.parameters);
  });

  it('changes nothing when the same spec is published again', async () => {
    const columns = [
      { name: 'k1', type: 'string', comment: 'first key' },
      { name: 'props', type: 'struct<name:string,count:bigint>' },
      { name: 'tags', type: 'array<string>' },
    ];
    const before = await ms.getTable(database, 'events');
    const result = await publishTable(ms, spec('events', columns), partitions('events', '20', '21'));
    expect(result).toEqual({ table: 'none', cascade: false, reasons: [], partitionsAdded: 0, partitionsDropped: 0 });
    const after = await ms.getTable(database, 'events');
    expect(after.parameters.transient_lastDdlTime).toBe(before.parameters.transient_lastDdlTime);
  });

  it('appends new columns in first-seen order, widens types and changes nested structs with CASCADE to partitions', async () => {
    // the schema lists columns in another order: published columns keep their place
    const columns = [
      { name: 'k3', type: 'bigint' },
      { name: 'tags', type: 'array<string>' },
      { name: 'props', type: 'struct<name:string,count:double,extra:array<string>>' },
      { name: 'k1', type: 'string', comment: 'first key' },
    ];
    const result = await publishTable(ms, spec('events', columns, 2), partitions('events', '20', '21', '22'));
    expect(result.table).toBe('alter');
    expect(result.cascade).toBe(true);
    expect(result.partitionsAdded).toBe(1);
    expect(result.reasons).toContain('add column k3 bigint');
    expect(result.reasons).toContain('change props struct<name:string,count:bigint> -> struct<name:string,count:double,extra:array<string>>');

    const t = await ms.getTable(database, 'events');
    expect(t.sd.cols.map((c) => c.name)).toEqual(['k1', 'props', 'tags', 'k3']);
    expect(t.parameters['lake.schemaVersion']).toBe('2');
    // the partition that existed before follows the table's new columns
    const old = await ms.getPartition(database, 'events', ['2019-10-15', '20']);
    expect(old.sd.cols.map((c) => [c.name, c.type])).toEqual(t.sd.cols.map((c) => [c.name, c.type]));
    const fresh = await ms.getPartition(database, 'events', ['2019-10-15', '22']);
    expect(fresh.sd.cols.find((c) => c.name === 'k3')?.type).toBe('bigint');
  });

  it('moves a table and every partition published with an older storage to the current one, mappings included', async () => {
    const columns = [{ name: 'e_mail', type: 'string' }, { name: 'n', type: 'bigint' }];
    const desired = { ...spec('legacy', columns), keyMapping: { e_mail: 'E-Mail' } };
    await publishTable(ms, desired, partitions('legacy', '20', '21'));
    // as an older lake catalog left it: the hcatalog JSON SerDe on the table and its partitions
    const t = await ms.getTable(database, 'legacy');
    const old = (sd: typeof t.sd) => {
      sd.serdeInfo.serializationLib = 'org.apache.hive.hcatalog.data.JsonSerDe';
      sd.serdeInfo.parameters = {};
    };
    old(t.sd);
    await ms.alterTable(database, 'legacy', t, { cascade: false });
    const parts = await ms.getPartitions(database, 'legacy');
    for (const p of parts) old(p.sd);
    await ms.alterPartitions(database, 'legacy', parts);
    expect((await ms.getPartition(database, 'legacy', ['2019-10-15', '20'])).sd.serdeInfo.serializationLib).toBe('org.apache.hive.hcatalog.data.JsonSerDe');

    const result = await publishTable(ms, desired, partitions('legacy', '20', '21'));
    expect(result.reasons).toContain('storage format');
    for (const h of ['20', '21']) {
      const p = await ms.getPartition(database, 'legacy', ['2019-10-15', h]);
      expect(p.sd.serdeInfo.serializationLib).toBe('org.openx.data.jsonserde.JsonSerDe');
      expect(p.sd.serdeInfo.parameters).toMatchObject({ 'ignore.malformed.json': 'true', 'mapping.e_mail': 'E-Mail' });
      expect(p.sd.location).toBe(`s3a://${bucket}/${database}/legacy/date_id=2019-10-15/hour=${h}`);
    }
    // and then it is settled: nothing more to change
    expect((await publishTable(ms, desired, partitions('legacy', '20', '21'))).table).toBe('none');
  });

  it('drops partitions whose data disappeared', async () => {
    const t = await readPublishedTable(ms, database, 'events');
    const result = await publishTable(ms, { ...spec('events', t!.columns, 2) }, partitions('events', '21'));
    expect(result.partitionsDropped).toBe(2);
    expect(await ms.getPartitionNames(database, 'events')).toEqual(['date_id=2019-10-15/hour=21']);
  });

  it('refuses, without retry, to touch a table it does not manage', async () => {
    const foreign = spec('foreign_table', [{ name: 'a', type: 'string' }]);
    await publishTable(ms, foreign, []);
    const t = await ms.getTable(database, 'foreign_table');
    delete t.parameters['lake.managed'];
    await ms.alterTable(database, 'foreign_table', t, { cascade: false });

    const err = await publishTable(ms, spec('foreign_table', [{ name: 'b', type: 'bigint' }]), []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishRefusedError);
    expect((err as PublishRefusedError).retryable).toBe(false);
    expect((err as Error).message).toContain(`${database}.foreign_table`);
    expect((await ms.getTable(database, 'foreign_table')).sd.cols.map((c) => c.name)).toEqual(['a']);
  });

  it('publishes Parquet and CSV storage', async () => {
    await publishTable(ms, spec('pq', [{ name: 'n', type: 'int' }], 1, 'parquet'), partitions('pq', '20'));
    const pq = await ms.getTable(database, 'pq');
    expect(pq.sd.serdeInfo.serializationLib).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(pq.sd.inputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');

    await publishTable(ms, spec('csv', [{ name: 'n', type: 'string' }], 1, 'csv'), partitions('csv', '20'));
    const csv = await ms.getTable(database, 'csv');
    expect(csv.sd.serdeInfo.serializationLib).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
    expect(csv.sd.serdeInfo.parameters.separatorChar).toBe(',');
    expect(csv.parameters['skip.header.line.count']).toBe('1');
  });

  it('grants, lists and revokes table privileges; revoking twice is a no-op', async () => {
    const table = { database, table: 'events' };
    const alice = { name: uniqueName('alice'), kind: 'user' as const };
    const analysts = { name: uniqueName('analysts'), kind: 'group' as const };
    const grantor = grantorOf('test');
    expect(await grantTable(ms, grantor, alice, table, ['SELECT'])).toEqual(['SELECT']);
    expect(await grantTable(ms, grantor, alice, table, ['select'])).toEqual([]); // held already
    await grantTable(ms, grantor, analysts, table, ['SELECT']);

    const all = await listGrants(ms, table);
    expect(all).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ principal: alice, privilege: 'SELECT', grantor: 'lake-catalog/test' }),
        expect.objectContaining({ principal: analysts, privilege: 'SELECT' }),
      ]),
    );
    expect(await revokeTable(ms, [grantor], alice, table, ['SELECT'])).toEqual(['SELECT']);
    expect(await revokeTable(ms, [grantor], alice, table, ['SELECT'])).toEqual([]);
    const after = await listGrants(ms, table);
    expect(after.some((g) => g.principal.name === alice.name)).toBe(false);
    expect(after.some((g) => g.principal.name === analysts.name)).toBe(true);
  });

  it("revokes only its own grantor's privilege, whichever row the metastore meets first", async () => {
    const table = { database, table: 'events' };
    const bob = { name: uniqueName('bob'), kind: 'user' as const };
    // the metastore revokes the first row it lists; list order is by grantor here, so try both orders
    for (const [mine, theirs] of [[grantorOf('cat-a'), grantorOf('cat-b')], [grantorOf('cat-b'), grantorOf('cat-a')]]) {
      await grantTable(ms, theirs, bob, table, ['SELECT']);
      await grantTable(ms, mine, bob, table, ['SELECT']);
      const before = (await listGrants(ms, table, bob)).find((g) => g.grantor === theirs)!;
      expect(await revokeTable(ms, [mine], bob, table, ['SELECT'])).toEqual(['SELECT']);
      const left = await listGrants(ms, table, bob);
      expect(left.map((g) => g.grantor)).toEqual([theirs]);
      // given back as it was, but for its time: the metastore stamps every grant with its own clock's second
      expect(left[0]).toMatchObject({ privilege: before.privilege, grantor: before.grantor, grantorKind: before.grantorKind, grantOption: before.grantOption });
      expect(left[0].createTime).toBeGreaterThanOrEqual(before.createTime);
      expect(await revokeTable(ms, [mine], bob, table, ['SELECT'])).toEqual([]); // nothing of mine: theirs stays
      expect((await listGrants(ms, table, bob)).map((g) => g.grantor)).toEqual([theirs]);
      await revokeTable(ms, [theirs], bob, table, ['SELECT']);
    }
  });

  it('`lake table` shows what the metastore holds for a published table', async () => {
    let out = '';
    const code = await main(['table', `${database}.events`, '--json'], { stdout: (t) => (out += t), stderr: (t) => (out += t) });
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.columns.map((c: HiveColumn) => c.name)).toEqual(['k1', 'props', 'tags', 'k3']);
    expect(shown.partitions).toEqual(['date_id=2019-10-15/hour=21']);
    expect(shown.parameters['lake.managed']).toBe('true');
    let human = '';
    await main(['table', `${database}.events`], { stdout: (t) => (human += t), stderr: (t) => (human += t) });
    expect(human).toMatch(/^\s+props\s+struct<name:string,count:double,extra:array<string>>$/m);
  });

  it('names the schema version of tables and views with one parameter, and still reads the one views were published with before', async () => {
    expect((await readPublishedTable(ms, database, 'events'))!.schemaVersion).toBe(2);
    const view = { database, columns: [{ name: 'k1', type: 'string' }], sql: `SELECT \`k1\` FROM \`${database}\`.\`events\`` };
    await publishView(ms, { ...view, table: 'events_new_view', parameters: viewParameters({ source: 'events-new-view', stream: 'events', schemaVersion: 4 }) });
    const fresh = await readPublishedTable(ms, database, 'events_new_view');
    expect(fresh!.parameters['lake.schemaVersion']).toBe('4');
    expect(fresh!.parameters).not.toHaveProperty(['lake.schema.version']);
    expect(fresh!.schemaVersion).toBe(4);

    // a view as published before the parameter had one name
    const before = { [MANAGED_PARAMETER]: 'true', 'lake.source': 'events-old-view', 'lake.stream': 'events', 'lake.schema.version': '3' };
    await publishView(ms, { ...view, table: 'events_old_view', parameters: before });
    const old = await readPublishedTable(ms, database, 'events_old_view');
    expect(old!.viewText).toContain('events');
    expect(old!.schemaVersion).toBe(3);
    // and it is still this source's view: publishing it again replaces it rather than refusing
    expect(await publishView(ms, { ...view, table: 'events_old_view', parameters: viewParameters({ source: 'events-old-view', stream: 'events', schemaVersion: 5 }) })).toBe('alter');
    expect((await readPublishedTable(ms, database, 'events_old_view'))!.schemaVersion).toBe(5);
  });

  it('finishes a publish interrupted by a metastore restart when it is retried', async () => {
    const columns = [{ name: 'a', type: 'string' }, { name: 'b', type: 'array<struct<p:bigint,q:string>>' }];
    const target = spec('interrupted', columns);
    const parts = partitions('interrupted', '01', '02', '03');

    // The metastore goes away right after the table is created, before any partition is added.
    class DyingMetastore extends MetastoreClient {
      override async createTable(table: hive.Table): Promise<void> {
        await super.createTable(table);
        execFileSync('bash', [stackScript, 'down', 'metastore'], { stdio: 'pipe' });
      }
    }
    const dying = new DyingMetastore({ ...config.metastore, timeoutMs: 5000 });
    const err = await publishTable(dying, target, parts).catch((e: unknown) => e);
    dying.close();
    expect(err).toBeInstanceOf(MetastoreError);
    expect((err as MetastoreError).retryable).toBe(true);

    execFileSync('bash', [stackScript, 'up'], { stdio: 'pipe' });
    const retry = await publishTable(ms, target, parts);
    expect(retry).toMatchObject({ table: 'none', partitionsAdded: 3 });
    expect((await ms.getPartitionNames(database, 'interrupted')).length).toBe(3);
  }, 240_000);
});
