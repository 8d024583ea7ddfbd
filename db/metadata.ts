// Queries behind what people see: a source described, its schema history and diffs, volumes, search,
// and the column metadata people write. Plain data out; the CLI renders it.
import type { Knex } from 'knex';
import type { Source } from '../crawl/source';
import { blameFields, diffVersion, provenanceByPath, renderHiveType, type FieldBlame, type Schema } from '../schema';
import { getSource } from './sources';
import { latestSchema } from './schema-versions';
import { partitionDays } from '../crawl/partitions';
import type { VolumeRow } from '../crawl/volumes';
import { columnPath, columnsOf } from '../schema/fields';
import { pathOfSteps } from '../schema/visit';
import { isIdentifying, isMaskedColumn, MASK } from '../schema/identifying';
import { remaskSource, storedRows, suggestionsOf } from './identifying';
import { refreshSearchDocuments } from './search-index';

export interface ColumnView {
  path: string; // props.name
  depth: number;
  name: string; // the name in the data
  type: string; // Hive type
  description?: string;
  tags: string[];
  role?: string;
  stats?: { nullFraction: number; distinctEstimate: number; min?: string; max?: string; basisRecords: number };
  provenance?: { file: string; line?: number };
  /** A tag the crawl suggests (identifying by name or values), with why; accepted by `lake column accept-tags`. */
  suggestion?: { tag: string; evidence: string[] };
}

export interface RunView {
  runId: number;
  /** The crawl's workflow, for a link to it in the Temporal UI. */
  workflowId: string;
  workflowRunId: string;
  kind: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  files: number;
  records?: number;
  schemaVersion?: number;
  error?: string;
}

export interface SourceDescription {
  source: Source;
  schemaVersion?: number;
  columns: ColumnView[];
  partitions: { count: number; newest?: string; oldest?: string };
  runs: RunView[];
  samples: { partition: string; file: string; record: Record<string, unknown> }[];
  volumes: VolumeRow[];
  corruptRecords: number;
  /** Records whose own partition key values differ from their path's, per partition, with the first one. */
  partitionKeyMismatches: { partition: string; records: number; first?: { file: string; line: number; key: string; value: string; path: string } }[];
  /** A logical source: active or new (not yet activated), when its records were last seen, its view. */
  logical?: { state: 'active' | 'new'; lastSeenAt?: string; view: boolean };
  /** A stream split into logical sources: how many, and how many wait to be activated. */
  slices?: { total: number; active: number; new: number };
}

// a partition's volume has its one declaration beside the rule that flags drops and spikes in it
export type { VolumeRow };

export { latestSchema };

/** What people wrote about columns, by column path (the metastore's column comments). */
export async function columnDescriptions(db: Knex, sourceId: number): Promise<Map<string, string>> {
  const rows: { path: string; description: string }[] = await db('column_metadata').where({ source_id: sourceId }).whereNotNull('description').select('path', 'description');
  return new Map(rows.map((m) => [m.path, m.description]));
}

