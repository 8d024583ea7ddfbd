// Schema merge and inference results. All type rules come from lattice.ts; this file only says how
// whole schemas and whole inference results combine.
import { joinFields } from './lattice';
import { compareProvenance } from './provenance';
import type { Schema } from './types';
import { EMPTY_STATS, mergeStats, type StatsJSON } from './stats';

export const EMPTY_SCHEMA: Schema = Object.freeze({ columns: [] }) as Schema;

/** Commutative, associative, idempotent (laws stated without provenance, see provenance.ts).
 * Columns missing from one side stay: every column is nullable. */
export function mergeSchemas(a: Schema, b: Schema): Schema {
  if (a.columns.length === 0) return b;
  if (b.columns.length === 0) return a;
  return { columns: joinFields(a.columns, b.columns) };
}

/** A record that could not be used: kept out of the schema, counted and reported. */
export interface CorruptRecord {
  file: string;
  line: number;
  reason: string;
}

export interface InferenceResult {
  schema: Schema;
  /** Records that contributed to the schema. */
  records: number;
  corruptRecords: number;
  /** The first corrupt records in (file, line) order, at most MAX_CORRUPT_SAMPLES. */
  corruptSamples: CorruptRecord[];
  /** Column statistics over the records scanned, when the scan collects them (`stats.records` says over how many). */
  stats?: StatsJSON;
}

export const MAX_CORRUPT_SAMPLES = 20;

export const EMPTY_RESULT: InferenceResult = Object.freeze({
  schema: EMPTY_SCHEMA,
  records: 0,
  corruptRecords: 0,
  corruptSamples: [],
}) as InferenceResult;

export function mergeResults(a: InferenceResult, b: InferenceResult): InferenceResult {
  return {
    schema: mergeSchemas(a.schema, b.schema),
    records: a.records + b.records,
    corruptRecords: a.corruptRecords + b.corruptRecords,
    corruptSamples: keepFirstSamples([...a.corruptSamples, ...b.corruptSamples]),
    ...(a.stats || b.stats ? { stats: mergeStats(a.stats ?? EMPTY_STATS, b.stats ?? EMPTY_STATS) } : {}),
  };
}

export function keepFirstSamples(samples: CorruptRecord[]): CorruptRecord[] {
  return samples
    .sort((x, y) => compareProvenance(x, y) || (x.reason < y.reason ? -1 : x.reason > y.reason ? 1 : 0))
    .slice(0, MAX_CORRUPT_SAMPLES);
}
