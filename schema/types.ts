// The lake type model: everything the source formats can say, nothing more.
// Plain data only (no classes, no bigint) so a Schema is JSON-serialisable and can live in Postgres jsonb.

export type ScalarKind =
  | 'null' // seen only as null (or as an empty array's element): published as string until real values arrive
  | 'boolean'
  | 'int' // 32-bit
  | 'bigint' // 64-bit
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'date'
  | 'timestamp';

export type LakeType =
  | ScalarType
  | DecimalType
  | ArrayType
  | MapType
  | StructType;

export interface ScalarType {
  kind: ScalarKind;
}
export interface DecimalType {
  kind: 'decimal';
  precision: number; // 1..38
  scale: number; // 0..precision
}
export interface ArrayType {
  kind: 'array';
  element: LakeType;
}
/** Hive maps; JSON and CSV never produce them (objects become structs), Parquet and Postgres (hstore) do. */
export interface MapType {
  kind: 'map';
  key: LakeType;
  value: LakeType;
}
export interface StructType {
  kind: 'struct';
  /** Canonical order: see `canonicalFields` in fields.ts. */
  fields: Field[];
}

/** Where a field's current type was first forced. `line` for text formats, `rowGroup` is unused by the
 * footer-only Parquet reader (the footer speaks for the whole file) but kept for row-group level sources. */
export interface Provenance {
  file: string;
  line?: number;
  rowGroup?: number;
}

export interface Field {
  /** Original spelling as found in the data (the smallest of the case variants seen, so it is order-independent). */
  name: string;
  /** Lowercase name Hive can hold as-is; equals `name.toLowerCase()` unless that is not a legal Hive identifier. */
  hiveName: string;
  type: LakeType;
  /** Smallest position the field was seen at among its siblings; orders fields the way the data does. */
  position: number;
  provenance?: Provenance;
}

/** A source's schema: the columns of one Hive table. */
export interface Schema {
  columns: Field[];
}

export const MAX_DECIMAL_PRECISION = 38;

export const T = {
  null: { kind: 'null' } as LakeType,
  boolean: { kind: 'boolean' } as LakeType,
  int: { kind: 'int' } as LakeType,
  bigint: { kind: 'bigint' } as LakeType,
  float: { kind: 'float' } as LakeType,
  double: { kind: 'double' } as LakeType,
  string: { kind: 'string' } as LakeType,
  binary: { kind: 'binary' } as LakeType,
  date: { kind: 'date' } as LakeType,
  timestamp: { kind: 'timestamp' } as LakeType,
  decimal: (precision: number, scale: number): DecimalType => ({ kind: 'decimal', precision, scale }),
  array: (element: LakeType): ArrayType => ({ kind: 'array', element }),
  map: (key: LakeType, value: LakeType): MapType => ({ kind: 'map', key, value }),
} as const;

export function isScalar(t: LakeType): t is ScalarType {
  return t.kind !== 'decimal' && t.kind !== 'array' && t.kind !== 'map' && t.kind !== 'struct';
}
