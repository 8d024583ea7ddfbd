import fc from 'fast-check';
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

  // The fast path remembers where each key next occurs in a chunk of many lines; one line per push is
  // the plain reading it must agree with.
  it('agrees with reading one line per push, for any lines and chunking', () => {
    const keyText = fc.constantFrom('"hour"', '"date_id"', '"hour":', '"hours"', 'hour', 'hour"', 'xhour":', '"h\\"our"');
    const value = fc.constantFrom('20', '"20"', '7', '"2019-10-15"', '"2019-10-16"', 'null', '{"hour":1}', '[20]', '20.0', '"a\\"hour\\""');
    const member = fc.tuple(fc.constantFrom('"hour"', '"date_id"', '"xhour"', '"my_date_id"', '"x"', '"props"'), value).map(([k, v]) => `${k}:${v}`);
    const line = fc.oneof(
      fc.array(member, { maxLength: 4 }).map((ms) => `{${ms.join(',')}}`),
      fc.array(fc.oneof(keyText, value, fc.constantFrom('{', '}', ',', ':', ' ', 'x')), { maxLength: 8 }).map((ps) => ps.join('')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), (lines, trailing, sizes) => {
        const text = lines.join('\n') + (trailing ? '\n' : '');
        const plain = new PartitionKeyChecker(['date_id', 'hour'], ['2019-10-15', '20']);
        const pieces = text.split('\n');
        pieces.forEach((l, i) => plain.push(Buffer.from(i < pieces.length - 1 ? `${l}\n` : l)));
        const fast = new PartitionKeyChecker(['date_id', 'hour'], ['2019-10-15', '20']);
        const bytes = Buffer.from(text);
        for (let i = 0, n = 0; i < bytes.length; n++) {
          const size = sizes[n % sizes.length]!;
          fast.push(bytes.subarray(i, i + size));
          i += size;
        }
        expect(fast.end()).toEqual(plain.end());
      }),
      { numRuns: 500 },
    );
  });

  it('finds a key after many lines without it in one chunk, on its line', () => {
    const chunk = Buffer.from(`${'{"v":1,"w":"abcdefghij"}\n'.repeat(40_000)}{"hour":3}\n`);
    const c = new PartitionKeyChecker(['date_id', 'hour'], ['2019-10-15', '20']);
    c.push(chunk);
    expect(c.end()).toEqual({ mismatches: 1, first: { line: 40_001, key: 'hour', value: '3', path: '20' } });
  });
});
