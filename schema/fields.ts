// The canonical form of a list of sibling fields. Every producer (inference, merge, Parquet, Postgres)
// ends with `canonicalFields`, so equal content means deep-equal objects whatever the arrival order.
import { assignHiveNames, byCodeUnits, fieldKey, isHiveSafe } from './names';
import type { Field, LakeType, Schema } from './types';
import { fieldAt, forEachField, isColumn, type FieldAt } from './visit';

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
// samples' masking, `lake describe`, views): see `pathOf` in visit.ts (`props.e_mail`, `items[].sku`).
// Records speak in JSON keys (`props`, `E-Mail`). `childColumn` is the one step from a key to a column;
// `columnsAlong` walks a whole JSON path with it.

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
export function childColumn(schema: Schema, parent: FieldAt | null, key: string): FieldAt | undefined {
  const under = parent === null ? { fields: schema.columns, via: '' as const } : childFieldsOf(parent.field.type);
  if (under === undefined) return undefined;
  const field = fieldOfKey(under.fields, key);
  return field === undefined ? undefined : fieldAt(parent, under.via, field);
}

/** The columns along a JSON path (the keys from a record's top, arrays of objects passed through), or undefined when the schema lacks one. */
export function columnsAlong(schema: Schema, keys: readonly string[]): FieldAt[] | undefined {
  const along: FieldAt[] = [];
  let at: FieldAt | null = null;
  for (const key of keys) {
    at = childColumn(schema, at, key) ?? null;
    if (at === null) return undefined;
    along.push(at);
  }
  return along;
}

/** The column path of a JSON path, or undefined when the schema lacks it. */
export function columnPath(schema: Schema, keys: readonly string[]): string | undefined {
  return columnsAlong(schema, keys)?.at(-1)?.path;
}

/**
 * The fields along a path of keys (or Hive names) through nested structs only, or undefined when the
 * schema lacks one: what a view can select as one value per record (an array's field is many).
 */
export function structFieldsAlong(schema: Schema, names: readonly string[]): Field[] | undefined {
  const along = columnsAlong(schema, names);
  return along?.every((at) => at.via === '') ? along.map((at) => at.field) : undefined;
}

/** Every column of a schema, nested ones included (through structs and arrays of structs), in schema order. */
export function columnsOf(schema: Schema): FieldAt[] {
  const out: FieldAt[] = [];
  forEachField(schema, (at) => {
    if (isColumn(at)) out.push(at);
  });
  return out;
}

/** How many fields a schema has at every depth (struct fields inside arrays and maps' values included). */
export function fieldCount(schema: Schema): number {
  let n = 0;
  forEachField(schema, () => n++);
  return n;
}
