// The published views that make A-3 and A-4 mean what they say. Pure: from a table's columns (as the
// metastore has them) and its identifying column paths, the view's SELECT and columns.
//
// - A-4 reads `<table>__no_identifying`: the table without its identifying columns (a struct loses the
//   identifying fields; an array of structs holding one is left out whole).
// - A-3 reads `<table>__deidentified`: identifying values replaced by a keyed hash, sha2(key || value),
//   equal for equal values in every table of the catalog (joins still work), not reversible without the
//   key. The key is not in the view's text: the view joins a one-row table of the catalog's that no
//   principal is granted (and no bucket policy opens), so engines that run views with their definer's
//   rights (Trino's default for Hive views) read it for the holder and the holder cannot.
import { parseHiveType, renderHiveType, type HiveType } from '../schema/hive-types';
import { levelViewSuffixHash } from '../schema/hash';
import { fitHiveName, MAX_HIVE_NAME_LENGTH } from '../schema/names';
import { pathOf } from '../schema/visit';
import { quoteIdent as quote, quoteString as sqlString, type HiveColumn, type TableRef } from '../schema/hive';
import { ACCESS_LEVELS, type AccessLevelId } from './levels';

/** A level that reads a view of the table (its `view` in ACCESS_LEVELS). */
export type ViewLevel = AccessLevelId;

export function isViewLevel(level: AccessLevelId): level is ViewLevel {
  return ACCESS_LEVELS[level].view !== undefined;
}

function viewOf(level: ViewLevel): 'deidentified' | 'no_identifying' {
  const view = ACCESS_LEVELS[level].view;
  if (!view) throw new Error(`${level} reads no view`);
  return view;
}

/** The metastore object a grant at `level` reads: the level's view for A-3 and A-4, else the table. */
export function tableOfLevel(level: AccessLevelId, table: string): string {
  return isViewLevel(level) ? levelViewName(table, level) : table;
}

/** `<table>__<view>`; a long table name keeps its start and a hash of the whole. */
export function levelViewName(table: string, level: ViewLevel): string {
  const suffix = `__${viewOf(level)}`;
  const name = `${table}${suffix}`;
  if (name.length <= MAX_HIVE_NAME_LENGTH) return name;
  return fitHiveName(table, `_${levelViewSuffixHash(table)}${suffix}`);
}


/** The column the key is read from in the catalog's key table. */
export const HASH_KEY_COLUMN = 'hash_key';

export interface LevelView {
  table: string;
  sql: string;
  columns: HiveColumn[];
  /** Identifying paths that are not in the view at all (A-3: inside arrays, which the view cannot rebuild). */
  dropped: string[];
}

/**
 * The view of `source` for `level`. `identifying` holds column paths as the catalog names them (Hive names,
 * lowercased, `.` between struct fields, `[]` after an array: `props.e_mail`, `items[].email`).
 */
export function levelView(level: ViewLevel, o: { source: TableRef; columns: readonly HiveColumn[]; identifying: ReadonlySet<string>; keyTable: TableRef }): LevelView {
  const dropped: string[] = [];
  const leaveOut = viewOf(level) === 'no_identifying';
  const under = (path: string) => [...o.identifying].some((p) => p.startsWith(`${path}.`) || p.startsWith(`${path}[]`));
  const hashed = (expr: string) => `sha2(concat(k.${quote(HASH_KEY_COLUMN)}, cast(${expr} as string)), 256)`;

  // the expression of a value at `path` and its type, or undefined when the view leaves it out
  const project = (expr: string, path: string, type: HiveType): { expr: string; type: HiveType } | undefined => {
    if (o.identifying.has(path)) {
      if (leaveOut) return undefined;
      return { expr: hashed(expr), type: { kind: 'scalar', name: 'string' } };
    }
    if (!under(path)) return { expr, type };
    if (type.kind === 'struct') {
      const fields: { name: string; expr: string; type: HiveType }[] = [];
      for (const f of type.fields) {
        const p = project(`${expr}.${quote(f.name)}`, pathOf(path, '', f.name.toLowerCase()), f.type);
        if (p) fields.push({ name: f.name, ...p });
      }
      if (fields.length === 0) return undefined;
      // a NULL struct stays NULL rather than becoming a struct of NULLs
      const built = `named_struct(${fields.map((f) => `${sqlString(f.name)}, ${f.expr}`).join(', ')})`;
      return { expr: `case when ${expr} is null then null else ${built} end`, type: { kind: 'struct', fields: fields.map((f) => ({ name: f.name, type: f.type })) } };
    }
    // arrays and maps holding an identifying field: not rebuilt, left out
    dropped.push(path);
    return undefined;
  };

  const select: string[] = [];
  const columns: HiveColumn[] = [];
  for (const c of o.columns) {
    const p = project(`t.${quote(c.name)}`, pathOf(null, '', c.name.toLowerCase()), parseHiveType(c.type));
    if (!p) continue;
    select.push(`${p.expr} as ${quote(c.name)}`);
    columns.push({ name: c.name, type: renderHiveType(p.type) });
  }
  if (select.length === 0) throw new Error(`${o.source.database}.${o.source.table} has no column that is not identifying: no ${level} view`);
  const from = `${quote(o.source.database)}.${quote(o.source.table)} t`;
  const keyJoin = !leaveOut ? ` cross join (select ${quote(HASH_KEY_COLUMN)} from ${quote(o.keyTable.database)}.${quote(o.keyTable.table)} limit 1) k` : '';
  return { table: levelViewName(o.source.table, level), sql: `select ${select.join(', ')} from ${from}${keyJoin}`, columns, dropped };
}
