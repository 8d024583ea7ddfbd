// PostgreSQL tables as sources: the schema from the column catalog, and the rows past a high-water mark
// on a cursor column (a monotonic id or timestamp). Values only ever travel as query parameters;
// identifiers are quoted. Every call opens its own short connection from a URL the worker resolved from a
// named secret (adapters/secrets.ts); messages name schema.table, never the URL.
import pg from 'pg';
import { postgresColumns, type PostgresColumn } from '../schema/infer/postgres';
import type { Schema } from '../schema/types';

/** The table or a column of it is not what the source says: not an outage, retrying will not help. */
export class SourceTableError extends Error {
  constructor(
    readonly table: string, // schema.table
    readonly field: string | undefined, // the source setting at fault, e.g. 'cursorColumn'
    readonly reason: string,
  ) {
    super(`${table}: ${reason}`);
    this.name = 'SourceTableError';
  }
}

/** A table of a PostgreSQL source (not a metastore table: that is schema/hive.ts's TableRef). */
export interface PostgresTableRef {
  schema: string;
  table: string;
}

export interface NewRowsQuery extends PostgresTableRef {
  cursorColumn: string;
  /** The high-water mark of the previous read (exclusive); null or absent reads from the start. */
  after?: string | number | null;
}

export interface RowBatch {
  rows: Record<string, unknown>[];
  /** The cursor value of the batch's last row, as text: integers as digits, timestamps as ISO 8601 with
   * microseconds ('2019-10-15T20:00:00.123456Z' for timestamptz, no zone for timestamp), dates yyyy-MM-dd. */
  maxCursor: string;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const tableName = (t: PostgresTableRef) => `${t.schema}.${t.table}`;
const qualified = (t: PostgresTableRef) => `${quote(t.schema)}.${quote(t.table)}`;

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>, connectionTimeoutMillis = 15_000): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'lake-catalog', connectionTimeoutMillis });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

type ColumnRow = PostgresColumn & { numeric_precision: number | null; numeric_scale: number | null };

async function columnsOf(client: pg.Client, ref: PostgresTableRef): Promise<ColumnRow[]> {
  const { rows } = await client.query<ColumnRow>(
    `SELECT c.column_name, c.ordinal_position::int AS ordinal_position, c.data_type, c.udt_name,
            c.numeric_precision::int AS numeric_precision, c.numeric_scale::int AS numeric_scale,
            e.data_type AS element_type
       FROM information_schema.columns c
       LEFT JOIN information_schema.element_types e
         ON e.object_catalog = c.table_catalog AND e.object_schema = c.table_schema AND e.object_name = c.table_name
        AND e.object_type = 'TABLE' AND e.collection_type_identifier = c.dtd_identifier
      WHERE c.table_schema = $1 AND c.table_name = $2
      ORDER BY c.ordinal_position`,
    [ref.schema, ref.table],
  );
  if (rows.length === 0) {
    throw new SourceTableError(tableName(ref), 'table', `table ${tableName(ref)} does not exist (or this user may read none of its columns)`);
  }
  return rows;
}

/** The table's schema from information_schema.columns (array element types included). */
export async function readTableSchema(url: string, schema: string, table: string, options: { file?: string } = {}): Promise<Schema> {
  const ref = { schema, table };
  const rows = await withClient(url, (client) => columnsOf(client, ref));
  return { columns: postgresColumns(rows, { file: options.file ?? `postgres:${tableName(ref)}` }) };
}

