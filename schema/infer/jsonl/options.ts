// What a JSON-lines scan is asked for, and the limits that keep hostile input from taking unbounded
// memory or time: a line longer than maxRecordBytes, a record nesting deeper than maxDepth, and a record
// that would add a field past maxFieldsPerObject (in one object) or maxColumns (in the whole schema) are
// corrupt records, with a reason naming the limit, although JSON.parse accepts them.
import type { DiscriminatorPath } from '../../slices';

export interface JsonLinesOptions {
  /** Type ISO dates/timestamps found in strings as date/timestamp (off by default). */
  detectTemporal?: boolean;
  /** Line number of the first line fed (when scanning a slice of a file). Default 1. */
  firstLine?: number;
  /**
   * Split records into slices by the values at these field paths (a string is a top-level key, an array
   * a path into nested objects; keys are matched exactly, as `record[key]` would). See `GroupedInferenceResult`.
   */
  discriminators?: readonly DiscriminatorPath[];
  /**
   * Column statistics over every record (schema/stats.ts), in the result's `stats` (grouped: each slice's
   * too), exactly as StatsAccumulator gives them for the records JSON.parse reads from the lines.
   */
  stats?: boolean;
  /**
   * The object's partition (keys and values from its path): records repeating a key at their top level
   * with another value are counted (`JsonLinesScanner.partitionKeys`; see schema/infer/partition-keys.ts).
   */
  partition?: { keys: readonly string[]; values: readonly string[] };
  /** Longest line taken, in bytes before its "\n"; a longer line is a corrupt record, skipped without being buffered. */
  maxRecordBytes?: number;
  /** Deepest nesting of objects and arrays in a record, the record itself being level 1; a deeper record is corrupt. */
  maxDepth?: number;
  /** Most distinct fields (keys up to case) in one object of the schema; a record that would add one more is corrupt. */
  maxFieldsPerObject?: number;
  /** Most fields in the whole schema, nested ones included; a record that would add one more is corrupt. */
  maxColumns?: number;
}

/** Defaults of the JsonLinesOptions limits. */
export const JSONL_LIMITS = Object.freeze({
  maxRecordBytes: 16 * 1024 * 1024,
  maxDepth: 100,
  maxFieldsPerObject: 10_000,
  maxColumns: 100_000,
});

type Limit = keyof typeof JSONL_LIMITS;

/** A limit from the options: a positive integer or Infinity, else a clear error at construction. */
export function limitOption(options: JsonLinesOptions, name: Limit): number {
  const value = options[name] ?? JSONL_LIMITS[name];
  if (typeof value !== 'number' || !(value === Infinity || (Number.isInteger(value) && value > 0)))
    throw new Error(`JsonLinesOptions.${name} must be a positive integer or Infinity, got ${String(value)}`);
  return value;
}

