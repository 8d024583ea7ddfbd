import { describe, expect, it } from 'vitest';
import { PartitionKeyChecker, topLevelValue } from '../../../schema/infer/partition-keys';

const check = (text: string, keys: string[], values: string[], chunk = 7) => {
  const c = new PartitionKeyChecker(keys, values);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) c.push(bytes.subarray(i, i + chunk));
  return c.end();
};

describe('records that repeat their partition keys', () => {
  it('finds a top-level value, not a nested one, and the last of a repeated key', () => {
    const line = Buffer.from('{"x":{"hour":1},"s":"a\\"hour\\"","hour" : 20,"y":[{"hour":3}],"hour":21}');
    expect(topLevelValue(line, 0, line.length, 'hour')).toBe('21');
    const nested = Buffer.from('{"x":{"hour":1}}');
    expect(topLevelValue(nested, 0, nested.length, 'hour')).toBeUndefined();
  });

  it('counts records whose own value differs from the path, once per record, with the first one', () => {
    const text = [
      '{"date_id":"2019-10-15","hour":20,"v":1}',
      '{"date_id":"2019-10-15","hour":"20"}',
      '{"date_id":"2019-10-16","hour":21}', // both differ: one record
      '{"v":2}', // claims nothing
      '{"hour":null}',
      '{"props":{"hour":5}}', // nested: not the partition key
      '{"hour":20.0}',
      '{"date_id":"2019-10-15","hour":7}',
    ].join('\n');
    const r = check(text, ['date_id', 'hour'], ['2019-10-15', '20']);
    expect(r.mismatches).toBe(2);
    expect(r.first).toEqual({ line: 3, key: 'date_id', value: '"2019-10-16"', path: '2019-10-15' });
  });

  it('reads numbers against a padded path value by number', () => {
    expect(check('{"hour":5}\n{"hour":"5"}\n', ['hour'], ['05']).mismatches).toBe(1);
  });

  it('reads a corrupt line up to where it breaks off: a value before the break counts', () => {
    expect(check('{"hour":\n{"hour":2,\n[1]\n', ['hour'], ['1']).mismatches).toBe(1);
  });

  it('gives the same answer whatever the chunking', () => {
    const text = Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, hour: i % 3 === 0 ? 9 : 8 })).join('\n');
    const whole = check(text, ['hour'], ['8'], 1 << 20);
    for (const size of [1, 2, 3, 13, 64]) expect(check(text, ['hour'], ['8'], size)).toEqual(whole);
    expect(whole.mismatches).toBe(17);
  });
});
