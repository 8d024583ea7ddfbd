import { describe, expect, it } from 'vitest';
import { columnPath, columnsOf, fieldCount, field, structFieldsAlong } from '../../../schema/fields';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { provenanceByPath, shiftProvenanceLines, withoutProvenance } from '../../../schema/provenance';
import { T, type Schema } from '../../../schema/types';
import { forEachField, mapFields, visitSchema } from '../../../schema/visit';
import { renderHiveType } from '../../../schema/hive';

const schemaOf = (...records: object[]) => inferJsonLinesText(records.map((r) => JSON.stringify(r)).join('\n'), { file: 'f' }).schema;

const at = (file: string, line: number) => ({ file, line });
const struct = (...fields: ReturnType<typeof field>[]) => ({ kind: 'struct' as const, fields });

/** A schema with every kind of nesting: struct, array of structs, array of arrays, a map's key and value. */
const nested: Schema = {
  columns: [
    field('Contact', struct(field('EMail', T.string, 0, at('f', 2))), 0, at('f', 1)),
    field('items', T.array(struct(field('sku', T.string, 0, at('f', 3)))), 1, at('f', 1)),
    field('grid', T.array(T.array(struct(field('x', T.int, 0, at('f', 4))))), 2),
    field('attrs', T.map(struct(field('k', T.string, 0, at('f', 5))), struct(field('v', T.bigint, 0, at('f', 6)))), 3),
  ],
};

describe('the schema visitor', () => {
  it('meets every field, parents first, with one path rule through structs, arrays and map values', () => {
    const seen: string[] = [];
    forEachField(nested, (a) => seen.push(`${a.depth}:${a.path}`));
    expect(seen).toEqual(['0:contact', '1:contact.email', '0:items', '1:items[].sku', '0:grid', '1:grid[][].x', '0:attrs', '1:attrs{}.v']);
  });

  it('builds results bottom-up, map keys included', () => {
    const types = visitSchema<string, string>(nested, {
      field: (a, t) => `${a.field.hiveName}:${t}`,
      struct: (_, fs) => `struct<${fs.join(',')}>`,
      array: (_, e) => `array<${e}>`,
      map: (_, k, v) => `map<${k},${v}>`,
      primitive: (t) => renderHiveType(t),
    });
    expect(types).toEqual(nested.columns.map((c) => `${c.hiveName}:${renderHiveType(c.type)}`));
  });

  it('names provenance, columns and column paths of JSON keys alike', () => {
    expect(provenanceByPath(nested)).toEqual({
      contact: at('f', 1), 'contact.email': at('f', 2), items: at('f', 1), 'items[].sku': at('f', 3), 'grid[][].x': at('f', 4), 'attrs{}.v': at('f', 6),
    });
    expect(columnsOf(nested).map((c) => c.path)).toEqual(['contact', 'contact.email', 'items', 'items[].sku', 'grid', 'attrs']);
    expect(columnPath(nested, ['Contact', 'eMail'])).toBe('contact.email');
    expect(columnPath(nested, ['items', 'SKU'])).toBe('items[].sku');
    expect(columnPath(nested, ['grid', 'x'])).toBeUndefined(); // an array of arrays holds no column
  });

  it('counts the fields a path reaches (not those of a map key)', () => {
    expect(fieldCount(nested)).toBe(8);
  });

  it('copies a schema field by field: provenance stripped or shifted at every depth, map keys included', () => {
    const plain = withoutProvenance(nested);
    expect(provenanceByPath(plain)).toEqual({});
    expect(JSON.stringify(plain)).not.toContain('"provenance"');
    const shifted = shiftProvenanceLines(nested, 'f', 10);
    expect(provenanceByPath(shifted)['attrs{}.v']).toEqual(at('f', 16));
    expect(JSON.stringify(shifted)).toContain('{"file":"f","line":15}'); // the map key's field
    expect(mapFields(nested, (f, type) => ({ ...f, type }))).toEqual(nested);
  });

  it('walks keys or Hive names through structs only for views', () => {
    const schema = schemaOf({ props: { 'Kind-Of': 'a' }, items: [{ sku: 'x' }] });
    expect(structFieldsAlong(schema, ['props', 'Kind-Of'])?.map((f) => f.hiveName)).toEqual(['props', 'kind_of']);
    expect(structFieldsAlong(schema, ['props', 'kind_of'])?.map((f) => f.hiveName)).toEqual(['props', 'kind_of']);
    expect(structFieldsAlong(schema, ['items', 'sku'])).toBeUndefined();
    expect(structFieldsAlong(schema, ['nope'])).toBeUndefined();
  });
});
