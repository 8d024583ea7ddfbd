// Queries of schema versions: every distinct schema of a source, with its diff from the previous one.
// Which version comes next is decided by `nextSchemaVersion` (crawl/schema-version.ts); these only read and write.
import type { Knex } from 'knex';
import type { Schema, SchemaChange } from '../schema';

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

export interface NewSchemaVersion {
  sourceId: number;
  version: number;
  schema: Schema;
  changes: readonly SchemaChange[];
  change: 'initial' | 'additive' | 'breaking';
  runId: number;
}

export async function insertSchemaVersions(trx: Knex.Transaction, versions: readonly NewSchemaVersion[]): Promise<void> {
  const rows = versions.map((v) => ({
    source_id: v.sourceId,
    version: v.version,
    schema: JSON.stringify(v.schema),
    changes: JSON.stringify(v.changes),
    change_class: v.change,
    run_id: v.runId,
  }));
  for (let i = 0; i < rows.length; i += CHUNK) await trx('schema_versions').insert(rows.slice(i, i + CHUNK));
}
