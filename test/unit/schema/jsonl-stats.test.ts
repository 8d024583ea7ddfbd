// Differential test: the statistics the JSON-lines scanner takes from the bytes are exactly those
// StatsAccumulator gives for the records JSON.parse reads from the same lines, grouped or not.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { JsonLinesScanner } from '../../../schema/infer/jsonl';
import { sliceKey } from '../../../schema/slices';
import { StatsAccumulator, type StatsJSON } from '../../../schema/stats';
import { TRICKY_KEYS, jsonLines, jsonText, shapedRecords } from './arbitraries';

vi.setConfig({ testTimeout: 60_000 });

function parsed(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((l) => {
    try {
      const r: unknown = JSON.parse(l);
      return r !== null && typeof r === 'object' && !Array.isArray(r) ? [r as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

function oracle(records: Record<string, unknown>[]): StatsJSON {
  const acc = new StatsAccumulator();
  for (const r of records) acc.observe(r);
  return acc.toJSON();
}

function scan(lines: string[], discriminators?: string[]) {
  const bytes = new TextEncoder().encode(lines.join('\n'));
  const scanner = new JsonLinesScanner('f.jsonl', { stats: true, ...(discriminators ? { discriminators } : {}) });
  for (let i = 0; i < bytes.length; i += 7) scanner.push(bytes.subarray(i, i + 7));
  return scanner;
}

// Lines that exercise what the scanner must give as JSON.parse does: repeated and escaped keys, keys
// differing in case, objects a field later holds as a string, numbers String() respells, escapes,
// non-ASCII, dates, arrays written with spaces or decimals.
const keys = ['"a"', '"A"', '"b"', '"\\u0061"', '"é"', '"d"'];
const value = fc.oneof(
  jsonText,
  fc.constantFrom('-0', '1.50', '1e2', '12345678901234567890', '"2019-10-15"', '"2019-10-15T20:00:00Z"', '"x\\ny"', '"\\u00e9t\\u00e9"', '"été"', '[1, 2]', '[1.5]', '[{"b":1}]', '["a","b"]', '[true,null,-3]', '{"x":1}', '{"x":"s","y":{"z":2}}', '"s"',
    // identifying patterns, counted per column (and things that look like them)
    '"a@example.com"', '"x\\u0040example.com"', '"+82 10-1234-5678"', '"4111 1111 1111 1111"', '"10.0.0.1"', '"fe80::1"', '"555.123.4567"', '"12.5"', '"2019-10-15 20:00"', '"été@example.com"'),
);
const lineOf = (key: fc.Arbitrary<string>) => fc.array(fc.tuple(key, value), { maxLength: 6 }).map((kvs) => `{${kvs.map(([k, v]) => `${k}:${v}`).join(',')}}`);
const trickyLine = lineOf(fc.constantFrom(...keys, '"kind"'));
const lines = fc.oneof(jsonLines, fc.array(fc.oneof({ weight: 6, arbitrary: trickyLine }, { weight: 1, arbitrary: fc.constantFrom('{"a":', '[1]', '  ', '{"a":1} x') }), { maxLength: 10 }));

describe('statistics taken by the JSON-lines scanner', () => {
  it('are exactly what StatsAccumulator gives for the records JSON.parse reads', () => {
    fc.assert(
      fc.property(lines, (ls) => {
        expect(scan(ls).end().stats).toEqual(oracle(parsed(ls)));
      }),
      { numRuns: 3000 },
    );
  });

  it('are exact for records whose keys come in one order, shuffled, or a random subset, grouped or not', () => {
    // keys met out of place are found by the hash of their bytes: escaped spellings, long common prefixes and colliding hashes must still log each value under its own key
    fc.assert(
      fc.property(shapedRecords(value, [...keys, ...TRICKY_KEYS]), (ls) => {
        const want = oracle(parsed(ls));
        expect(scan(ls).end().stats).toEqual(want);
        expect(scan(ls, ['ab']).endGrouped().stream.stats).toEqual(want);
      }),
      { numRuns: 1500 },
    );
  });

  it('are given per slice when grouped, and the stream the same as ungrouped', () => {
    const kinds = fc.constantFrom('"k1"', '"k2"', '"k3"', 'null', '1');
    // (the kind is not repeated: a number the file spells 1.0 is the slice "1.0", which JSON.parse cannot tell)
    const grouped = fc.array(fc.tuple(kinds, lineOf(fc.constantFrom(...keys))), { maxLength: 10 }).map((xs) => xs.map(([k, l]) => (l === '{}' ? `{"kind":${k}}` : `{"kind":${k},${l.slice(1)}`)));
    fc.assert(
      fc.property(grouped, (ls) => {
        const g = scan(ls, ['kind']).endGrouped();
        const records = parsed(ls);
        expect(g.stream.stats).toEqual(oracle(records));
        const bySlice = new Map<string, Record<string, unknown>[]>();
        for (const r of records) {
          const k = typeof r.kind === 'string' ? sliceKey([r.kind]) : typeof r.kind === 'number' ? sliceKey([String(r.kind)]) : 'remainder';
          bySlice.set(k, [...(bySlice.get(k) ?? []), r]);
        }
        for (const [k, s] of Object.entries(g.slices)) if (s.result.records > 0) expect([k, s.result.stats]).toEqual([k, oracle(bySlice.get(k) ?? [])]);
        expect(g.remainder.stats).toEqual(oracle(bySlice.get('remainder') ?? []));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts numbers as String(number) spells them and compares them as numbers, however they are written', () => {
    const decimal = fc.tuple(fc.integer({ min: -999_999, max: 999_999 }), fc.nat(999_999), fc.nat(8)).map(([a, b, zeros]) => `${a}.${'0'.repeat(zeros)}${b}`);
    const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)), fc.integer().map(String), decimal, fc.constantFrom('1.0', '-0', '-0.0', '1e-7', '0.000001', '123456789012345', '1234567890123456', '1E3', '2.50'));
    fc.assert(
      fc.property(fc.array(number, { maxLength: 20 }), (numbers) => {
        const ls = numbers.map((n) => `{"n":${n}}`);
        expect(scan(ls).end().stats).toEqual(oracle(parsed(ls)));
      }),
      { numRuns: 3000 },
    );
  });

  it('counts the figures of a mixed stream over every record', () => {
    const ls = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ id: i, day: `2019-10-${String(10 + (i % 20)).padStart(2, '0')}`, tag: i % 3 ? `t${i % 400}` : null, n: { x: i / 4 } }));
    const stats = scan(ls).end().stats!;
    expect(stats).toEqual(oracle(parsed(ls)));
    expect(stats.records).toBe(5000);
    expect(stats.columns.day).toMatchObject({ values: 5000, min: '2019-10-10', max: '2019-10-29' });
    expect('dense' in stats.columns.id!.distinct).toBe(true);
  });
});
