// Identifying columns in the catalog: a source's identifying columns (tagged, schema/identifying.ts),
// what keeps their values out of what the catalog stores (profiles, samples, statistics and the batch
// results of runs not merged yet), re-masking when a column becomes identifying, and the tag suggestions
// a crawl leaves. Everything is masked when written: a viewer's level never unmasks what is stored.
import type { Knex } from 'knex';
import { maskRows, type SampleRow } from '../crawl/profile';
import { columnsOf } from '../schema/fields';
import { IDENTIFYING_TAGS, isMaskedColumn, MASK, suggestTags, type TagSuggestion } from '../schema/identifying';
import { columnPathsOfStats, withoutValues, type ColumnStats, type StatsJSON } from '../schema/stats';
import type { Schema } from '../schema/types';

/** A source's latest schema (how its records' keys name columns) and its identifying column paths. */
export interface Masking {
  schema: Schema;
  columns: ReadonlySet<string>;
}

const NO_MASKING: Masking = { schema: { columns: [] }, columns: new Set() };
const CHUNK = 500;

/** The masking of each source (one without a schema or tags masks nothing). */
export async function maskingOf(db: Knex, sourceIds: readonly number[]): Promise<Map<number, Masking>> {
  const schemas = new Map<number, Schema>();
  const columns = new Map<number, Set<string>>();
  for (let i = 0; i < sourceIds.length; i += CHUNK) {
    const chunk = sourceIds.slice(i, i + CHUNK);
    const latest = await db.raw(`select distinct on (source_id) source_id, schema from schema_versions where source_id = any(?::int[]) order by source_id, version desc`, [chunk]);
    for (const r of latest.rows as { source_id: number; schema: Schema }[]) schemas.set(r.source_id, r.schema);
    const tagged = await db('column_metadata').whereIn('source_id', chunk).whereRaw('tags && ?::text[]', [[...IDENTIFYING_TAGS]]).select('source_id', 'path');
    for (const t of tagged as { source_id: number; path: string }[]) columns.set(t.source_id, (columns.get(t.source_id) ?? new Set()).add(t.path));
  }
  return new Map(sourceIds.map((id) => [id, { schema: schemas.get(id) ?? NO_MASKING.schema, columns: columns.get(id) ?? NO_MASKING.columns }]));
}

/** The statistics paths (schema/stats.ts) whose values are identifying. */
export function identifyingStatsPaths(m: Masking): Set<string> {
  const out = new Set<string>();
  if (m.columns.size === 0) return out;
  for (const [statsPath, column] of columnPathsOfStats(m.schema)) if (isMaskedColumn(m.columns, column)) out.add(statsPath);
  return out;
}

/** Statistics as a source's catalog keeps them: without min and max of identifying columns. */
export function storedStats(stats: StatsJSON, m: Masking): StatsJSON {
  return withoutValues(stats, identifyingStatsPaths(m));
}

/** Column figures by column path, min and max of identifying columns masked. */
export function shownColumnStats(stats: readonly ColumnStats[], m: Masking): ColumnStats[] {
  const columns = columnPathsOfStats(m.schema);
  const seen = new Set<string>();
  const out: ColumnStats[] = [];
  for (const c of stats) {
    const path = columns.get(c.path) ?? c.path;
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ ...c, path, ...(c.min !== undefined && isMaskedColumn(m.columns, path) ? { min: MASK, max: MASK } : {}) });
  }
  return out;
}

/** Sample rows as the catalog keeps them: identifying values masked. */
export function storedRows<T extends SampleRow>(rows: readonly T[], m: Masking): T[] {
  if (m.columns.size === 0) return [...rows];
  const masked = new Set(columnsOf(m.schema).map((c) => c.path).filter((p) => isMaskedColumn(m.columns, p)));
  return maskRows(rows, m.schema, masked);
}

/** The tag suggestions a source's columns give (names, and `stats` by column path); identifying columns get none. */
export function suggestionsFor(m: Masking, stats: readonly ColumnStats[]): TagSuggestion[] {
  const byPath = new Map(stats.map((s) => [s.path, s]));
  return suggestTags(
    columnsOf(m.schema)
      .filter((c) => !isMaskedColumn(m.columns, c.path))
      .map((c) => ({ path: c.path, name: c.field.name, values: byPath.get(c.path)?.values, found: byPath.get(c.path)?.found })),
  );
}

