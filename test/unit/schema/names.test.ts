import { describe, expect, it } from 'vitest';
import { assignHiveNames, defaultTableName, fieldKey, fitHiveName, isHiveName, isHiveSafe, safeHiveName, suffixedHiveName } from '../../../schema/names';
import { renderHiveType, toHiveColumns } from '../../../schema/hive';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { T } from '../../../schema/types';

describe('column names', () => {
  it('treats names differing only by case as one column', () => {
    expect(fieldKey('userId')).toBe(fieldKey('userid'));
    const r = inferJsonLinesText('{"userId":1}\n{"USERID":2,"userid":3}', { file: 'f' });
    expect(toHiveColumns(r.schema)).toEqual([{ name: 'userid', type: 'bigint' }]);
    expect(r.schema.columns[0]!.name).toBe('USERID'); // smallest spelling, whatever the order
  });
  it('keeps legal names, lowercased', () => {
    expect(isHiveSafe('event_type')).toBe(true);
    expect(safeHiveName('EventType')).toBe('eventtype');
  });
  it('keeps reserved words as they are: engines quote them, and the JSON SerDe matches keys by name', () => {
    expect(isHiveSafe('timestamp')).toBe(true);
    expect(safeHiveName('From')).toBe('from');
  });
  it('gives deterministic safe names to spaces, dots and leading digits', () => {
    expect(safeHiveName('first name')).toBe('first_name');
    expect(safeHiveName('a.b')).toBe('a_b');
    expect(safeHiveName('1st')).toBe('c_1st');
    expect(safeHiveName('')).toBe('c_');
    expect(safeHiveName('x'.repeat(200))).toHaveLength(128);
  });
  it('holds a column name to a letter first and a table name to a letter or _ first, each prefix as published', () => {
    expect(isHiveSafe('_id')).toBe(false);
    expect(safeHiveName('_id')).toBe('c__id');
    expect(isHiveName('_staging')).toBe(true);
    expect(isHiveName('1st')).toBe(false);
    expect(defaultTableName('2019-events')).toBe('t_2019_events');
    expect(defaultTableName('activity-log')).toBe('activity_log');
  });
  it('keeps every Hive name within 128 characters, a long one keeping its start', () => {
    expect(isHiveName('x'.repeat(128))).toBe(true);
    expect(isHiveName('x'.repeat(129))).toBe(false);
    expect(isHiveSafe('x'.repeat(129))).toBe(false);
    expect(fitHiveName('x'.repeat(200), '__tail')).toBe('x'.repeat(122) + '__tail');
    expect(suffixedHiveName('x'.repeat(200), 'k')).toMatch(/^x{119}_[0-9a-f]{8}$/);
  });
  it('settles collisions between safe names from the set of names alone', () => {
    const a = assignHiveNames(['user id', 'user_id', 'user.id']);
    const b = assignHiveNames(['user.id', 'user id', 'user_id']);
    expect(a).toEqual(b);
    expect(a.get('user_id')).toBe('user_id'); // a legal name owns itself
    expect(new Set(a.values()).size).toBe(3);
  });
  it('renders lowercase names inside struct types', () => {
    const r = inferJsonLinesText('{"Wrapper":{"Inner Field":1}}', { file: 'f' });
    expect(toHiveColumns(r.schema)).toEqual([{ name: 'wrapper', type: 'struct<inner_field:bigint>' }]);
  });
  it('renders Hive type strings', () => {
    expect(renderHiveType(T.decimal(20, 0))).toBe('decimal(20,0)');
    expect(renderHiveType(T.map(T.string, T.array(T.int)))).toBe('map<string,array<int>>');
    expect(renderHiveType({ kind: 'struct', fields: [] })).toBe('string');
  });
});