/** Cursor columns must order the way rows arrive; by udt_name. */
const CURSOR_TEXT: Record<string, (column: string) => string> = {
  int2: (c) => `${c}::text`,
  int4: (c) => `${c}::text`,
  int8: (c) => `${c}::text`,
  numeric: (c) => `${c}::text`,
  float4: (c) => `${c}::text`,
  float8: (c) => `${c}::text`,
  oid: (c) => `${c}::text`,
  // Computed in the database: a JS Date would lose microseconds and shift naive timestamps by the
  // worker's time zone, and the next read would repeat or skip rows.
  timestamptz: (c) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  timestamp: (c) => `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
  date: (c) => `to_char(${c}, 'YYYY-MM-DD')`,
  text: (c) => `${c}::text`,
  varchar: (c) => `${c}::text`,
  bpchar: (c) => `${c}::text`,
  uuid: (c) => `${c}::text`,
};

/** Checks the cursor column and returns the SQL expression of its value as text. */
async function cursorText(client: pg.Client, query: NewRowsQuery): Promise<string> {
  const column = (await columnsOf(client, query)).find((c) => c.column_name === query.cursorColumn);
  if (!column) throw new SourceTableError(tableName(query), 'cursorColumn', `cursor column "${query.cursorColumn}" does not exist`);
  const text = CURSOR_TEXT[column.udt_name];
  if (!text) {
    throw new SourceTableError(
      tableName(query),
      'cursorColumn',
      `cursor column "${query.cursorColumn}" is ${column.data_type}; a cursor must be an integer, numeric, timestamp, date, text or uuid column`,
    );
  }
  return text(quote(query.cursorColumn));
}

/** Rows past `after` (NULL cursor values are never read: they cannot be ordered). */
function newRowsWhere(query: NewRowsQuery): { sql: string; params: unknown[] } {
  const column = quote(query.cursorColumn);
  const after = query.after;
  return after === null || after === undefined || after === '' ? { sql: `${column} IS NOT NULL`, params: [] } : { sql: `${column} > $1`, params: [String(after)] };
}

/** Whether the table exists; a quick check (5 s to connect), before a source is registered. */
export async function tableExists(url: string, ref: PostgresTableRef): Promise<boolean> {
  return withClient(
    url,
    async (client) => {
      const r = await client.query('select 1 from information_schema.tables where table_schema = $1 and table_name = $2', [ref.schema, ref.table]);
      return (r.rowCount ?? 0) > 0;
    },
    5000,
  );
}

/** How many rows lie past the high-water mark. */
export async function countNewRows(url: string, query: NewRowsQuery): Promise<number> {
  return withClient(url, async (client) => {
    await cursorText(client, query);
    const where = newRowsWhere(query);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(query)} WHERE ${where.sql}`, where.params);
    return Number(rows[0]!.n);
  });
}

const CURSOR_ALIAS = 'lake_catalog_cursor__';

/**
 * The rows past `after`, ordered by the cursor column, in batches of `batchSize`, from one server-side
 * cursor in a read-only REPEATABLE READ transaction: one consistent snapshot, and no row skipped or
 * repeated at batch edges even when cursor values repeat. Stopping early (break) closes the transaction.
 */
export async function* readNewRows(url: string, query: NewRowsQuery & { batchSize: number }): AsyncGenerator<RowBatch> {
  if (!Number.isInteger(query.batchSize) || query.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${query.batchSize}`);
  const client = new pg.Client({ connectionString: url, application_name: 'lake-catalog', connectionTimeoutMillis: 15_000 });
  await client.connect();
  let open = false;
  try {
    const text = await cursorText(client, query);
    const where = newRowsWhere(query);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    await client.query(
      `DECLARE lake_new_rows NO SCROLL CURSOR FOR
         SELECT t.*, ${text} AS ${quote(CURSOR_ALIAS)} FROM ${qualified(query)} AS t WHERE ${where.sql} ORDER BY ${quote(query.cursorColumn)}`,
      where.params,
    );
    for (;;) {
      const { rows } = await client.query<Record<string, unknown>>(`FETCH FORWARD ${query.batchSize} FROM lake_new_rows`);
      if (rows.length === 0) break;
      const maxCursor = String(rows[rows.length - 1]![CURSOR_ALIAS]);
      for (const row of rows) delete row[CURSOR_ALIAS];
      yield { rows, maxCursor };
      if (rows.length < query.batchSize) break;
    }
    await client.query('COMMIT');
    open = false;
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
