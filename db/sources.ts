// Queries of the sources table: rows in, `Source` out. Validation is `validateSourceDefinition`'s job.
import type { Knex } from 'knex';
import { InvalidSourceError, validateSourceDefinition, type Source, type SourceDefinition } from '../crawl/source';
import { refreshSearchDocuments } from './search-index';

export interface SourceRow {
  id: number;
  name: string;
  kind: Source['kind'];
  location: Source['location'];
  format: string | null;
  schedule: string;
  target_database: string;
  target_table: string;
  options: Source['options'];
  layout: { kind: string; pattern?: string };
  enabled: boolean;
  parent_id?: number | null;
}

/** A `sources` row as a Source (the catalog list reads rows of its own). */
export function sourceFromRow(r: SourceRow): Source {
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
  if (r.kind === 'logical') return { ...base, kind: 'logical', location: r.location as never };
  if (r.kind === 'kafka') return { ...base, kind: 'kafka', location: r.location as never };
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
  if (def.kind === 'logical') throw new InvalidSourceError(def.name, [{ field: 'kind', reason: 'logical sources are registered by the crawl of their stream' }]);
  const existing = await db<SourceRow>('sources').where({ name: def.name }).first('kind');
  if (existing?.kind === 'logical') throw new InvalidSourceError(def.name, [{ field: 'name', reason: 'is a logical source of a stream; choose another name' }]);
  const problems = validateSourceDefinition(def);
  if (def.kind === 'kafka' && def.location.landsIn !== undefined && problems.length === 0) {
    const lake = await db<SourceRow>('sources').where({ name: def.location.landsIn }).first('kind');
    if (lake?.kind !== 's3') problems.push({ field: 'location.landsIn', reason: lake ? `${def.location.landsIn} is a ${lake.kind} source; a topic lands in an S3 source` : `no source is named ${def.location.landsIn}` });
  }
  if (problems.length) throw new InvalidSourceError(def.name, problems);
  const row = toRow(def);
  return db.transaction(async (trx) => {
    const [saved] = await trx<SourceRow>('sources')
      .insert({ ...row, location: JSON.stringify(row.location) as never, options: JSON.stringify(row.options) as never, layout: JSON.stringify(row.layout) as never })
      .onConflict('name')
      .merge({ ...row, location: JSON.stringify(row.location) as never, options: JSON.stringify(row.options) as never, layout: JSON.stringify(row.layout) as never, updated_at: trx.fn.now() } as never)
      .returning('*');
    await refreshSearchDocuments(trx, [(saved as SourceRow).id]); // its name and table are searched
    return sourceFromRow(saved as SourceRow);
  });
}

export async function listSources(db: Knex): Promise<Source[]> {
  return (await db<SourceRow>('sources').select('*').orderBy('name')).map((r) => sourceFromRow(r as SourceRow));
}

export async function findSource(db: Knex, name: string): Promise<Source | undefined> {
  const row = await db<SourceRow>('sources').where({ name }).first();
  return row ? sourceFromRow(row as SourceRow) : undefined;
}

export async function getSource(db: Knex, name: string): Promise<Source> {
  const s = await findSource(db, name);
  if (!s) throw new UnknownSourceError(name);
  return s;
}

export async function getSourceById(db: Knex, id: number): Promise<Source> {
  const row = await db<SourceRow>('sources').where({ id }).first();
  if (!row) throw new UnknownSourceError(`#${id}`);
  return sourceFromRow(row as SourceRow);
}

/** The table a source is published as. */
export async function targetTableOf(db: Knex, id: number): Promise<string> {
  return (await db('sources').where({ id }).first('target_table')).target_table;
}

export async function removeSource(db: Knex, name: string): Promise<boolean> {
  return (await db('sources').where({ name }).delete()) > 0;
}

/** Whether a source is a stream: it has logical sources. */
export async function hasLogicalSources(db: Knex, sourceId: number): Promise<boolean> {
  return (await db('sources').where({ parent_id: sourceId }).first('id')) !== undefined;
}

/** A source with what the catalog knows of its life: when its records were last seen (logical sources). */
export interface SourceState {
  source: Source;
  lastSeenAt: Date | null;
}

/** Sources in name order; with `stream`, that stream's logical sources; `onlyNew`: the inactive ones. */
export async function listSourceStates(db: Knex, filter: { stream?: string; onlyNew?: boolean } = {}): Promise<SourceState[]> {
  const q = db('sources').select('sources.*').orderBy('sources.name');
  if (filter.stream !== undefined) {
    const stream = await getSource(db, filter.stream);
    q.where('sources.parent_id', stream.id);
  }
  if (filter.onlyNew) q.where('sources.kind', 'logical').andWhere('sources.enabled', false);
  return (await q).map((r) => ({ source: sourceFromRow(r as SourceRow), lastSeenAt: (r as { last_seen_at: Date | null }).last_seen_at ?? null }));
}

/** Activates (or deactivates) logical sources by name; names that are unknown or not logical are problems
 *  and change nothing. Returns the changed names by stream. */
export async function setLogicalSourcesActive(
  db: Knex,
  names: string[],
  active: boolean,
): Promise<{ byStream: Map<string, string[]>; problems: string[] }> {
  const rows: { name: string; kind: string; location: { stream?: string } }[] = await db('sources').whereIn('name', names).select('name', 'kind', 'location');
  const found = new Map(rows.map((r) => [r.name, r]));
  const problems = names.flatMap((n) => {
    const r = found.get(n);
    if (!r) return [`unknown source "${n}"`];
    return r.kind === 'logical' ? [] : [`${n} is a ${r.kind} source, not a logical one: only logical sources are activated`];
  });
  const byStream = new Map<string, string[]>();
  if (problems.length) return { byStream, problems };
  await db('sources').whereIn('name', names).update({ enabled: active, updated_at: db.fn.now() });
  for (const r of rows) byStream.set(r.location.stream!, [...(byStream.get(r.location.stream!) ?? []), r.name]);
  return { byStream, problems };
}