export async function describeSource(db: Knex, name: string): Promise<SourceDescription> {
  const source = await getSource(db, name);
  // independent reads of one source, at once: a page waits for the slowest instead of the sum
  const [latest, metaRows, statsRows, suggestions, parts, row, runs, sliceCounts, storedRow, [{ n }], mismatched] = await Promise.all([
    latestSchema(db, source.id),
    db('column_metadata').where({ source_id: source.id }),
    db('column_stats').where({ source_id: source.id }),
    suggestionsOf(db, source.id),
    db('source_partitions').where({ source_id: source.id }).orderBy('path').select('path', 'records', 'bytes', 'objects', 'corrupt_records'),
    db('sources').where({ id: source.id }).first('parent_id', 'last_seen_at', 'published_view'),
    // a logical source is read by its stream's crawls
    db('crawl_runs').where('source_id', db('sources').where({ id: source.id }).select(db.raw('coalesce(parent_id, id)'))).orderBy('id', 'desc').limit(5),
    db('sources').where({ parent_id: source.id }).select(db.raw('count(*)::int as total'), db.raw('count(*) filter (where enabled)::int as active')).first(),
    db('source_samples').where({ source_id: source.id }).first('rows'),
    db('corrupt_records').where({ source_id: source.id }).count<{ n: string }[]>({ n: '*' }),
    db('source_objects')
      .where({ source_id: source.id })
      .where('key_mismatches', '>', 0)
      .orderBy(['partition', 'key'])
      .select('partition', 'key', 'key_mismatches', 'first_key_mismatch'),
  ]);
  const meta = new Map(metaRows.map((m: { path: string }) => [m.path, m]));
  const stats = new Map(statsRows.map((s: { path: string }) => [s.path, s]));
  const provenance = latest ? provenanceByPath(latest.schema) : {};
  // masked again as read: what was stored before a column became identifying, or before masking at rest
  const identifying = new Set([...meta.values()].filter((m) => isIdentifying((m as { tags?: string[] }).tags)).map((m) => m.path));
  const columns: ColumnView[] = latest
    ? columnsOf(latest.schema).map((c) => {
        const m = meta.get(c.path) as { description?: string; tags?: string[]; role?: string } | undefined;
        const s = stats.get(c.path) as { null_fraction: number; distinct_estimate: string; min?: string; max?: string; basis_records: string } | undefined;
        if (s && s.min != null && isMaskedColumn(identifying, c.path)) s.min = s.max = MASK;
        const suggestion = suggestions.get(c.path);
        return {
          path: c.path,
          depth: c.depth,
          name: c.field.name,
          type: renderHiveType(c.field.type),
          ...(m?.description ? { description: m.description } : {}),
          tags: m?.tags ?? [],
          ...(m?.role ? { role: m.role } : {}),
          ...(s
            ? { stats: { nullFraction: s.null_fraction, distinctEstimate: Number(s.distinct_estimate), ...(s.min != null ? { min: s.min, max: s.max } : {}), basisRecords: Number(s.basis_records) } }
            : {}),
          ...(provenance[c.path] ? { provenance: provenance[c.path] } : {}),
          ...(suggestion ? { suggestion } : {}),
        };
      })
    : [];
  const stored = storedRow?.rows ?? [];
  const samples = latest ? storedRows(stored, { schema: latest.schema, columns: identifying }) : stored;
  const partitionKeyMismatches: SourceDescription['partitionKeyMismatches'] = [];
  for (const o of mismatched) {
    const last = partitionKeyMismatches.at(-1);
    if (last !== undefined && last.partition === o.partition) last.records += Number(o.key_mismatches);
    else {
      const first = o.first_key_mismatch as { line: number; key: string; value: string; path: string } | null;
      const file = source.kind === 's3' ? `s3://${source.location.bucket}/${o.key}` : o.key;
      partitionKeyMismatches.push({ partition: o.partition, records: Number(o.key_mismatches), ...(first ? { first: { file, ...first } } : {}) });
    }
  }
  return {
    source,
    ...(latest ? { schemaVersion: latest.version } : {}),
    columns,
    partitions: { count: parts.length, ...(parts.length ? { oldest: parts[0].path, newest: parts[parts.length - 1].path } : {}) },
    runs: runs.map((r: Record<string, never>) => ({
      runId: r.id,
      workflowId: r.workflow_id,
      workflowRunId: r.workflow_run_id,
      kind: r.kind,
      status: r.status,
      startedAt: new Date(r.started_at).toISOString(),
      ...(r.finished_at ? { finishedAt: new Date(r.finished_at).toISOString() } : {}),
      files: (r.counts as { files?: number }).files ?? 0,
      ...((r.summary as { merged?: { records: number; schemaVersion: number } }).merged
        ? { records: (r.summary as { merged: { records: number } }).merged.records, schemaVersion: (r.summary as { merged: { schemaVersion: number } }).merged.schemaVersion }
        : {}),
      ...(r.error ? { error: r.error as string } : {}),
    })),
    samples,
    volumes: parts.map(toVolume),
    corruptRecords: Number(n),
    partitionKeyMismatches,
    ...(source.kind === 'logical'
      ? { logical: { state: source.enabled ? 'active' : 'new', ...(row.last_seen_at ? { lastSeenAt: new Date(row.last_seen_at).toISOString() } : {}), view: row.published_view !== null } }
      : {}),
    ...(sliceCounts.total > 0 ? { slices: { total: sliceCounts.total, active: sliceCounts.active, new: sliceCounts.total - sliceCounts.active } } : {}),
  };
}

