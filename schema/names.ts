// Hive names: which names the metastore holds as they are, how long they may be, and how a name is made
// safe (columns) or derived (tables). Column identity too: Hive stores column names lowercased, so names
// that differ only by case are one column; names Hive cannot hold as-is get a deterministic safe name (the
// original is kept in Field.name for the publisher).

import { shortHash } from './hash';

/** Identity of a field among its siblings: `userId` and `userid` are the same Hive column. */
export function fieldKey(name: string): string {
  return name.toLowerCase();
}

/** Of two spellings of the same field, the one we remember: the smaller, so the choice is order-independent. */
export function preferredName(a: string, b: string): string {
  return a <= b ? a : b;
}

/** The longest name the metastore holds, for columns, tables, views, databases and partition keys alike. */
export const MAX_HIVE_NAME_LENGTH = 128;

/** A database, table, view or partition key name as the metastore holds it (length aside: see isHiveName). */
export const HIVE_NAME = /^[a-z_][a-z0-9_]*$/;

/** A column name: as HIVE_NAME, but starting with a letter. */
const HIVE_COLUMN_NAME = /^[a-z][a-z0-9_]*$/;

// Columns and tables differ in their first character and in the prefix an unsafe start gets (`c_` for a
// column, `t_` for a table): both rules have named published columns and tables, which engines read by name.

/** True when a database, table, view or partition key name can be used as it is. */
export function isHiveName(name: string): boolean {
  return HIVE_NAME.test(name) && name.length <= MAX_HIVE_NAME_LENGTH;
}

// Reserved words (timestamp, from, to, user, date, …) are NOT renamed: the metastore stores them as they
// are and engines quote them with backticks, while a renamed column would read as NULL through the JSON
// SerDe, which matches JSON keys to column names. Only names a Hive type string cannot carry are renamed.

/** True when the metastore and Hive type strings can hold the (lowercased) column name as it is. */
export function isHiveSafe(name: string): boolean {
  const lower = name.toLowerCase();
  return HIVE_COLUMN_NAME.test(lower) && lower.length <= MAX_HIVE_NAME_LENGTH;
}

/** The safe name for one field taken alone (collisions between siblings are settled by `assignHiveNames`). */
export function safeHiveName(name: string): string {
  const lower = name.toLowerCase();
  if (isHiveSafe(lower)) return lower;
  let safe = lower.replace(/[^a-z0-9_]/g, '_');
  if (!/^[a-z]/.test(safe)) safe = 'c_' + safe;
  if (safe.length > MAX_HIVE_NAME_LENGTH) safe = suffixedHiveName(safe, lower);
  return safe;
}

/** The table a source is published as by default: its name with `-` as `_` (a source name is a-z 0-9 _ -). */
export function defaultTableName(sourceName: string): string {
  const t = sourceName.replace(/-/g, '_');
  return /^[a-z_]/.test(t) ? t : `t_${t}`;
}

/** `start` cut so that `start` + `tail` fits Hive's name length (a long name keeps its beginning). */
export function fitHiveName(start: string, tail: string): string {
  return start.slice(0, MAX_HIVE_NAME_LENGTH - tail.length) + tail;
}

/**
 * Hive names for a set of sibling keys, settled deterministically from the set alone: a key that is legal
 * as-is owns its name; among keys whose safe names collide, the smallest key keeps the plain safe name and
 * the others get a stable hash suffix.
 */
export function assignHiveNames(keys: readonly string[]): Map<string, string> {
  const sorted = [...keys].sort(byCodeUnits);
  const taken = new Set<string>();
  const result = new Map<string, string>();
  for (const key of sorted) {
    if (isHiveSafe(key)) {
      result.set(key, key);
      taken.add(key);
    }
  }
  for (const key of sorted) {
    if (result.has(key)) continue;
    let name = safeHiveName(key);
    if (taken.has(name)) name = suffixedHiveName(name, key);
    result.set(key, name);
    taken.add(name);
  }
  return result;
}

/** `name` made distinct for `key` by a stable hash suffix, within Hive's name length. */
export function suffixedHiveName(name: string, key: string): string {
  return fitHiveName(name, '_' + shortHash(key));
}

export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
