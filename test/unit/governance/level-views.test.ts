import { describe, expect, it } from 'vitest';
import { levelView, levelViewName, tableOfLevel } from '../../../governance/level-views';
import { parseHiveType } from '../../../schema/hive-types';

const source = { database: 'db', table: 'events' };
const keyTable = { database: 'lake_private', table: 'hash_key' };
const columns = [
  { name: 'id', type: 'bigint' },
  { name: 'e_mail', type: 'string' },
  { name: 'amount', type: 'decimal(10,2)' },
  { name: 'props', type: 'struct<phone:string,plan:string,deep:struct<ip:string>>' },
  { name: 'items', type: 'array<struct<email:string,sku:string>>' },
  { name: 'date_id', type: 'string' },
];
const identifying = new Set(['e_mail', 'props.phone', 'props.deep.ip', 'items[].email']);

describe('the views of A-3 and A-4', () => {
  it('names the object each level reads', () => {
    expect(['A-1', 'A-2', 'A-3', 'A-4', 'A-5'].map((l) => tableOfLevel(l as never, 'events'))).toEqual(['events', 'events', 'events__deidentified', 'events__no_identifying', 'events']);
    const long = levelViewName('t'.repeat(128), 'A-3');
    expect(long.length).toBe(128);
    expect(long.endsWith('__deidentified')).toBe(true);
  });

  it('parses metastore types, decimals included', () => {
    expect(parseHiveType('decimal(10,2)')).toEqual({ kind: 'scalar', name: 'decimal(10,2)' });
    expect(parseHiveType('map<string,array<int>>')).toEqual({ kind: 'map', key: { kind: 'scalar', name: 'string' }, value: { kind: 'array', element: { kind: 'scalar', name: 'int' } } });
  });

  it('A-4 leaves identifying columns and fields out, and arrays holding one', () => {
    const v = levelView('A-4', { source, columns, identifying, keyTable });
    expect(v.table).toBe('events__no_identifying');
    expect(v.columns).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'amount', type: 'decimal(10,2)' },
      { name: 'props', type: 'struct<plan:string>' },
      { name: 'date_id', type: 'string' },
    ]);
    expect(v.sql).not.toMatch(/e_mail|phone|hash_key/);
    expect(v.dropped).toEqual(['items']);
  });

  it('A-3 hashes identifying values with the key read from the catalog\'s key table, never written in the view', () => {
    const v = levelView('A-3', { source, columns, identifying, keyTable });
    expect(v.columns.map((c) => c.name)).toEqual(['id', 'e_mail', 'amount', 'props', 'date_id']);
    expect(v.columns[1]).toEqual({ name: 'e_mail', type: 'string' });
    expect(v.columns[3]).toEqual({ name: 'props', type: 'struct<phone:string,plan:string,deep:struct<ip:string>>' });
    expect(v.sql).toContain('sha2(concat(k.`hash_key`, cast(t.`e_mail` as string)), 256) as `e_mail`');
    expect(v.sql).toContain('cross join (select `hash_key` from `lake_private`.`hash_key` limit 1) k');
  });

  it('refuses a view with no column left', () => {
    expect(() => levelView('A-4', { source, columns: [{ name: 'e_mail', type: 'string' }], identifying, keyTable })).toThrow(/no column that is not identifying/);
  });
});
