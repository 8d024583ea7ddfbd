// Rendering to Hive: type strings as Hive writes them (`bigint`, `decimal(20,0)`,
// `array<struct<p:bigint,q:string>>`) and lowercase column names.
import type { Field, LakeType, Schema } from './types';

export interface HiveColumn {
  name: string;
  type: string;
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

export function toHiveColumns(schema: Schema): HiveColumn[] {
  return schema.columns.map((f: Field) => ({ name: f.hiveName, type: renderHiveType(f.type) }));
}
