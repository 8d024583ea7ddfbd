// Queries of the sources table: rows in, `Source` out. Validation is `validateSourceDefinition`'s job.
import type { Knex } from 'knex';
import { InvalidSourceError, validateSourceDefinition, type Source, type SourceDefinition } from '../crawl/source';

interface SourceRow {
  id: number;
  name: string;
  kind: 's3' | 'postgres';
  location: Source['location'];
  format: string | null;
  schedule: string;
  target_database: string;
  target_table: string;
  options: Source['options'];
  layout: { kind: string; pattern?: string };
  enabled: boolean;
}

function fromRow(r: SourceRow): Source {
  const base = {
    id: r.id,
    name: r.name,
    schedule: r.schedule,
    targetDatabase: r.target_database,
    targetTable: r.target_table,
    options: r.options ?? {},
    enabled: r.enabled,
  };
  if (r.kind === 's3') {
    return { ...base, kind: 's3', location: r.location as never, format: (r.format ?? 'auto') as never, layout: r.layout as never };
  }
  return { ...base, kind: 'postgres', location: r.location as never };
}

function toRow(def: SourceDefinition): Omit<SourceRow, 'id'> {
  return {
    name: def.name,
    kind: def.kind,
    location: def.location,
    format: def.kind === 's3' ? def.format : null,
    schedule: def.schedule,
    target_database: def.targetDatabase,
    target_table: def.targetTable,
    options: def.options,
    layout: def.kind === 's3' ? def.layout : { kind: 'none' },
    enabled: def.enabled,
  };
}

export class UnknownSourceError extends Error {
  constructor(readonly source: string) {
    super(`unknown source "${source}" (lake source list shows the registered ones)`);
    this.name = 'UnknownSourceError';
  }
}

/** Registers a source, or updates the one of the same name. */
export async function saveSource(db: Knex, def: SourceDefinition): Promise<Source> {
  const problems = validateSourceDefinition(def);
  if (problems.length) throw new InvalidSourceError(def.name, problems);
  const row = toRow(def);
  const [saved] = await db<SourceRow>('sources')
    .insert({ ...row, location: JSON.stringify(row.location) as never, options: JSON.stringify(row.options) as never, layout: JSON.stringify(row.layout) as never })
    .onConflict('name')
    .merge({ ...row, location: JSON.stringify(row.location) as never, options: JSON.stringify(row.options) as never, layout: JSON.stringify(row.layout) as never, updated_at: db.fn.now() } as never)
    .returning('*');
  return fromRow(saved as SourceRow);
}

export async function listSources(db: Knex): Promise<Source[]> {
  return (await db<SourceRow>('sources').select('*').orderBy('name')).map((r) => fromRow(r as SourceRow));
}

export async function findSource(db: Knex, name: string): Promise<Source | undefined> {
  const row = await db<SourceRow>('sources').where({ name }).first();
  return row ? fromRow(row as SourceRow) : undefined;
}

export async function getSource(db: Knex, name: string): Promise<Source> {
  const s = await findSource(db, name);
  if (!s) throw new UnknownSourceError(name);
  return s;
}

export async function removeSource(db: Knex, name: string): Promise<boolean> {
  return (await db('sources').where({ name }).delete()) > 0;
}
