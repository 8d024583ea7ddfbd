// Sample choice and masking over records read for profiling, and column statistics over such records
// for sources whose scan collects none (schema/stats.ts computes them over every record). Pure.
import { childColumn } from '../schema/fields';
import type { FieldAt } from '../schema/visit';
import { MASK } from '../schema/identifying';
import { columnStatsOf, StatsAccumulator, type ColumnStats } from '../schema/stats';
import type { Schema } from '../schema/types';

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

/**
 * The record with the values of the given columns (identifying ones, by column path: schema/fields.ts)
 * replaced by MASK, keeping its shape and its nulls; arrays of objects are masked element by element.
 * Keys are matched to columns through `schema`, as every reader of column paths does.
 */
export function maskRecord(record: Record<string, unknown>, schema: Schema, masked: ReadonlySet<string>): Record<string, unknown> {
  if (masked.size === 0) return record;
  const maskValue = (v: unknown, at: FieldAt): unknown => {
    if (v === null || v === undefined) return v;
    if (masked.has(at.path)) return MASK;
    if (Array.isArray(v)) return v.map((e) => maskValue(e, at));
    if (typeof v === 'object') return maskObject(v as Record<string, unknown>, at);
    return v;
  };
  const maskObject = (o: Record<string, unknown>, parent: FieldAt | null): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const at = childColumn(schema, parent, k);
      out[k] = at === undefined ? v : maskValue(v, at);
    }
    return out;
  };
  return maskObject(record, null);
}

/** Sample rows with `maskRecord` applied. */
export function maskRows<T extends { record: Record<string, unknown> }>(rows: readonly T[], schema: Schema, masked: ReadonlySet<string>): T[] {
  return masked.size === 0 ? [...rows] : rows.map((r) => ({ ...r, record: maskRecord(r.record, schema, masked) }));
}
