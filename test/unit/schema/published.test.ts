import { describe, expect, it } from 'vitest';
import { publishedSchema, toHiveColumns } from '../../../schema/hive';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';

const infer = (...records: unknown[]) => inferJsonLinesText(records.map((r) => JSON.stringify(r)).join('\n'), { file: 'f' }).schema;

describe('the published form of a schema', () => {
  it('maps each renamed column to the JSON key it reads', () => {
    const p = publishedSchema(infer({ 'E-Mail': 'a', 'a.b': 1, 'first name': 'x', 'User Id': 2, '2nd': true, plain: 1, timestamp: 't' }));
    expect(toHiveColumns(p.schema).map((c) => c.name)).toEqual(['e_mail', 'a_b', 'first_name', 'user_id', 'c_2nd', 'plain', 'timestamp']);
    expect(p.keyMapping).toEqual({ e_mail: 'E-Mail', a_b: 'a.b', first_name: 'first name', user_id: 'User Id', c_2nd: '2nd' });
  });

  it('needs no mapping for names that differ from their key only by case', () => {
    const p = publishedSchema(infer({ URL: 'a' }, { Url: 'b' }));
    expect(toHiveColumns(p.schema)).toEqual([{ name: 'url', type: 'string' }]);
    expect(p.keyMapping).toEqual({});
  });

  it('maps renamed fields inside structs and arrays of structs', () => {
    const p = publishedSchema(infer({ props: { 'First Name': 'x' }, items: [{ 'Item-Id': 1 }] }));
    expect(toHiveColumns(p.schema)).toEqual([
      { name: 'props', type: 'struct<first_name:string>' },
      { name: 'items', type: 'array<struct<item_id:bigint>>' },
    ]);
    expect(p.keyMapping).toEqual({ first_name: 'First Name', item_id: 'Item-Id' });
  });

  it('keeps one key per name across depths: a deeper field whose name another key holds gets a hash suffix', () => {
    const p = publishedSchema(infer({ 'first name': 'top', props: { first_name: 'plain', 'First-Name': 'dash' } }));
    const cols = toHiveColumns(p.schema);
    expect(cols[0]).toEqual({ name: 'first_name', type: 'string' });
    const nested = /^struct<(.*)>$/.exec(cols[1]!.type)![1]!.split(',').map((f) => f.split(':')[0]!);
    expect(nested).toHaveLength(2);
    // every published name reads exactly one key, and no two names read one key
    const readKey = (name: string) => (p.keyMapping[name] ?? name).toLowerCase();
    expect(readKey('first_name')).toBe('first name');
    expect(nested.map(readKey).sort()).toEqual(['first-name', 'first_name']);
    expect(new Set(nested).size).toBe(2);
    expect(nested).not.toContain('first_name');
  });

  it('is deterministic: the same schema gives the same names and mapping', () => {
    const s = infer({ 'a b': 1, x: { a_b: 2, 'A-B': 3 } });
    expect(publishedSchema(s)).toEqual(publishedSchema(structuredClone(s)));
  });

  it('drops top-level fields that repeat a partition key, and renames a field whose safe name would take one', () => {
    const p = publishedSchema(infer({ date_id: '2019-10-15', Hour: 20, 'Date-Id': 'other', v: 1 }), ['date_id', 'hour']);
    expect(p.partitionKeyColumns).toEqual(['date_id', 'hour']);
    const names = toHiveColumns(p.schema).map((c) => c.name);
    expect(names).not.toContain('date_id');
    expect(names).not.toContain('hour');
    expect(names).toContain('v');
    const renamed = names.find((n) => p.keyMapping[n] === 'Date-Id');
    expect(renamed).toMatch(/^date_id_[0-9a-f]{8}$/);
  });

  it('renames instead of dropping for positional formats', () => {
    const p = publishedSchema(infer({ a: 1, date_id: 'x', b: 2 }), ['date_id'], 'rename');
    const names = toHiveColumns(p.schema).map((c) => c.name);
    expect(names).toHaveLength(3);
    expect(names[1]).toMatch(/^date_id_[0-9a-f]{8}$/);
  });
});

describe('the size of a schema', () => {
  it('counts fields at every depth, inside arrays and maps too', async () => {
    const { fieldCount } = await import('../../../schema/fields');
    expect(fieldCount(infer({ a: 1, b: { c: 1, d: [{ e: 1, f: 2 }] } }))).toBe(6);
    expect(fieldCount({ columns: [] })).toBe(0);
  });
});
