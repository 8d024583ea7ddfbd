// Queries of schema versions: every distinct schema of a source, with its diff from the previous one.
// Which version comes next is decided by `nextSchemaVersion` (crawl/schema-version.ts); these only read and write.
import type { Knex } from 'knex';
import type { NextSchemaVersion } from '../crawl/schema-version';
import type { Schema } from '../schema';
import { notifySourceHolders } from './governance';
import { refreshSearchDocuments } from './search-index';

const CHUNK = 500;

export interface LatestVersion {
  version: number;
  schema: Schema;
}

export async function latestSchema(db: Knex, sourceId: number): Promise<LatestVersion | undefined> {
  const v = await db('schema_versions').where({ source_id: sourceId }).orderBy('version', 'desc').first('version', 'schema');
  return v ? { version: v.version, schema: v.schema } : undefined;
}

/** Latest schema version per source, for many sources in one query per chunk. */
export async function latestSchemas(db: Knex, ids: readonly number[]): Promise<Map<number, LatestVersion>> {
  const out = new Map<number, LatestVersion>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db.raw(
      `select distinct on (source_id) source_id, version, schema from schema_versions where source_id = any(?::int[]) order by source_id, version desc`,
      [ids.slice(i, i + CHUNK)],
    );
    for (const r of rows.rows) out.set(r.source_id, { version: r.version, schema: r.schema });
  }
  return out;
}

/**
 * Writes the versions a merge decided on (those `written`), in the merge's transaction; each active holder
 * of a source is told of an incompatible change, once per version (a retried merge notifies once). The
 * search index follows the new columns.
 */
export async function recordSchemaVersions(trx: Knex.Transaction, runId: number, versions: readonly { sourceId: number; next: NextSchemaVersion }[]): Promise<void> {
  const written = versions.filter((v) => v.next.written);
  const rows = written.map(({ sourceId, next }) => ({
    source_id: sourceId,
    version: next.version,
    schema: JSON.stringify(next.schema),
    changes: JSON.stringify(next.diff.changes),
    change_class: next.change,
    run_id: runId,
  }));
  for (let i = 0; i < rows.length; i += CHUNK) await trx('schema_versions').insert(rows.slice(i, i + CHUNK));
  await refreshSearchDocuments(trx, written.map((w) => w.sourceId));
  for (const { sourceId, next } of written) {
    if (next.change !== 'breaking') continue;
    await notifySourceHolders(trx, { sourceId, kind: 'breaking-change', event: `schema/v${next.version}`, payload: { schemaVersion: next.version, runId, changes: next.diff.changes.length } });
  }
}
