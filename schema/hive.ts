// Rendering to Hive: type strings as Hive writes them (`bigint`, `decimal(20,0)`,
// `array<struct<p:bigint,q:string>>`), lowercase column names, and names and strings quoted for Hive SQL.
import { fieldKey, suffixedHiveName } from './names';
import type { Field, LakeType, Schema } from './types';

/** A table or view in the metastore. */
export interface TableRef {
  database: string;
  table: string;
}

/** A column as the metastore holds it. */
export interface HiveColumn {
  name: string;
  type: string; // a Hive type string: bigint, array<struct<p:bigint>>, …
  comment?: string;
}

export function renderHiveType(t: LakeType): string {
  switch (t.kind) {
    case 'null':
      return 'string'; // no values yet: string until real values arrive (the schema keeps 'null' to learn later)
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'array':
      return `array<${renderHiveType(t.element)}>`;
    case 'map':
      return `map<${renderHiveType(t.key)},${renderHiveType(t.value)}>`;
    case 'struct':
      // Hive has no empty struct; an object only ever seen empty is published like a null-only field.
      if (t.fields.length === 0) return 'string';
      return `struct<${t.fields.map((f) => `${f.hiveName}:${renderHiveType(f.type)}`).join(',')}>`;
    default:
      return t.kind;
  }
}

/** A Hive identifier in backticks (a backtick inside is doubled, as Hive reads it). */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** A Hive/Spark SQL string literal: single quotes, backslash escapes for `\`, `'` and control characters. */
export function quoteString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + "'";
}

export function toHiveColumns(schema: Schema): HiveColumn[] {
  return schema.columns.map((f: Field) => ({ name: f.hiveName, type: renderHiveType(f.type) }));
}

/**
 * What a table is published as: its columns without the partition keys that records repeat (Hive forbids
 * a data column named like a partition column; the path's value is the one engines read), and the JSON
 * key each renamed column or struct field reads.
 *
 * Engines read JSON tables through the OpenX JSON SerDe, whose `mapping.<name>` properties are global:
 * one name reads one (lowercased) JSON key at every depth. So the Hive names of the whole tree must be
 * one-to-one with the keys they read. Walking breadth first, each name is claimed by the first key that
 * uses it; a deeper field whose name is claimed by another key gets a stable hash suffix instead. Top-level
 * columns are claimed first and never renamed here, so a column keeps the name the catalog shows.
 */
export interface PublishedSchema {
  schema: Schema;
  /** Hive name → the JSON key it reads, for every name that is not its own key lowercased. */
  keyMapping: Record<string, string>;
  /** Top-level fields that repeat a partition key (their Hive names in the catalog). */
  partitionKeyColumns: string[];
}

/**
 * `repeated`: what becomes of a top-level field that repeats a partition key. Readers that find columns by
 * name (JSON, Parquet) drop it; a positional reader (CSV) must keep its place, so it is renamed.
 */
export function publishedSchema(schema: Schema, partitionKeys: readonly string[] = [], repeated: 'drop' | 'rename' = 'drop'): PublishedSchema {
  const keys = new Set(partitionKeys.map((k) => k.toLowerCase()));
  // a partition column reads no JSON key: any field that would take its name must take another
  const claims = new Map<string, string | null>([...keys].map((k) => [k, null]));
  const keyMapping: Record<string, string> = {};
  const partitionKeyColumns: string[] = [];

  const claim = (f: Field, siblings: Set<string>): Field => {
    const key = fieldKey(f.name);
    let name = f.hiveName;
    if (claims.has(name) && claims.get(name) !== key) {
      name = suffixedHiveName(f.hiveName, key);
      for (let n = 2; (claims.has(name) && claims.get(name) !== key) || siblings.has(name); n++) name = suffixedHiveName(f.hiveName, `${key}#${n}`);
    }
    claims.set(name, key);
    siblings.add(name);
    if (name !== key) keyMapping[name] = f.name;
    return name === f.hiveName ? f : { ...f, hiveName: name };
  };

  // Breadth first: every name of one depth is claimed before any of the next. A struct's copy gets its
  // field list when that list is settled, one level later.
  type Pending = { fields: readonly Field[]; settle: (fields: Field[]) => void };
  let columns: Field[] = [];
  const top = schema.columns.filter((c) => {
    if (!keys.has(fieldKey(c.name))) return true;
    partitionKeyColumns.push(c.hiveName);
    return repeated === 'rename';
  });
  let level: Pending[] = [{ fields: top, settle: (fields) => (columns = fields) }];
  while (level.length > 0) {
    const next: Pending[] = [];
    for (const { fields, settle } of level) {
      const siblings = new Set<string>();
      settle(fields.map((f) => {
        const named = claim(f, siblings);
        return { ...named, type: withStructs(named.type, (structFields, settleStruct) => next.push({ fields: structFields, settle: settleStruct })) };
      }));
    }
    level = next;
  }
  return { schema: { columns }, keyMapping, partitionKeyColumns };
}

/** A copy of `t` whose struct field lists are filled in later through `settle` (see publishedSchema). */
function withStructs(t: LakeType, visit: (fields: readonly Field[], settle: (settled: Field[]) => void) => void): LakeType {
  switch (t.kind) {
    case 'struct': {
      const copy: { kind: 'struct'; fields: Field[] } = { kind: 'struct', fields: [] };
      visit(t.fields, (settled) => (copy.fields = settled));
      return copy;
    }
    case 'array':
      return { kind: 'array', element: withStructs(t.element, visit) };
    case 'map':
      return { kind: 'map', key: t.key, value: withStructs(t.value, visit) };
    default:
      return t;
  }
}

/**
 * `schema` with the names the published `reference` gives the same keys (a logical source's schema named
 * as its stream's table publishes it), and without the fields `reference` left out (repeated partition
 * keys) where `drop` names them. Fields `reference` lacks keep their own names.
 */
export function withNamesOf(schema: Schema, reference: Schema, drop: readonly string[] = []): Schema {
  const dropped = new Set(drop);
  const rename = (fields: readonly Field[], ref: readonly Field[] | undefined): Field[] => {
    const byKey = new Map((ref ?? []).map((f) => [fieldKey(f.name), f]));
    return fields.map((f) => {
      const r = byKey.get(fieldKey(f.name));
      return { ...f, hiveName: r?.hiveName ?? f.hiveName, type: renameType(f.type, r?.type) };
    });
  };
  const renameType = (t: LakeType, ref: LakeType | undefined): LakeType => {
    switch (t.kind) {
      case 'struct':
        return { kind: 'struct', fields: rename(t.fields, ref?.kind === 'struct' ? ref.fields : undefined) };
      case 'array':
        return { kind: 'array', element: renameType(t.element, ref?.kind === 'array' ? ref.element : undefined) };
      case 'map':
        return { kind: 'map', key: t.key, value: renameType(t.value, ref?.kind === 'map' ? ref.value : undefined) };
      default:
        return t;
    }
  };
  return { columns: rename(schema.columns.filter((c) => !dropped.has(c.hiveName)), reference.columns) };
}
