// The profile of a source as a crawl leaves it: samples, column statistics and the volume history.
// Shared by physical and logical sources: a logical source's figures are written the same way.
// Identifying columns' values are masked as they are written (db/identifying.ts); statistics are kept by
// the keys as found and written for people by column path, with the source's tag suggestions.
import type { Knex } from 'knex';
import { columnStats, pickSamples, type SampleRow } from '../crawl/profile';
import { columnStatsOf, EMPTY_STATS, mergeStats, type ColumnStats, type StatsJSON } from '../schema/stats';
import { maskingOf, recordSuggestions, shownColumnStats, storedRows, storedStats, suggestionsFor, type Masking } from './identifying';

/** Per source: the records profiled per partition (when its figures come from them: connectors/s3.ts), the
 *  samples kept, and how many partitions count. */
export const PROFILE = { maxRecords: 200, maxBytes: 256 * 1024, samplesKept: 20, partitions: 100 };

const CHUNK = 500;

/** Runs `f` over `items` in chunks (statements stay below PostgreSQL's parameter limit). */
async function inChunks<T>(items: T[], f: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) await f(items.slice(i, i + CHUNK));
}

/** Samples over the profiled records of the source's newest partitions: this crawl's profiles replace
 *  those of the partitions it read; partitions it did not read keep theirs. Column statistics come from
 *  these records only for a source whose scans collect none (see `recordStats`). */
export async function recordProfile(trx: Knex.Transaction, sourceId: number, runId: number, sampled: SampleRow[]): Promise<void> {
  await recordProfiles(trx, runId, new Map([[sourceId, sampled]]));
}

/** recordProfile for many sources (a stream's slices) in a few statements. */
export async function recordProfiles(trx: Knex.Transaction, runId: number, bySource: Map<number, SampleRow[]>): Promise<void> {
  const profiles: { source_id: number; path: string; run_id: number; rows: string }[] = [];
  const masking = await maskingOf(trx, [...bySource.keys()]);
  for (const [sourceId, sampled] of bySource) {
    const fresh = new Map<string, SampleRow[]>();
    for (const row of storedRows(sampled, masking.get(sourceId)!)) fresh.set(row.partition, [...(fresh.get(row.partition) ?? []), row]);
    for (const [path, rows] of fresh) profiles.push({ source_id: sourceId, path, run_id: runId, rows: JSON.stringify(rows) });
  }
  if (profiles.length === 0) return;
  await inChunks(profiles, (chunk) => trx('partition_profiles').insert(chunk).onConflict(['source_id', 'path']).merge());
  const ids = [...new Set(profiles.map((p) => p.source_id))];
  const kept = new Map<number, SampleRow[]>();
  await inChunks(ids, async (chunk) => {
    const rows = await trx.raw(
      `select source_id, rows from (
         select source_id, rows, row_number() over (partition by source_id order by path desc) as n
           from partition_profiles where source_id = any(?::int[])) newest
        where n <= ? order by source_id, n`,
      [chunk, PROFILE.partitions],
    );
    for (const r of rows.rows as { source_id: number; rows: SampleRow[] }[]) kept.set(r.source_id, [...(kept.get(r.source_id) ?? []), ...r.rows]);
  });
  const samples = ids.map((id) => ({ source_id: id, run_id: runId, rows: JSON.stringify(pickSamples(kept.get(id) ?? [], PROFILE.samplesKept)), taken_at: trx.fn.now() }));
  await inChunks(samples, (chunk) => trx('source_samples').insert(chunk).onConflict('source_id').merge());
  // scanned statistics win: sample-based figures only for sources without them
  const scanned = new Set<number>();
  await inChunks(ids, async (chunk) => {
    for (const r of await trx('source_stats').whereIn('source_id', chunk).select('source_id')) scanned.add(r.source_id);
  });
  await writeColumnStats(trx, runId, new Map(ids.filter((id) => !scanned.has(id)).map((id) => [id, columnStats((kept.get(id) ?? []).map((r) => r.record))])), masking);
}

/**
 * Merges the statistics a crawl collected over every record it scanned into the source's, and shows
 * their figures. A crawl reads new and changed objects, so records re-read after a change count again
 * (the fractions hold; `basis_records` is records scanned) and deleted data stays in min/max.
 */
export async function recordStats(trx: Knex.Transaction, sourceId: number, runId: number, scanned: StatsJSON): Promise<void> {
  await recordStatsOf(trx, runId, new Map([[sourceId, scanned]]));
}

/** recordStats for many sources (a stream's slices) in a few statements. */
export async function recordStatsOf(trx: Knex.Transaction, runId: number, bySource: Map<number, StatsJSON>): Promise<void> {
  const ids = [...bySource.keys()];
  const had = new Map<number, StatsJSON>();
  await inChunks(ids, async (chunk) => {
    for (const r of await trx('source_stats').whereIn('source_id', chunk).select('source_id', 'stats')) had.set(r.source_id, r.stats);
  });
  const masking = await maskingOf(trx, ids);
  const merged = new Map(ids.map((id) => [id, mergeStats(had.get(id) ?? EMPTY_STATS, bySource.get(id)!)]));
  const rows = ids.map((id) => ({ source_id: id, run_id: runId, stats: JSON.stringify(storedStats(merged.get(id)!, masking.get(id)!)), updated_at: trx.fn.now() }));
  await inChunks(rows, (chunk) => trx('source_stats').insert(chunk).onConflict('source_id').merge());
  await writeColumnStats(trx, runId, new Map(ids.map((id) => [id, columnStatsOf(merged.get(id)!)])), masking);
}

/**
 * Replaces the column figures of the given sources (`byStatsPath`: by statistics path) and their tag
 * suggestions, which the figures' pattern counts are evidence for.
 */
async function writeColumnStats(trx: Knex.Transaction, runId: number, byStatsPath: Map<number, ColumnStats[]>, masking: Map<number, Masking>): Promise<void> {
  const bySource = new Map([...byStatsPath].map(([id, stats]) => [id, shownColumnStats(stats, masking.get(id)!)]));
  await recordSuggestions(trx, runId, new Map([...bySource].map(([id, stats]) => [id, suggestionsFor(masking.get(id)!, stats)])));
  await inChunks([...bySource.keys()], (chunk) => trx('column_stats').whereIn('source_id', chunk).delete());
  const rows = [...bySource].flatMap(([sourceId, stats]) =>
    stats.map((c) => ({
      source_id: sourceId, path: c.path, run_id: runId, null_fraction: c.nullFraction, distinct_estimate: c.distinctEstimate,
      min: c.min ?? null, max: c.max ?? null, basis_records: c.basisRecords,
    })),
  );
  await inChunks(rows, (chunk) => trx('column_stats').insert(chunk));
}

/** The volume history: every partition's figures as this crawl leaves them. */
export async function recordVolumes(trx: Knex.Transaction, sourceIds: number[], runId: number): Promise<void> {
  if (sourceIds.length === 0) return;
  await trx.raw(
    `insert into partition_volumes (source_id, run_id, path, records, bytes, objects, corrupt_records)
     select source_id, ?, path, records, bytes, objects, corrupt_records from source_partitions where source_id = any(?::int[])
     on conflict (run_id, source_id, path) do update set records = excluded.records, bytes = excluded.bytes, objects = excluded.objects, corrupt_records = excluded.corrupt_records`,
    [runId, sourceIds],
  );
}

