import { describe, expect, it } from 'vitest';
import { assignHiveNames, fieldKey, isHiveSafe, safeHiveName } from '../../../schema/names';
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