function toVolume(p: { path: string; records: string; bytes: string; objects: number; corrupt_records: string }): VolumeRow {
  return { partition: p.path, records: Number(p.records), bytes: Number(p.bytes), objects: Number(p.objects), corruptRecords: Number(p.corrupt_records) };
}

export interface SchemaHistoryEntry {
  version: number;
  /** initial | additive | breaking */
  change: string;
  /** How many changes from the version before. */
  changes: number;
  columns: number;
  createdAt: string;
  runId: number | null;
}

interface VersionRow {
  version: number;
  change_class: string;
  changes: unknown[];
  created_at: Date;
  run_id: number | null;
  schema: Schema;
}

async function versionRows(db: Knex, sourceId: number): Promise<VersionRow[]> {
  return db('schema_versions').where({ source_id: sourceId }).orderBy('version');
}

function historyEntry(r: VersionRow): SchemaHistoryEntry {
  return {
    version: r.version,
    change: r.change_class,
    changes: r.changes.length,
    columns: r.schema.columns.length,
    createdAt: new Date(r.created_at).toISOString(),
    runId: r.run_id,
  };
}

export async function schemaHistory(db: Knex, name: string): Promise<SchemaHistoryEntry[]> {
  const source = await getSource(db, name);
  return (await versionRows(db, source.id)).map(historyEntry);
}

export interface DiffLine {
  op: string;
  path: string;
  from?: string;
  to?: string;
  change: 'additive' | 'breaking';
  file?: string;
  line?: number;
}

export class UnknownVersionError extends Error {
  constructor(source: string, version: number) {
    super(`source ${source} has no schema version ${version} (lake history ${source} lists them)`);
    this.name = 'UnknownVersionError';
  }
}

/** The changes from version `from` to version `to`, each with the file (and line) that caused it. */
export async function schemaDiff(db: Knex, name: string, from: number, to: number): Promise<DiffLine[]> {
  const source = await getSource(db, name);
  const load = async (v: number): Promise<Schema> => {
    const row = await db('schema_versions').where({ source_id: source.id, version: v }).first('schema');
    if (!row) throw new UnknownVersionError(name, v);
    return row.schema;
  };
  return diffLines(await load(from), await load(to));
}

/** The changes turning schema `a` into `b`, with the file (and line) in `b` that caused each. */
function diffLines(a: Schema, b: Schema): DiffLine[] {
  const provenance = provenanceByPath(b);
  return diffVersion(a, b).changes.map((c) => {
    const path = pathOfSteps(c.path);
    const p = provenance[path];
    const line: DiffLine = { op: c.op, path, change: c.change };
    if ('type' in c) line.to = renderHiveType(c.type);
    if (c.op === 'widen-type' || c.op === 'change-type') {
      line.from = renderHiveType(c.from);
      line.to = renderHiveType(c.to);
    }
    if (c.op === 'rename-hive-column') {
      line.from = c.from;
      line.to = c.to;
    }
    if (p) {
      line.file = p.file;
      if (p.line !== undefined) line.line = p.line;
    }
    return line;
  });
}

export interface SourceHistory {
  /** Oldest first, as schemaHistory gives them. */
  versions: SchemaHistoryEntry[];
  /** The diff between two versions (either order): the one asked for, else the last two when there are two. */
  diff?: { from: number; to: number; lines: DiffLine[] };
  /** For each field of the newest version, since which version it has been there and which file forced it. */
  blame: FieldBlame[];
}

/** A source's history page: its versions, a diff between two of them, and per-field blame. Throws
 *  UnknownVersionError when `pair` names a version the source does not have. */
