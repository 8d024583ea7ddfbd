// Queries of a table source's cursor: the high-water mark of the rows its crawls have read.
import type { Knex } from 'knex';

export async function cursorOf(db: Knex, sourceId: number): Promise<string | null> {
  return (await db('source_cursors').where({ source_id: sourceId }).first('value'))?.value ?? null;
}

/** Moves the cursor to `value` (what the crawl read last) and counts the rows it read. */
export async function advanceCursor(trx: Knex.Transaction, sourceId: number, cursorColumn: string, value: string | null, rows: number): Promise<void> {
  await trx('source_cursors')
    .insert({ source_id: sourceId, cursor_column: cursorColumn, value, rows_seen: rows })
    .onConflict('source_id')
    .merge({ value, rows_seen: trx.raw('source_cursors.rows_seen + ?', [rows]), updated_at: trx.fn.now() });
}
