// The canonical form of a list of sibling fields. Every producer (inference, merge, Parquet, Postgres)
// ends with `canonicalFields`, so equal content means deep-equal objects whatever the arrival order.
import { assignHiveNames, byCodeUnits, fieldKey, isHiveSafe } from './names';
import type { Field, Schema } from './types';

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
