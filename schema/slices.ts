// Logical sources: one JSON lines stream split into slices by the values of a few discriminator fields
// (e.g. source, service, label, elem). This file holds everything about slices that is not scanning:
// the grouped result and how results of many files merge, slice names, and the Hive view of a slice
// (its columns, with named structs flattened into `<struct>_<field>`, and its SQL text).
// The scanner that produces grouped results is infer/jsonl/ (option `discriminators`, grouped.ts).
import { fieldOfKey, structFieldsAlong } from './fields';
import { quoteIdent, quoteString, renderHiveType, type HiveColumn, type TableRef } from './hive';
import { EMPTY_RESULT, type InferenceResult } from './merge';
import { shortHash } from './hash';
import { byCodeUnits, defaultTableName, MAX_HIVE_NAME_LENGTH, suffixedHiveName } from './names';
import type { LakeType, Schema } from './types';

// ---- grouped results -------------------------------------------------------------------------------

/** A field path: a string is one top-level key, an array a path into nested objects (`['props', 'kind']`). */
export type DiscriminatorPath = string | readonly string[];

/** One slice: the discriminator values its records have, and what was inferred from them. */
export interface SliceResult {
  /**
   * One per discriminator, as JSON.parse gives it for strings (unescaped); numbers and true/false as
   * their JSON text, so the string "1" and the number 1 are the same slice (as a Hive string column
   * reads them). Never null: a missing or null value sends the record to the remainder.
   */
  values: string[];
  /**
   * Its schema, records and corrupt lines: a corrupt line is counted in the slice its discriminator
   * values name when a loose read finds them before the line breaks off (else in the remainder). A slice
   * may so hold corrupt lines only (no records, no columns).
   */
  result: InferenceResult;
}

export interface GroupedInferenceResult {
  /** Every record merged, exactly as an ungrouped scan gives it (provenance included); every corrupt line counted. */
  stream: InferenceResult;
  /** Keyed by `sliceKey(values)`, in key order; only slices with at least one record or corrupt line. */
  slices: Record<string, SliceResult>;
  /** Records with a discriminator missing, null, or an object or array (and corrupt lines without readable values). */
  remainder: InferenceResult;
}

export const EMPTY_GROUPED: GroupedInferenceResult = Object.freeze({ stream: EMPTY_RESULT, slices: Object.freeze({}), remainder: EMPTY_RESULT }) as GroupedInferenceResult;

/** The identity of a slice: the JSON text of its values array (deterministic, and parses back). */
export function sliceKey(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** A grouped result for input that could not be grouped (an unreadable object): the stream only. */
export function ungrouped(stream: InferenceResult): GroupedInferenceResult {
  return { stream, slices: {}, remainder: EMPTY_RESULT };
}

// ---- names -----------------------------------------------------------------------------------------
//
// A slice is a source, so its name follows the source name rule (crawl/source.ts: 1-100 of a-z 0-9 _ -,
// starting with a letter or digit) and becomes a table name by turning `-` into `_`. Two names clash when
// their table names do. Names are given once, when a slice is first registered, and never change: a
// clash is settled by a hash suffix on the newcomer, never by renaming a name already taken.

const MAX_NAME_LENGTH = 100;
const DEFAULT_PATTERN = '{stream}-{values}';
const PLACEHOLDER = /\{([a-z]+|\d+)\}/g;

/** The remainder slice's name: `<stream>-_other` (reserved: no other slice gets it). */
export function remainderSliceName(stream: string): string {
  return `${stream}-_other`;
}

/** Why a naming pattern is unusable for `count` discriminators, or undefined. Placeholders: `{stream}`,
 * `{values}` (all values joined by `-`) and `{1}`..`{n}`; every value must appear. */
export function slicePatternProblem(pattern: string, count: number): string | undefined {
  const used = new Set<number>();
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    const p = m[1]!;
    if (p === 'values') for (let i = 1; i <= count; i++) used.add(i);
    else if (/^\d+$/.test(p)) {
      const i = Number(p);
      if (i < 1 || i > count) return `{${p}} is not a discriminator (there are ${count})`;
      used.add(i);
    } else if (p !== 'stream') return `{${p}} is not a placeholder ({stream}, {values}, {1}..{${count}})`;
  }
  const rest = pattern.replace(PLACEHOLDER, '');
  if (/[{}]/.test(rest)) return `"${pattern}" has a brace outside a placeholder`;
  if (!/^[a-z0-9_-]*$/.test(rest)) return `"${pattern}" may only hold a-z 0-9 _ - besides placeholders`;
  for (let i = 1; i <= count; i++) if (!used.has(i)) return `"${pattern}" leaves out discriminator ${i} ({${i}} or {values})`;
  return undefined;
}

