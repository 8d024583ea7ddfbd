// The one walk over a schema's nested types, in the manner of Iceberg's `TypeUtil.visit`: post-order, each
// type's result built from its children's, with a `beforeField` hook for visitors that collect in schema
// order. Every field is met with its path, and paths are made here only (`pathOf`), so statistics,
// masking, tags, provenance and describe name a field the same way.
import type { ArrayType, Field, LakeType, MapType, Schema, StructType } from './types';

/** A field where the walk meets it. */
export interface FieldAt {
  field: Field;
  /**
   * Hive names from the top joined by `.`, with `[]` after an array and `{}` after a map's values on the
   * way (`props.e_mail`, `items[].sku`, `attrs{}.x`); fields inside a map's key pass `{key}`.
   */
  path: string;
  /** The field whose type holds this one; null for a column of the table. */
  parent: FieldAt | null;
  /** What lies between the parent's type and the struct holding this field: '' (none), '[]', '{}', '[][]', ... */
  via: string;
  /** 0 for a column of the table. */
  depth: number;
}

/** The path of a field named `hiveName` under the field at `parentPath` (null: the top), reached `via` arrays and maps. */
export function pathOf(parentPath: string | null, via: string, hiveName: string): string {
  return parentPath === null ? hiveName : `${parentPath}${via}.${hiveName}`;
}

/** The path of a diff's steps (Hive names, and `[]`, `{}`, `{key}` for what arrays and maps hold) as
 *  pathOf writes it: `items[].sku`, `m{}.x`. */
export function pathOfSteps(steps: readonly string[]): string {
  let out = '';
  for (const s of steps) out += s === '[]' || s === '{}' || s === '{key}' || out === '' ? s : `.${s}`;
  return out;
}

/** Where `field` sits under `parent`, reached `via` arrays and maps. */
export function fieldAt(parent: FieldAt | null, via: string, field: Field): FieldAt {
  return { field, path: pathOf(parent === null ? null : parent.path, via, field.hiveName), parent, via, depth: parent === null ? 0 : parent.depth + 1 };
}

/** True when a field is a column people name (tag, describe, mask): reached through structs and arrays of structs only. */
export function isColumn(at: FieldAt): boolean {
  for (let a: FieldAt | null = at; a !== null; a = a.parent) if (a.via !== '' && a.via !== '[]') return false;
  return true;
}

/** F: a field's result; T: a type's. */
export interface SchemaVisitor<F, T> {
  /** Before the field's type is visited, parents before children, in schema order. Not called inside a map's key, which holds no column. */
  beforeField?(at: FieldAt): void;
  field(at: FieldAt, type: T): F;
  struct(t: StructType, fields: F[]): T;
  array(t: ArrayType, element: T): T;
  map(t: MapType, key: T, value: T): T;
  /** Scalars and decimals. */
  primitive(t: LakeType): T;
}

/** The visitor's result for each column of `schema`. */
export function visitSchema<F, T>(schema: Schema, visitor: SchemaVisitor<F, T>): F[] {
  return schema.columns.map((f) => visitField(f, null, '', visitor, false));
}

function visitField<F, T>(f: Field, parent: FieldAt | null, via: string, visitor: SchemaVisitor<F, T>, inKey: boolean): F {
  const at = fieldAt(parent, via, f);
  if (!inKey) visitor.beforeField?.(at);
  return visitor.field(at, visitType(f.type, at, '', visitor, inKey));
}

function visitType<F, T>(t: LakeType, owner: FieldAt | null, via: string, visitor: SchemaVisitor<F, T>, inKey: boolean): T {
  switch (t.kind) {
    case 'struct':
      return visitor.struct(t, t.fields.map((f) => visitField(f, owner, via, visitor, inKey)));
    case 'array':
      return visitor.array(t, visitType(t.element, owner, via + '[]', visitor, inKey));
    case 'map':
      return visitor.map(t, visitType(t.key, owner, via + '{key}', visitor, true), visitType(t.value, owner, via + '{}', visitor, inKey));
    default:
      return visitor.primitive(t);
  }
}

const nothing = (): void => undefined;

/** Calls `fn` for every field, parents first, in schema order (fields inside a map's key aside). */
export function forEachField(schema: Schema, fn: (at: FieldAt) => void): void {
  visitSchema<void, void>(schema, { beforeField: fn, field: nothing, struct: nothing, array: nothing, map: nothing, primitive: nothing });
}

/** A copy of `schema` with every field, at every depth, replaced by `fn` of it and its type's copy. */
export function mapFields(schema: Schema, fn: (f: Field, type: LakeType, at: FieldAt) => Field): Schema {
  return {
    columns: visitSchema<Field, LakeType>(schema, {
      field: (at, type) => fn(at.field, type, at),
      struct: (_, fields) => ({ kind: 'struct', fields }),
      array: (_, element) => ({ kind: 'array', element }),
      map: (_, key, value) => ({ kind: 'map', key, value }),
      primitive: (t) => t,
    }),
  };
}