export async function sourceHistory(db: Knex, name: string, pair?: { from: number; to: number }): Promise<SourceHistory> {
  const source = await getSource(db, name);
  const rows = await versionRows(db, source.id);
  const byVersion = new Map(rows.map((r) => [r.version, r]));
  const schemaOf = (v: number): Schema => {
    const r = byVersion.get(v);
    if (!r) throw new UnknownVersionError(name, v);
    return r.schema;
  };
  const chosen = pair ?? (rows.length >= 2 ? { from: rows[rows.length - 2].version, to: rows[rows.length - 1].version } : undefined);
  const diff = chosen ? { from: chosen.from, to: chosen.to, lines: diffLines(schemaOf(chosen.from), schemaOf(chosen.to)) } : undefined;
  return {
    versions: rows.map(historyEntry),
    ...(diff ? { diff } : {}),
    blame: blameFields(rows.map((r) => ({ version: r.version, schema: r.schema, createdAt: new Date(r.created_at).toISOString() }))),
  };
}

export async function volumes(db: Knex, name: string, days?: number): Promise<VolumeRow[]> {
  const source = await getSource(db, name);
  const partitions: { path: string; keys: string[]; values: string[]; records: string; bytes: string; objects: number; corrupt_records: string }[] =
    await db('source_partitions').where({ source_id: source.id }).orderBy('path');
  const rows = partitions.map(toVolume);
  if (!days) return rows;
  // partitions of the newest `days` dates (whatever key or path holds the date); partitions without a date all
  const dateOf = new Map(partitions.map((p) => [p.path, partitionDays(p.keys, p.values)?.first]));
  const dates = [...new Set([...dateOf.values()].filter((d): d is string => d !== undefined))].sort();
  const keep = new Set(dates.slice(-days));
  return rows.filter((r) => dateOf.get(r.partition) === undefined || keep.has(dateOf.get(r.partition)!));
}

export interface SearchHit {
  source: string;
  table: string;
  column?: string;
  matched: string; // what matched: a name, a description, a tag
  rank: number;
}

/** Full-text search over source names, table names, column names, descriptions and tags, ranked, read from
 *  the search index (db/search-index.ts). `within.sourceIds` searches those sources only (a principal's
 *  catalog: db/catalog.ts). */
export async function search(db: Knex, words: string, within?: { sourceIds: number[] }): Promise<SearchHit[]> {
  if (!hasSearchTerms(words)) return []; // only punctuation: nothing to look for
  const only = within ? within.sourceIds.map((id) => Math.trunc(id)) : null;
  const r = await db.raw(
    `with q as (select to_tsquery('simple', ?) as simple_q, plainto_tsquery('english', ?) as english_q)
     select s.name, s.target_database || '.' || s.target_table as tbl, d.path as col, d.matched,
            ts_rank(d.doc, q.simple_q) + ts_rank(d.doc, q.english_q) as rank
       from q, search_documents d join sources s on s.id = d.source_id
      where (d.doc @@ q.simple_q or d.doc @@ q.english_q)
        and (?::int[] is null or d.source_id = any(?::int[]))
      order by rank desc, s.name, d.path nulls first
      limit 50`,
    [toPrefixQuery(words), words, only, only],
  );
  return r.rows.map((x: { name: string; tbl: string; col: string | null; matched: string; rank: number }) => ({
    source: x.name,
    table: x.tbl,
    ...(x.col ? { column: x.col } : {}),
    matched: x.matched,
    rank: Number(Number(x.rank).toFixed(4)),
  }));
}

/** Whether words hold something to search for: a letter or digit of any script. */
export function hasSearchTerms(words: string): boolean {
  return /[\p{L}\p{N}]/u.test(words);
}

/** 'user ids' → 'user:* & ids:*': every word (letters and digits of any script), as a prefix (so 'desc'
 *  finds 'description'). */
export function toPrefixQuery(words: string): string {
  const terms = words.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return terms.length ? terms.map((t) => `${t}:*`).join(' & ') : "''";
}

export const ROLES = ['id_type', 'timestamp', 'uuid'] as const;
export type ColumnRole = (typeof ROLES)[number];

export class ColumnMetadataError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ColumnMetadataError';
  }
}

/** Sets a column's description, adds tags and sets its role; the column must exist in the current schema,
 *  and a role names one column per source. */
