import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countNewRows, readNewRows, readTableSchema, SourceTableError, type NewRowsQuery, type RowBatch } from '../../adapters/postgres-source';
import { toHiveColumns } from '../../schema/hive';
import { testConfig, uniqueName } from './setup';

async function readAll(url: string, query: NewRowsQuery & { batchSize: number }): Promise<RowBatch[]> {
  const out: RowBatch[] = [];
  for await (const batch of readNewRows(url, query)) out.push(batch);
  return out;
}

describe('PostgreSQL table sources (real database)', () => {
  const url = testConfig().postgres.url;
  const schema = uniqueName('src');
  const admin = new pg.Client({ connectionString: url });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.orders (
      id bigint PRIMARY KEY, amount numeric(12,2), price numeric, tags text[], scores int[], created timestamptz,
      local_time timestamp, day date, payload jsonb, "Mixed Case" text, flag boolean)`);
    await admin.query(`INSERT INTO ${schema}.orders (id, amount, tags, created, local_time, day, payload, flag)
      SELECT i, i * 1.5, ARRAY['t' || i], timestamptz '2019-10-15 20:00:00.123456+00' + (i / 3) * interval '1 hour',
             timestamp '2019-10-15 20:00:00.654321' + (i / 3) * interval '1 hour', date '2019-10-15' + (i / 3), '{"a":1}', i % 2 = 0
        FROM generate_series(1, 7) AS i`);
    await admin.query(`CREATE TABLE ${schema}."Weird ""Name""" ("Key" int, v text)`);
    await admin.query(`INSERT INTO ${schema}."Weird ""Name""" VALUES (1, 'a'), (2, 'b')`);
  });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  describe('readTableSchema', () => {
    it('maps the column catalog, array element types included, in column order', async () => {
      const s = await readTableSchema(url, schema, 'orders');
      expect(toHiveColumns(s).map((c) => [c.name, c.type])).toEqual([
        ['id', 'bigint'],
        ['amount', 'decimal(12,2)'],
        ['price', 'decimal(38,18)'],
        ['tags', 'array<string>'],
        ['scores', 'array<int>'],
        ['created', 'timestamp'],
        ['local_time', 'timestamp'],
        ['day', 'date'],
        ['payload', 'string'],
        ['mixed_case', 'string'],
        ['flag', 'boolean'],
      ]);
      expect(s.columns[0]!.provenance).toEqual({ file: `postgres:${schema}.orders` });
    });

    it('quotes identifiers it did not choose', async () => {
      const s = await readTableSchema(url, schema, 'Weird "Name"');
      expect(s.columns.map((c) => c.name)).toEqual(['Key', 'v']);
      expect((await readAll(url, { schema, table: 'Weird "Name"', cursorColumn: 'Key', batchSize: 10 })).flatMap((b) => b.rows)).toEqual([
        { Key: 1, v: 'a' },
        { Key: 2, v: 'b' },
      ]);
    });

    it('names schema.table when the table does not exist', async () => {
      const err = await readTableSchema(url, schema, 'missing').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceTableError);
      expect((err as Error).message).toBe(`${schema}.missing: table ${schema}.missing does not exist (or this user may read none of its columns)`);
    });
  });

  describe('readNewRows and countNewRows', () => {
    const orders = { schema, table: 'orders' };

    it('reads every row in cursor order, in batches, each with its highest cursor value', async () => {
      const batches = await readAll(url, { ...orders, cursorColumn: 'id', batchSize: 3 });
      expect(batches.map((b) => b.rows.map((r) => r.id))).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7']]);
      expect(batches.map((b) => b.maxCursor)).toEqual(['3', '6', '7']);
      expect(Object.keys(batches[0]!.rows[0]!)).toEqual(['id', 'amount', 'price', 'tags', 'scores', 'created', 'local_time', 'day', 'payload', 'Mixed Case', 'flag']);
      expect(await countNewRows(url, { ...orders, cursorColumn: 'id' })).toBe(7);
    });

    it('reads only the rows past the high-water mark', async () => {
      const batches = await readAll(url, { ...orders, cursorColumn: 'id', after: '5', batchSize: 100 });
      expect(batches.flatMap((b) => b.rows.map((r) => r.id))).toEqual(['6', '7']);
      expect(await countNewRows(url, { ...orders, cursorColumn: 'id', after: 5 })).toBe(2);
      expect(await readAll(url, { ...orders, cursorColumn: 'id', after: '7', batchSize: 100 })).toEqual([]);
    });

    it('gives timestamptz cursors as ISO 8601 UTC with microseconds, and skips or repeats nothing on the next read', async () => {
      // created repeats: ids 1-2 share one value, 3-5 the next, 6-7 the last; batches of 2 cut through ties
      const first = await readAll(url, { ...orders, cursorColumn: 'created', batchSize: 2 });
      expect(first.flatMap((b) => b.rows).length).toBe(7);
      expect(first.map((b) => b.maxCursor)).toEqual([
        '2019-10-15T20:00:00.123456Z',
        '2019-10-15T21:00:00.123456Z',
        '2019-10-15T22:00:00.123456Z',
        '2019-10-15T22:00:00.123456Z',
      ]);
      const next = await readAll(url, { ...orders, cursorColumn: 'created', after: '2019-10-15T21:00:00.123456Z', batchSize: 10 });
      expect(next.flatMap((b) => b.rows.map((r) => r.id))).toEqual(['6', '7']);
      expect(await countNewRows(url, { ...orders, cursorColumn: 'created', after: '2019-10-15T20:00:00.123456Z' })).toBe(5);
    });

    it('keeps timestamp (without zone) and date cursors exact and zone-free', async () => {
      const naive = await readAll(url, { ...orders, cursorColumn: 'local_time', batchSize: 10 });
      expect(naive[0]!.maxCursor).toBe('2019-10-15T22:00:00.654321');
      expect(await countNewRows(url, { ...orders, cursorColumn: 'local_time', after: '2019-10-15T21:00:00.654321' })).toBe(2);
      const day = await readAll(url, { ...orders, cursorColumn: 'day', batchSize: 10 });
      expect(day[0]!.maxCursor).toBe('2019-10-17');
    });

    it('passes the high-water mark as a parameter, never as SQL', async () => {
      const injected = await countNewRows(url, { schema, table: 'Weird "Name"', cursorColumn: 'v', after: "a' OR '1'='1" });
      expect(injected).toBe(1); // only 'b' sorts after the literal text
    });

    it('refuses a missing or unorderable cursor column, naming it', async () => {
      await expect(countNewRows(url, { ...orders, cursorColumn: 'nope' })).rejects.toMatchObject({
        name: 'SourceTableError',
        field: 'cursorColumn',
        message: `${schema}.orders: cursor column "nope" does not exist`,
      });
      await expect(readAll(url, { ...orders, cursorColumn: 'payload', batchSize: 1 })).rejects.toThrow(/cursor column "payload" is jsonb; a cursor must be/);
      await expect(readAll(url, { ...orders, cursorColumn: 'id', batchSize: 0 })).rejects.toThrow(/batchSize/);
    });

    it('ends its transaction when the reader stops early', async () => {
      for await (const batch of readNewRows(url, { ...orders, cursorColumn: 'id', batchSize: 1 })) {
        expect(batch.rows).toHaveLength(1);
        break;
      }
      // an open snapshot would hold a lock that makes this wait
      await admin.query(`SET lock_timeout = '2s'`);
      await admin.query(`ALTER TABLE ${schema}.orders ADD COLUMN extra int`);
      await admin.query(`ALTER TABLE ${schema}.orders DROP COLUMN extra`);
    });

    it('throws when the database is unreachable, so the activity retries', async () => {
      const down = new URL(url);
      down.port = '9';
      await expect(countNewRows(down.toString(), { ...orders, cursorColumn: 'id' })).rejects.toThrow(/ECONNREFUSED/);
    });
  });
});
