import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonLinesScanner } from '../../../schema/infer/jsonl';
import { PartitionKeyWatch, topLevelValue, type PartitionKeyCheck } from '../../../schema/infer/partition-keys';

/** What a crawl reports for `text` under the partition keys = values, fed in chunks of `chunk` bytes. */
const check = (text: string, keys: string[], values: string[], chunk = 7): PartitionKeyCheck => {
  const scanner = new JsonLinesScanner('f', { partition: { keys, values } });
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) scanner.push(bytes.subarray(i, i + chunk));
  scanner.end();
  return scanner.partitionKeys()!;
};

/** The same, one record at a time: every line JSON.parse reads as an object, checked by the watch. */
const reference = (text: string, keys: string[], values: string[]): PartitionKeyCheck => {
  const watch = new PartitionKeyWatch(keys, values);
  text.split('\n').forEach((line, i) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return;
    const bytes = Buffer.from(line);
    watch.check(bytes, 0, bytes.length, i + 1);
  });
  return watch.result();
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

  it('leaves a corrupt line to the quarantine: it claims nothing, as engines do not read it', () => {
    expect(check('{"hour":2,\n{"hour":\n[1]\n{"hour":1}\n', ['hour'], ['1'])).toEqual({ mismatches: 0 });
    expect(check('{"hour":2,\n{"hour":3}\n', ['hour'], ['1'])).toEqual({ mismatches: 1, first: { line: 2, key: 'hour', value: '3', path: '1' } });
  });

  it('finds a key first held after many records without it, on its line, and in the last line without a newline', () => {
    const text = `${'{"v":1,"w":"abcdefghij"}\n'.repeat(40_000)}{"hour":3}\n{"hour":4}`;
    expect(check(text, ['date_id', 'hour'], ['2019-10-15', '20'], 1 << 16)).toEqual({ mismatches: 2, first: { line: 40_001, key: 'hour', value: '3', path: '20' } });
  });

  it('checks a key held in another case, as the table reads it, by its own spelling only', () => {
    // "HOUR" is the column hour to the tree; its value is the path's to the check only when spelled as the path
    expect(check('{"HOUR":3}\n{"hour":3}\n', ['hour'], ['20'])).toEqual({ mismatches: 1, first: { line: 2, key: 'hour', value: '3', path: '20' } });
  });

  it('agrees with checking each record JSON.parse reads, for any lines and chunking, grouped or not', () => {
    const keyText = fc.constantFrom('"hour"', '"date_id"', '"hour":', '"hours"', 'hour', 'hour"', 'xhour":', '"h\\"our"', '"Hour"');
    const value = fc.constantFrom('20', '"20"', '7', '"2019-10-15"', '"2019-10-16"', 'null', '{"hour":1}', '[20]', '20.0', '"a\\"hour\\""');
    const member = fc.tuple(fc.constantFrom('"hour"', '"date_id"', '"xhour"', '"my_date_id"', '"x"', '"props"', '"HOUR"', '"h\\u006fur"'), value).map(([k, v]) => `${k}:${v}`);
    const line = fc.oneof(
      fc.array(member, { maxLength: 4 }).map((ms) => `{${ms.join(',')}}`),
      fc.array(fc.oneof(keyText, value, fc.constantFrom('{', '}', ',', ':', ' ', 'x')), { maxLength: 8 }).map((ps) => ps.join('')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), fc.boolean(), (lines, trailing, sizes, grouped) => {
        const text = lines.join('\n') + (trailing ? '\n' : '');
        const keys = ['date_id', 'hour'];
        const values = ['2019-10-15', '20'];
        const scanner = new JsonLinesScanner('f', { partition: { keys, values }, stats: true, ...(grouped ? { discriminators: ['x'] } : {}) });
        const bytes = Buffer.from(text);
        for (let i = 0, n = 0; i < bytes.length; n++) {
          const size = sizes[n % sizes.length]!;
          scanner.push(bytes.subarray(i, i + size));
          i += size;
        }
        if (grouped) scanner.endGrouped();
        else scanner.end();
        expect(scanner.partitionKeys()).toEqual(reference(text, keys, values));
      }),
      { numRuns: 500 },
    );
  });

  it('is not asked without partition keys', () => {
    const scanner = new JsonLinesScanner('f', { partition: { keys: [], values: [] } });
    scanner.push(Buffer.from('{"hour":1}\n'));
    scanner.end();
    expect(scanner.partitionKeys()).toBeUndefined();
  });
});
