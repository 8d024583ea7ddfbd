// The canonical form of a list of sibling fields. Every producer (inference, merge, Parquet, Postgres)
// ends with `canonicalFields`, so equal content means deep-equal objects whatever the arrival order.
import { assignHiveNames, byCodeUnits, fieldKey } from './names';
import type { Field } from './types';

/** Sorted by (smallest position seen, key) with Hive names settled for the whole sibling set. */
export function canonicalFields(fields: readonly Field[]): Field[] {
  const names = assignHiveNames(fields.map((f) => fieldKey(f.name)));
  return fields
    .map((f) => (names.get(fieldKey(f.name)) === f.hiveName ? f : { ...f, hiveName: names.get(fieldKey(f.name))! }))
    .sort((a, b) => a.position - b.position || byCodeUnits(fieldKey(a.name), fieldKey(b.name)));
}

/** Build a field whose hive name is provisional until `canonicalFields` runs over its siblings. */
export function field(name: string, type: Field['type'], position: number, provenance?: Field['provenance']): Field {
  const f: Field = { name, hiveName: fieldKey(name), type, position };
  if (provenance) f.provenance = provenance;
  return f;
}