export async function setColumnMetadata(
  db: Knex,
  name: string,
  path: string,
  change: { description?: string; tags?: string[]; role?: string },
): Promise<void> {
  const source = await getSource(db, name);
  const latest = await latestSchema(db, source.id);
  const column = columnOf(name, latest?.schema, path);
  if (change.role !== undefined && !(ROLES as readonly string[]).includes(change.role)) {
    throw new ColumnMetadataError('role', `"${change.role}" is not one of ${ROLES.join(', ')}`);
  }
  const tags = (change.tags ?? []).map((t) => t.toLowerCase());
  const bad = tags.find((t) => !/^[a-z0-9][a-z0-9_-]{0,39}$/.test(t));
  if (bad) throw new ColumnMetadataError('tag', `"${bad}" must be 1-40 of a-z 0-9 _ -`);
  await db.transaction(async (trx) => {
    if (change.role) {
      await trx('column_metadata').where({ source_id: source.id, role: change.role }).whereNot({ path: column }).update({ role: null, updated_at: trx.fn.now() });
    }
    const existing = await trx('column_metadata').where({ source_id: source.id, path: column }).first();
    const row = {
      source_id: source.id,
      path: column,
      description: change.description ?? existing?.description ?? null,
      tags: [...new Set([...(existing?.tags ?? []), ...tags])],
      role: change.role ?? existing?.role ?? null,
      updated_at: trx.fn.now(),
    };
    await trx('column_metadata').insert(row).onConflict(['source_id', 'path']).merge();
    await refreshSearchDocuments(trx, [source.id]);
    if (isIdentifying(tags)) await remaskSource(trx, source.id);
  });
}

/**
 * The column path a person names: a column path as describe shows it (`props.e_mail`), or the keys as
 * found in the data (`props.E-Mail`). Throws naming the columns when it is neither.
 */
function columnOf(source: string, schema: Schema | undefined, named: string): string {
  const known = schema ? columnsOf(schema).map((c) => c.path) : [];
  const column = named.toLowerCase();
  if (known.includes(column)) return column;
  const byKeys = schema ? columnPath(schema, named.split('.')) : undefined;
  if (byKeys !== undefined) return byKeys;
  throw new ColumnMetadataError('column', `"${named}" is not a column of ${source}${known.length ? ` (columns: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})` : ' (not crawled yet)'}`);
}

/**
 * Accepts the crawl's tag suggestions of a source (all, or those of the named columns): each column gets
 * its suggested tag, and what the catalog holds of the columns now identifying is masked. Returns the
 * columns tagged, with their tag.
 */
export async function acceptSuggestions(db: Knex, name: string, named: readonly string[] = []): Promise<{ path: string; tag: string }[]> {
  const source = await getSource(db, name);
  const latest = await latestSchema(db, source.id);
  const wanted = named.map((n) => columnOf(name, latest?.schema, n));
  return db.transaction(async (trx) => {
    const q = trx('column_tag_suggestions').where({ source_id: source.id });
    const suggested: { path: string; tag: string }[] = await (wanted.length ? q.whereIn('path', wanted) : q).orderBy('path').select('path', 'tag');
    const missing = wanted.filter((p) => !suggested.some((s) => s.path === p));
    if (missing.length) throw new ColumnMetadataError('column', `no tag is suggested for ${missing.join(', ')} of ${name} (lake describe ${name} shows suggestions)`);
    for (const s of suggested) {
      const existing = await trx('column_metadata').where({ source_id: source.id, path: s.path }).first('tags');
      await trx('column_metadata')
        .insert({ source_id: source.id, path: s.path, tags: [...new Set([...(existing?.tags ?? []), s.tag])], updated_at: trx.fn.now() })
        .onConflict(['source_id', 'path'])
        .merge(['tags', 'updated_at']);
    }
    await trx('column_tag_suggestions').where({ source_id: source.id }).whereIn('path', suggested.map((s) => s.path)).delete();
    await refreshSearchDocuments(trx, [source.id]);
    await remaskSource(trx, source.id);
    return suggested;
  });
}
