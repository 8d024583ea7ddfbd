// Logical sources as the crawl sees them: which slice a parsed record belongs to (for samples, which are
// read apart from the scan), and what a slice's Hive view is. Pure; the scanner (schema/infer/jsonl/)
// groups records while inferring, the slice names, flattening and view SQL live in schema/slices.ts.
import { renderHiveType, type Schema } from '../schema';
import { flattenColumns, sliceKey, viewSql, type DiscriminatorPath } from '../schema/slices';
import { quoteIdent, type HiveColumn } from '../schema/hive';
import { structFieldsAlong } from '../schema/fields';

/** The key of the remainder slice among slice keys (`sliceKey` of real values is a JSON array). */
export const REMAINDER_KEY = 'null';

/** `sliceKey(values)`, or REMAINDER_KEY for the remainder. */
export function keyOfSlice(values: readonly string[] | null): string {
  return values === null ? REMAINDER_KEY : sliceKey(values);
}

/**
 * The discriminator values of a parsed record, as the scanner groups it: strings as they are, numbers and
 * booleans as their JSON text; null when one is missing, null, an object or an array (the remainder).
 * (A number the file spells `1.0` is `1` here; the scanner keeps the file's spelling. Samples only.)
 */
export function valuesOfRecord(record: unknown, discriminators: readonly DiscriminatorPath[]): string[] | null {
  const values: string[] = [];
  for (const d of discriminators) {
    let v: unknown = record;
    for (const part of typeof d === 'string' ? [d] : d) {
      v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
    }
    if (typeof v === 'string') values.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') values.push(JSON.stringify(v));
    else return null;
  }
  return values;
}

export interface SliceView {
  columns: HiveColumn[];
  sql: string;
}

/**
 * The view of one slice over its stream's table: the slice's own fields (structs named in `flatten`
 * as `<struct>_<field>` columns, typed as the stream table gives them), then the partition columns,
 * filtered on the slice's discriminator values (null: the remainder). Undefined when the stream table
 * lacks a discriminator column (nothing to filter on yet) or the slice has no fields.
 */
export function sliceView(input: {
  stream: { database: string; table: string; schema: Schema; partitionKeys: string[] };
  slice: Schema;
  values: readonly string[] | null;
  discriminators: readonly DiscriminatorPath[];
  flatten: readonly string[];
}): SliceView | undefined {
  const { stream, slice } = input;
  const paths: string[][] = [];
  const types: string[] = [];
  for (const d of input.discriminators) {
    const along = structFieldsAlong(stream.schema, typeof d === 'string' ? [d] : d);
    if (!along?.length) return undefined;
    paths.push(along.map((f) => f.hiveName));
    types.push(renderHiveType(along.at(-1)!.type));
  }
  const own = flattenColumns(slice, input.flatten, stream.schema);
  if (own.length === 0) return undefined;
  const taken = new Set(own.map((c) => c.name));
  const partitions = stream.partitionKeys.filter((k) => !taken.has(k)).map((k) => ({ name: k, type: 'string', expr: quoteIdent(k), path: [k] }));
  const columns = [...own, ...partitions];
  const sql = viewSql({ database: stream.database, table: stream.table }, paths, input.values, columns, { types });
  return { columns: columns.map((c) => ({ name: c.name, type: c.type })), sql };
}
