// The canonical form of a list of sibling fields. Every producer (inference, merge, Parquet, Postgres)
// ends with `canonicalFields`, so equal content means deep-equal objects whatever the arrival order.
import { assignHiveNames, byCodeUnits, fieldKey, isHiveSafe } from './names';
import type { Field, LakeType, Schema } from './types';

/** Sorted by (smallest position seen, key) with Hive names settled for the whole sibling set. */
export function canonicalFields(fields: readonly Field[]): Field[] {
  const keys = fields.map((f) => fieldKey(f.name));
  // usually every key is its own Hive name: then there is nothing to settle (see assignHiveNames)
  const names = keys.every(isHiveSafeKey) ? null : assignHiveNames(keys);
  return fields
    .map((f, i) => {
      const hiveName = names === null ? keys[i]! : names.get(keys[i]!)!;
      return hiveName === f.hiveName ? f : { ...f, hiveName };
    })
    .sort((a, b) => a.position - b.position || byCodeUnits(fieldKey(a.name), fieldKey(b.name)));
}

const safeKeys = new Map<string, boolean>();

/** isHiveSafe of a (lowercased) key, remembered: inference asks about the same keys over and over. */
function isHiveSafeKey(key: string): boolean {
  let safe = safeKeys.get(key);
  if (safe === undefined) {
    safe = isHiveSafe(key);
    if (safeKeys.size < 100_000) safeKeys.set(key, safe);
  }
  return safe;
}

/** Build a field whose hive name is provisional until `canonicalFields` runs over its siblings. */
export function field(name: string, type: Field['type'], position: number, provenance?: Field['provenance']): Field {
  const f: Field = { name, hiveName: fieldKey(name), type, position };
  if (provenance) f.provenance = provenance;
  return f;
}

// ---- column paths --------------------------------------------------------------------------------
//
// A column path names a column the way people and the catalog do (tags, descriptions, statistics,
// samples' masking, `lake describe`, views): the Hive names from the top, joined by `.`, with `[]` after
// an array of structs (`props.e_mail`, `items[].sku`). Records speak in JSON keys (`props`, `E-Mail`).
// `childColumn` is the one step from a key to a column; `columnPath` walks a whole JSON path with it.

/** A column as reached from the top of a schema: its path and field. */
export interface ColumnAt {
  path: string;
  field: Field;
}

/** The fields under a column, and how its path reaches them: a struct's own, or an array of structs' (`[]`). */
export function childFieldsOf(t: LakeType): { fields: readonly Field[]; via: '' | '[]' } | undefined {
  if (t.kind === 'struct') return { fields: t.fields, via: '' };
  if (t.kind === 'array' && t.element.kind === 'struct') return { fields: t.element.fields, via: '[]' };
  return undefined;
}

const byKeyCache = new WeakMap<readonly Field[], Map<string, Field>>();

/**
 * The field a JSON key names among sibling fields: keys are one column whatever their case (as Hive reads
 * them); a name that is no key's is taken as a Hive name (people write `e_mail` for the key `E-Mail`).
 */
export function fieldOfKey(fields: readonly Field[], key: string): Field | undefined {
  let byKey = byKeyCache.get(fields);
  if (byKey === undefined) {
    byKey = new Map();
    for (const f of fields) byKey.set(fieldKey(f.name), f);
    byKeyCache.set(fields, byKey);
  }
  return byKey.get(fieldKey(key)) ?? fields.find((f) => f.hiveName === key.toLowerCase());
}

/** The column the JSON key `key` names under `parent` (null: the schema's top), or undefined when the schema has none. */
export function childColumn(schema: Schema, parent: ColumnAt | null, key: string): ColumnAt | undefined {
  const under = parent === null ? { fields: schema.columns, via: '' as const } : childFieldsOf(parent.field.type);
  if (under === undefined) return undefined;
  const field = fieldOfKey(under.fields, key);
  if (field === undefined) return undefined;
  return { path: parent === null ? field.hiveName : `${parent.path}${under.via}.${field.hiveName}`, field };
}

/** The column path of a JSON path (the keys from a record's top, arrays of objects passed through), or undefined when the schema lacks it. */
export function columnPath(schema: Schema, keys: readonly string[]): string | undefined {
  let at: ColumnAt | null = null;
  for (const key of keys) {
    at = childColumn(schema, at, key) ?? null;
    if (at === null) return undefined;
  }
  return at?.path;
}

/** A column of a schema at any depth: its path, depth, name as found in the data, and type. */
export interface ColumnEntry {
  path: string;
  depth: number;
  name: string;
  type: LakeType;
}

/** Every column of a schema, nested ones included (through structs and arrays of structs), in schema order. */
export function columnsOf(schema: Schema): ColumnEntry[] {
  const out: ColumnEntry[] = [];
  const visit = (fields: readonly Field[], parent: ColumnAt | null, depth: number): void => {
    for (const f of fields) {
      const at = childColumn(schema, parent, f.name)!;
      out.push({ path: at.path, depth, name: f.name, type: f.type });
      const under = childFieldsOf(f.type);
      if (under) visit(under.fields, at, depth + 1);
    }
  };
  visit(schema.columns, null, 0);
  return out;
}

/**
 * The fields along a path of names into a schema's nested structs, each found among its parent's fields
 * by `find` (default: by Hive name); undefined when one is missing. The one walker of field paths.
 */
export function fieldsAlong(
  schema: Schema,
  names: readonly string[],
  find: (fields: readonly Field[], name: string) => Field | undefined = (fields, name) => fields.find((f) => f.hiveName === name),
): Field[] | undefined {
  let fields: readonly Field[] = schema.columns;
  const along: Field[] = [];
  for (const name of names) {
    const f = find(fields, name);
    if (!f) return undefined;
    along.push(f);
    fields = f.type.kind === 'struct' ? f.type.fields : [];
  }
  return along;
}

/** How many fields a schema has at every depth (struct fields inside arrays and maps included). */
export function fieldCount(schema: Schema): number {
  let n = 0;
  const visit = (t: Field['type']): void => {
    if (t.kind === 'struct') for (const f of t.fields) {
      n++;
      visit(f.type);
    }
    else if (t.kind === 'array') visit(t.element);
    else if (t.kind === 'map') visit(t.value);
  };
  for (const c of schema.columns) {
    n++;
    visit(c.type);
  }
  return n;
}