/** Replaces the tag suggestions of the given sources. */
export async function recordSuggestions(trx: Knex.Transaction, runId: number, bySource: Map<number, TagSuggestion[]>): Promise<void> {
  const ids = [...bySource.keys()];
  for (let i = 0; i < ids.length; i += CHUNK) await trx('column_tag_suggestions').whereIn('source_id', ids.slice(i, i + CHUNK)).delete();
  const rows = [...bySource].flatMap(([id, suggestions]) => suggestions.map((s) => ({ source_id: id, path: s.path, tag: s.tag, evidence: s.evidence, run_id: runId })));
  for (let i = 0; i < rows.length; i += CHUNK) await trx('column_tag_suggestions').insert(rows.slice(i, i + CHUNK));
}

/** A source's tag suggestions by column path. */
export async function suggestionsOf(db: Knex, sourceId: number): Promise<Map<string, { tag: string; evidence: string[] }>> {
  const rows = await db('column_tag_suggestions').where({ source_id: sourceId }).orderBy('path').select('path', 'tag', 'evidence');
  return new Map(rows.map((r: { path: string; tag: string; evidence: string[] }) => [r.path, { tag: r.tag, evidence: r.evidence }]));
}

/**
 * Masks what the catalog already holds of a source's identifying columns, after a column became one:
 * its profiles and samples, its statistics (sketches' min and max, and the figures shown), and the
 * batch results of its runs not merged yet (merged runs keep none). Its suggestions for them go.
 */
export async function remaskSource(trx: Knex.Transaction, sourceId: number): Promise<void> {
  const m = (await maskingOf(trx, [sourceId])).get(sourceId)!;
  if (m.columns.size === 0) return;
  const remask = async (table: string, key: Record<string, unknown>, rows: SampleRow[]) => {
    const masked = storedRows(rows, m);
    if (JSON.stringify(masked) !== JSON.stringify(rows)) await trx(table).where(key).update({ rows: JSON.stringify(masked) });
  };
  for (const p of await trx('partition_profiles').where({ source_id: sourceId }).select('path', 'rows')) await remask('partition_profiles', { source_id: sourceId, path: p.path }, p.rows);
  const samples = await trx('source_samples').where({ source_id: sourceId }).first('rows');
  if (samples) await remask('source_samples', { source_id: sourceId }, samples.rows);

  const stats = await trx('source_stats').where({ source_id: sourceId }).first('stats');
  if (stats) await trx('source_stats').where({ source_id: sourceId }).update({ stats: JSON.stringify(storedStats(stats.stats, m)) });
  const shown: string[] = (await trx('column_stats').where({ source_id: sourceId }).whereNotNull('min').select('path')).map((r: { path: string }) => r.path);
  const hidden = shown.filter((p) => isMaskedColumn(m.columns, p));
  if (hidden.length) await trx('column_stats').where({ source_id: sourceId }).whereIn('path', hidden).update({ min: MASK, max: MASK });

  const pending = await trx('crawl_batches')
    .join('crawl_runs', 'crawl_runs.id', 'crawl_batches.run_id')
    .where('crawl_runs.source_id', sourceId)
    .whereRaw(`crawl_batches.result->'samples' is not null`)
    .select('crawl_batches.run_id', 'crawl_batches.batch_no', 'crawl_batches.result');
  for (const b of pending as { run_id: number; batch_no: number; result: { samples: SampleRow[] } }[]) {
    await trx('crawl_batches').where({ run_id: b.run_id, batch_no: b.batch_no }).update({ result: JSON.stringify({ ...b.result, samples: storedRows(b.result.samples, m) }) });
  }
  const suggested: string[] = (await trx('column_tag_suggestions').where({ source_id: sourceId }).select('path')).map((r: { path: string }) => r.path);
  const covered = suggested.filter((p) => isMaskedColumn(m.columns, p));
  if (covered.length) await trx('column_tag_suggestions').where({ source_id: sourceId }).whereIn('path', covered).delete();
}