/** A value as a name part: lower case, every character outside a-z 0-9 _ becomes `_` (empty becomes `_`). */
export function sliceNamePart(value: string): string {
  const part = value.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return part === '' ? '_' : part;
}

/** The name a slice would get with nothing taken: the pattern filled in, made safe, at most 100 characters. */
export function plainSliceName(stream: string, values: readonly string[], pattern: string = DEFAULT_PATTERN): string {
  const parts = values.map(sliceNamePart);
  let name = pattern.replace(PLACEHOLDER, (_, p: string) => (p === 'stream' ? stream : p === 'values' ? parts.join('-') : parts[Number(p) - 1]!));
  name = name.toLowerCase().replace(/[^a-z0-9_-]/g, '_').replace(/-+$/, '');
  if (!/^[a-z0-9]/.test(name)) name = 's' + name;
  if (name.length > MAX_NAME_LENGTH) name = withSuffix(name, shortHash(sliceKey([stream, ...values])));
  return name;
}

/** Names and table names are one namespace: `a-b` and `a_b` would be the same table. */
function clashKey(name: string): string {
  return defaultTableName(name);
}

function withSuffix(name: string, suffix: string): string {
  return name.slice(0, MAX_NAME_LENGTH - suffix.length - 1) + '_' + suffix;
}

/** True when the values need no change to appear in a name (they keep the plain name on a clash). */
function isExact(values: readonly string[]): boolean {
  return values.every((v) => /^[a-z0-9_]+$/.test(v));
}

/**
 * Names for new slices of `stream`, deterministic from the set: `<stream>-<v1>-<v2>-…` by default. Names
 * in `taken` (every source name already registered, anywhere) and the remainder's name are never given.
 * On a clash, values that appear unchanged in the name win the plain name, then the smaller `sliceKey`;
 * the others get `_` and 8 hex digits of a hash of stream and values.
 */
export function sliceNames(
  stream: string,
  slices: readonly (readonly string[])[],
  options: { pattern?: string; taken?: Iterable<string> } = {},
): Map<string, string> {
  const taken = new Set<string>([...(options.taken ?? [])].map(clashKey));
  taken.add(clashKey(remainderSliceName(stream)));
  const order = [...new Map(slices.map((v) => [sliceKey(v), v])).entries()].sort(
    ([ka, a], [kb, b]) => Number(isExact(b)) - Number(isExact(a)) || byCodeUnits(ka, kb),
  );
  const names = new Map<string, string>();
  for (const [key, values] of order) {
    let name = plainSliceName(stream, values, options.pattern);
    for (let salt = 0; taken.has(clashKey(name)); salt++) {
      name = withSuffix(plainSliceName(stream, values, options.pattern), shortHash(sliceKey([stream, ...values]) + (salt > 0 ? `#${salt}` : '')));
    }
    taken.add(clashKey(name));
    names.set(key, name);
  }
  return names;
}

/** The name of one new slice (see `sliceNames`). */
export function sliceName(stream: string, values: readonly string[], options: { pattern?: string; taken?: Iterable<string> } = {}): string {
  return sliceNames(stream, [values], options).get(sliceKey(values))!;
}

// ---- views -----------------------------------------------------------------------------------------

/** One column of a slice's view. */
export interface ViewColumn extends HiveColumn {
  /** The expression over the stream table that gives it, e.g. `` `props`.`name` ``. */
  expr: string;
  /** Hive names from the stream table's column down to the value (one or two). */
  path: string[];
}

