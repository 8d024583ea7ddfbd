// Sample choice and masking over records read for profiling, and column statistics over such records
// for sources whose scan collects none (schema/stats.ts computes them over every record). Pure.
import { columnStatsOf, StatsAccumulator, type ColumnStats } from '../schema/stats';

export type { ColumnStats };

export interface SampleRow {
  partition: string;
  file: string;
  record: Record<string, unknown>;
}

/** Statistics per leaf column path over `records` (the profiled sample, for sources whose scan collects
 *  none); a path missing from a record counts as null there. */
export function columnStats(records: readonly Record<string, unknown>[]): ColumnStats[] {
  const acc = new StatsAccumulator();
  for (const r of records) acc.observe(r);
  return columnStatsOf(acc.toJSON());
}

/** Up to `max` rows spread across partitions: round-robin over partitions in order, so every
 *  partition shows before any shows twice. Deterministic for the same input. */
export function pickSamples(rows: readonly SampleRow[], max = 20): SampleRow[] {
  const byPartition = new Map<string, SampleRow[]>();
  for (const r of rows) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  const partitions = [...byPartition.keys()].sort().reverse(); // newest partitions first
  const out: SampleRow[] = [];
  for (let i = 0; out.length < max; i++) {
    let added = false;
    for (const p of partitions) {
      const row = byPartition.get(p)![i];
      if (row && out.length < max) {
        out.push(row);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

/** Masks the values of the given column paths (identifying columns) in a record, keeping its shape. */
export function maskRecord(record: Record<string, unknown>, masked: ReadonlySet<string>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const path = prefix ? `${prefix}.${k.toLowerCase()}` : k.toLowerCase();
    if (masked.has(path)) out[k] = v === null ? null : '***';
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = maskRecord(v as Record<string, unknown>, masked, path);
    else out[k] = v;
  }
  return out;
}
