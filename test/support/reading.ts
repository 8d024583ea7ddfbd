// What an engine must return for a record of a published table, worked out from the record alone: the
// reference a test compares Spark's rows with, value by value. It follows the documented reading rules,
// not the publisher's code: a column or struct field named N reads the key whose lowercased form gives N
// by the Hive-name rule (a deeper name taken by another key carries an `_<8 hex>` suffix); keys differing
// only by case are one (the last in the record wins); a partition column reads the path's value; values
// follow the column's type (numbers and booleans as such, a string column shows an object or array as
// its JSON text); a missing key or a JSON null is NULL.

import { parseHiveType, type HiveType } from '../../schema/hive-types';

export { parseHiveType, type HiveType };

/** The documented Hive-name rule for one key. */
export function hiveNameOf(key: string): string {
  const lower = key.toLowerCase();
  if (/^[a-z][a-z0-9_]*$/.test(lower)) return lower;
  const safe = lower.replace(/[^a-z0-9_]/g, '_');
  return /^[a-z]/.test(safe) ? safe : `c_${safe}`;
}

/** The record's keys lowercased, the last spelling winning, as the JSON SerDe reads them. */
function folded(o: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) m.set(k.toLowerCase(), v);
  return m;
}

/** The value of the field named `name` among `keys`, by the rule above. */
function lookup(keys: Map<string, unknown>, name: string, siblings: readonly string[]): unknown {
  for (const [k, v] of keys) if (hiveNameOf(k) === name) return v;
  const suffixed = /^(.*)_[0-9a-f]{8}$/.exec(name);
  if (suffixed) {
    // a deeper field renamed because its plain name reads another key: the key named plainly that no
    // sibling field claims
    const plain = suffixed[1]!;
    for (const [k, v] of keys) if (hiveNameOf(k) === plain && (k !== plain || !siblings.includes(plain))) return v;
    for (const [k, v] of keys) if (hiveNameOf(k) === plain) return v;
  }
  return undefined;
}

/** The value of type `t` an engine returns for JSON value `v` (as infra/spark/query.py renders it). */
export function expectedValue(v: unknown, t: HiveType): unknown {
  if (v === undefined || v === null) return null;
  switch (t.kind) {
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v)) return null;
      const keys = folded(v as Record<string, unknown>);
      const names = t.fields.map((f) => f.name);
      return Object.fromEntries(t.fields.map((f) => [f.name, expectedValue(lookup(keys, f.name, names), f.type)]));
    }
    case 'array':
      return Array.isArray(v) ? v.map((x) => expectedValue(x, t.element)) : null;
    case 'map':
      return v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expectedValue(x, t.value)])) : null;
    case 'scalar':
      if (t.name === 'string') {
        if (typeof v === 'string') return v;
        if (typeof v === 'object') return { json: v }; // compared as parsed JSON
        return String(v);
      }
      return v;
  }
}

/** Spark's value next to the reference: JSON text in a string column compared as parsed JSON. */
export function comparable(actual: unknown, expected: unknown): unknown {
  if (expected !== null && typeof expected === 'object' && 'json' in (expected as object) && typeof actual === 'string') {
    try {
      return { json: JSON.parse(actual) };
    } catch {
      return actual;
    }
  }
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.map((a, i) => comparable(a, expected[i]));
  if (actual !== null && typeof actual === 'object' && expected !== null && typeof expected === 'object' && !Array.isArray(actual)) {
    return Object.fromEntries(Object.entries(actual).map(([k, a]) => [k, comparable(a, (expected as Record<string, unknown>)[k])]));
  }
  return actual;
}

/** The whole expected row of a record: data columns by the rule, partition columns from the path. */
export function expectedRow(
  record: Record<string, unknown>,
  partition: Record<string, string>,
  columns: { name: string; type: string }[],
  partitionKeys: readonly string[],
): Record<string, unknown> {
  const keys = folded(record);
  const names = columns.map((c) => c.name);
  const row: Record<string, unknown> = {};
  for (const c of columns) row[c.name] = partitionKeys.includes(c.name) ? partition[c.name] : expectedValue(lookup(keys, c.name, names), parseHiveType(c.type));
  return row;
}

/** Rows as sorted canonical JSON: a multiset to compare in one assertion. */
export function rowSet(rows: Record<string, unknown>[]): string[] {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)])) : v;
  return rows.map((r) => JSON.stringify(canonical(r))).sort();
}
