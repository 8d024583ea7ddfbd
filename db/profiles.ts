// The profile of a source as a crawl leaves it: samples, column statistics and the volume history.
// Shared by physical and logical sources: a logical source's figures are written the same way.
import type { Knex } from 'knex';
import { columnStats, pickSamples, type SampleRow } from '../crawl/profile';
import { columnStatsOf, EMPTY_STATS, mergeStats, type ColumnStats, type StatsJSON } from '../schema/stats';

/** Per source: the records profiled per partition, the samples kept, and how many partitions count. */
export const PROFILE = { maxRecords: 200, maxBytes: 256 * 1024, samplesKept: 20, partitions: 100 };

/** Samples over the profiled records of the source's newest partitions: this crawl's profiles replace
 *  those of the partitions it read; partitions it did not read keep theirs. Column statistics come from
 *  these records only for a source whose scans collect none (see `recordStats`). */
export async function recordProfile(trx: Knex.Transaction, sourceId: number, runId: number, sampled: SampleRow[]): Promise<void> {
  const fresh = new Map<string, SampleRow[]>();
  for (const row of sampled) fresh.set(row.partition, [...(fresh.get(row.partition) ?? []), row]);
  if (fresh.size === 0) return;
  for (const [path, rows] of fresh) {
    await trx('partition_profiles').insert({ source_id: sourceId, path, run_id: runId, rows: JSON.stringify(rows) }).onConflict(['source_id', 'path']).merge();
  }
  const profiles = await trx('partition_profiles').where({ source_id: sourceId }).orderBy('path', 'desc').limit(PROFILE.partitions).select('rows');
  const rows: SampleRow[] = profiles.flatMap((p: { rows: SampleRow[] }) => p.rows);
  await trx('source_samples')
    .insert({ source_id: sourceId, run_id: runId, rows: JSON.stringify(pickSamples(rows, PROFILE.samplesKept)), taken_at: trx.fn.now() })
    .onConflict('source_id')
    .merge();
  if (await trx('source_stats').where({ source_id: sourceId }).first('source_id')) return; // scanned statistics win
  await writeColumnStats(trx, sourceId, runId, columnStats(rows.map((r) => r.record)));
}

/**
 * Merges the statistics a crawl collected over every record it scanned into the source's, and shows
 * their figures. A crawl reads new and changed objects, so records re-read after a change count again
 * (the fractions hold; `basis_records` is records scanned) and deleted data stays in min/max.
 */
export async function recordStats(trx: Knex.Transaction, sourceId: number, runId: number, scanned: StatsJSON): Promise<void> {
  const had = await trx('source_stats').where({ source_id: sourceId }).first('stats');
  const stats = mergeStats(had?.stats ?? EMPTY_STATS, scanned);
  await trx('source_stats').insert({ source_id: sourceId, run_id: runId, stats: JSON.stringify(stats), updated_at: trx.fn.now() }).onConflict('source_id').merge();
  await writeColumnStats(trx, sourceId, runId, columnStatsOf(stats));
}

async function writeColumnStats(trx: Knex.Transaction, sourceId: number, runId: number, stats: ColumnStats[]): Promise<void> {
  await trx('column_stats').where({ source_id: sourceId }).delete();
  for (let i = 0; i < stats.length; i += 500) {
    await trx('column_stats').insert(
      stats.slice(i, i + 500).map((c) => ({
        source_id: sourceId, path: c.path, run_id: runId, null_fraction: c.nullFraction, distinct_estimate: c.distinctEstimate,
        min: c.min ?? null, max: c.max ?? null, basis_records: c.basisRecords,
      })),
    );
  }
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