/**
 * The columns a slice's view projects: every top-level field of the slice in schema order, except that a
 * struct named in `flatten` is replaced by one `<struct>_<field>` column per field it has (one level; a
 * flattened field that is itself a struct stays one struct column). A field named in `flatten` that is
 * not a struct with fields (e.g. widened to string by conflicting records) stays one column.
 * A flattened name that equals a real top-level column (or one longer than Hive allows) gets `_` and a
 * hash of its path: real columns keep their names.
 * Types are the slice's own unless `stream` is given: the view reads the stream table, so pass the
 * stream's schema to get the types the view will really return (a slice's `props.x` may be bigint while
 * the stream's is string).
 */
export function flattenColumns(schema: Schema, flatten: readonly string[], stream?: Schema): ViewColumn[] {
  // named by key or Hive name, as every column is (fieldOfKey)
  const wanted = new Set(flatten.map((name) => fieldOfKey(schema.columns, name)));
  const topNames = new Set(schema.columns.map((c) => c.hiveName));
  const typeAt = (path: string[], own: LakeType): string => renderHiveType((stream && structFieldsAlong(stream, path)?.at(-1)?.type) ?? own);
  const used = new Set<string>(topNames);
  const out: ViewColumn[] = [];
  for (const col of schema.columns) {
    const t = col.type;
    if (!wanted.has(col) || t.kind !== 'struct' || t.fields.length === 0) {
      out.push({ name: col.hiveName, type: typeAt([col.hiveName], t), expr: quoteIdent(col.hiveName), path: [col.hiveName] });
      continue;
    }
    for (const sub of t.fields) {
      const path = [col.hiveName, sub.hiveName];
      const plain = `${col.hiveName}_${sub.hiveName}`;
      let name = plain;
      for (let salt = 0; used.has(name) || name.length > MAX_HIVE_NAME_LENGTH; salt++) {
        name = suffixedHiveName(plain, path.join('.') + (salt > 0 ? `#${salt}` : ''));
      }
      used.add(name);
      out.push({ name, type: typeAt(path, sub.type), expr: path.map(quoteIdent).join('.'), path });
    }
  }
  return out;
}

/**
 * The SELECT of a slice's view over the stream table: `values` filter on the discriminator columns
 * (`null` gives the remainder: any discriminator null). `discriminators` are Hive column paths of the
 * stream table. Values compare as string literals, which is exact for string columns; for a column of
 * another type pass its Hive type in `types` and it is compared as `CAST(col AS STRING)`.
 */
export function viewSql(
  streamTable: TableRef | string, // `db.table` or its parts
  discriminators: readonly DiscriminatorPath[],
  values: readonly string[] | null,
  columns: readonly ViewColumn[],
  options: { types?: readonly (string | undefined)[] } = {},
): string {
  if (columns.length === 0) throw new Error('a view needs at least one column');
  if (values !== null && values.length !== discriminators.length) throw new Error(`${values.length} values for ${discriminators.length} discriminators`);
  const ref = typeof streamTable === 'string' ? splitTableRef(streamTable) : streamTable;
  const select = columns.map((c) => (c.expr === quoteIdent(c.name) ? c.expr : `${c.expr} AS ${quoteIdent(c.name)}`)).join(', ');
  const exprs = discriminators.map((d) => (typeof d === 'string' ? [d] : [...d]).map(quoteIdent).join('.'));
  const where =
    values === null
      ? exprs.map((e) => `${e} IS NULL`).join(' OR ')
      : exprs
          .map((e, i) => {
            const t = options.types?.[i];
            return `${t === undefined || t === 'string' ? e : `CAST(${e} AS STRING)`} = ${quoteString(values[i]!)}`;
          })
          .join(' AND ');
  const from = `${quoteIdent(ref.database)}.${quoteIdent(ref.table)}`;
  return `SELECT ${select} FROM ${from}${where === '' ? '' : ` WHERE ${where}`}`;
}

function splitTableRef(ref: string): TableRef {
  const dot = ref.indexOf('.');
  if (dot <= 0 || dot === ref.length - 1) throw new Error(`"${ref}" is not database.table`);
  return { database: ref.slice(0, dot), table: ref.slice(dot + 1) };
}
