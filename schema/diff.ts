// Schema changes as named operations (Iceberg's SchemaUpdate idea), each classified additive or breaking.
// Paths are Hive names; `[]` steps into an array's element, `{}` into a map's value, `{key}` into its key.
//
// Additive: new columns or nested fields, lattice widenings that keep values' meaning (int -> bigint ->
// decimal -> double, float -> double, date -> timestamp, a wider decimal) and a null-only field getting its
// first real type. Breaking: a widening that falls back to string (values change meaning), a change that
// is not a widening at all, a removed column, a changed Hive name.
import { fieldKey } from './names';
import { sameType, widensTo } from './lattice';
import type { Field, LakeType, Schema } from './types';

export type ChangeClass = 'additive' | 'breaking';

export type SchemaChange =
  | { op: 'add-column'; path: string[]; type: LakeType; change: ChangeClass }
  | { op: 'add-nested-field'; path: string[]; type: LakeType; change: ChangeClass }
  | { op: 'widen-type'; path: string[]; from: LakeType; to: LakeType; change: ChangeClass }
  | { op: 'change-type'; path: string[]; from: LakeType; to: LakeType; change: ChangeClass }
  | { op: 'remove-column'; path: string[]; type: LakeType; change: ChangeClass }
  | { op: 'remove-nested-field'; path: string[]; type: LakeType; change: ChangeClass }
  | { op: 'rename-hive-column'; path: string[]; from: string; to: string; change: ChangeClass };

export interface SchemaDiff {
  changes: SchemaChange[];
  /** 'none' when the schemas are the same version. */
  change: ChangeClass | 'none';
}

/** The operations turning `before` into `after`, in column order. */
export function diffSchemas(before: Schema, after: Schema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  diffFields(before.columns, after.columns, [], changes);
  return changes;
}

/** Diff of a new version against the previous one (none for the first version: every column is added). */
export function diffVersion(previous: Schema | undefined, next: Schema): SchemaDiff {
  const changes = diffSchemas(previous ?? { columns: [] }, next);
  return { changes, change: changes.length === 0 ? 'none' : changes.some((c) => c.change === 'breaking') ? 'breaking' : 'additive' };
}

function diffFields(before: Field[], after: Field[], path: string[], out: SchemaChange[]): void {
  const nested = path.length > 0;
  const old = new Map(before.map((f) => [fieldKey(f.name), f]));
  const seen = new Set<string>();
  for (const f of after) {
    const key = fieldKey(f.name);
    seen.add(key);
    const o = old.get(key);
    const p = [...path, f.hiveName];
    if (!o) {
      out.push({ op: nested ? 'add-nested-field' : 'add-column', path: p, type: f.type, change: 'additive' });
      continue;
    }
    if (o.hiveName !== f.hiveName) out.push({ op: 'rename-hive-column', path: p, from: o.hiveName, to: f.hiveName, change: 'breaking' });
    diffTypes(o.type, f.type, p, out);
  }
  for (const o of before) {
    if (seen.has(fieldKey(o.name))) continue;
    out.push({ op: nested ? 'remove-nested-field' : 'remove-column', path: [...path, o.hiveName], type: o.type, change: 'breaking' });
  }
}

function diffTypes(from: LakeType, to: LakeType, path: string[], out: SchemaChange[]): void {
  if (from.kind === 'struct' && to.kind === 'struct') return diffFields(from.fields, to.fields, path, out);
  if (from.kind === 'array' && to.kind === 'array') return diffTypes(from.element, to.element, [...path, '[]'], out);
  if (from.kind === 'map' && to.kind === 'map') {
    diffTypes(from.key, to.key, [...path, '{key}'], out);
    return diffTypes(from.value, to.value, [...path, '{}'], out);
  }
  if (sameType(from, to)) return;
  if (widensTo(from, to)) out.push({ op: 'widen-type', path, from, to, change: classifyWidening(from, to) });
  else out.push({ op: 'change-type', path, from, to, change: 'breaking' });
}

function classifyWidening(from: LakeType, to: LakeType): ChangeClass {
  if (from.kind === 'null') return 'additive';
  return to.kind === 'string' ? 'breaking' : 'additive';
}
