// Differential test: the scanner accepts exactly the lines JSON.parse accepts, except records nesting
// deeper than maxDepth, which it rejects on purpose (a limit against hostile input).
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { JSONL_LIMITS, inferJsonLinesText } from '../../../schema/infer/jsonl';
import { fieldKey } from '../../../schema/names';
import { jsonText, shapedRecords } from './arbitraries';
import { nestingDepth } from './json-depth';

// Property runs and child processes: allow for a busy machine.
vi.setConfig({ testTimeout: 60_000 });

/** 'object' (a record), 'other' (valid JSON, not an object), 'too deep' (an object nesting past maxDepth), 'invalid'. */
type Verdict = 'object' | 'other' | 'too deep' | 'invalid';

/** What the scanner decided about one line. */
function scannerVerdict(line: string, maxDepth?: number): Verdict {
  const r = inferJsonLinesText(line, { file: 'fuzz.jsonl', ...(maxDepth !== undefined ? { maxDepth } : {}) });
  if (r.records === 1) return 'object';
  expect(r.corruptRecords).toBe(1);
  const reason = r.corruptSamples[0]!.reason;
  if (reason.startsWith('top-level value')) return 'other';
  if (reason.startsWith(`nesting deeper than ${maxDepth ?? JSONL_LIMITS.maxDepth} levels (maxDepth)`)) return 'too deep';
  return 'invalid';
}

function parseVerdict(line: string, maxDepth: number = JSONL_LIMITS.maxDepth): Verdict {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'invalid';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'other';
  return nestingDepth(line) > maxDepth ? 'too deep' : 'object';
}

// Characters that matter to JSON syntax, plus a few that must be rejected outside strings.
const jsonChars = fc.constantFrom(
  ...'{}[]:,"\\ \t\r/-+.0123456789eEtrufalsn'.split(''),
  'x', 'u', 'b', '\u0000', '\u001f', '\u00e9', '\u2028', '\ufeff', '\ud800', '😀', '\u000b', '\u00a0',
);
const noisyLine = fc.array(jsonChars, { maxLength: 30 }).map((cs) => cs.join(''));

/** A valid JSON text with a few characters inserted, deleted or replaced. */
const mutatedJson = fc
  .tuple(jsonText, fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), jsonChars), { minLength: 1, maxLength: 3 }))
  .map(([text, edits]) => {
    let s = text;
    for (const [at, op, ch] of edits) {
      const i = s.length === 0 ? 0 : at % (s.length + 1);
      if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
      else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
      else s = s.slice(0, i) + ch + s.slice(i + 1);
    }
    return s;
  });

const spaced = (a: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom('', ' ', '\t', '\r', ' \r'), a, fc.constantFrom('', ' ', '\r', '\t')).map(([l, s, r]) => l + s + r);

const line = fc
  .oneof(spaced(jsonText), spaced(mutatedJson), noisyLine, fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }))
  .map((s) => s.replace(/\n/g, ' '))
  .filter((s) => s.trim().length > 0 && !/^[ \t\r]*$/.test(s));

describe('JSON lines scanner versus JSON.parse', () => {
  it('accepts exactly the lines JSON.parse accepts, and counts only objects as records', () => {
    fc.assert(
      fc.property(line, (l) => {
        expect(scannerVerdict(l)).toBe(parseVerdict(l));
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes records whose keys come in one order, shuffled, or a random subset as JSON.parse reads them, each key a column', () => {
    fc.assert(
      fc.property(shapedRecords(jsonText), (lines) => {
        const r = inferJsonLinesText(lines.join('\n'), { file: 'fuzz.jsonl' });
        const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(r.records).toBe(objects.length);
        expect(new Set(r.schema.columns.map((c) => fieldKey(c.name)))).toEqual(new Set(objects.flatMap((o) => Object.keys(o).map(fieldKey))));
        for (const l of lines) expect(scannerVerdict(l)).toBe(parseVerdict(l));
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees on hand-picked edge cases', () => {
    const cases = [
      '{}', '{"a":1}', '{"a":01}', '{"a":-}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":1e+}', '{"a":-0}', '{"a":1E-7}',
      '{"a":"\\u00e9"}', '{"a":"\\u00g9"}', '{"a":"\\x"}', '{"a":"\t"}', '{"a":tru}', '{"a":nul}', '{"a":[1,]}', '{"a":1,}',
      '{,}', '{"a" 1}', '{"a":1}{"b":2}', '{"a":1} x', '\ufeff{}', '{"a":1}\u00a0', '{"a":[[[[[]]]]]}', '{"":1}', '{"a":"\ud800"}',
      '{"a":NaN}', '{"a":Infinity}', "{'a':1}", '{"a":1e999}', '[{"a":1}]', '"s"', '12', 'null', '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
      '{"a":' + '['.repeat(99) + ']'.repeat(99) + '}', '{"a":' + '['.repeat(100) + ']'.repeat(100) + '}', '{"a":' + '{"b":'.repeat(100) + '1' + '}'.repeat(100) + '}',
      '{"a":1,"a":{"b":' + '['.repeat(98) + ']'.repeat(98) + '}}', '{"a":1,"a":{"b":' + '['.repeat(99) + ']'.repeat(99) + '}}',
      '['.repeat(5000) + ']'.repeat(5000), '{"a":{"b":{},"b":null}}', '{"a":[],"a":' + '['.repeat(99) + ']'.repeat(99) + '}',
    ];
    for (const c of cases) expect([c, scannerVerdict(c)]).toEqual([c, parseVerdict(c)]);
    // the record is level 1: 99 arrays inside it reach the default limit of 100, one more passes it
    expect(scannerVerdict('{"a":' + '['.repeat(99) + ']'.repeat(99) + '}')).toBe('object');
    expect(scannerVerdict('{"a":' + '['.repeat(100) + ']'.repeat(100) + '}')).toBe('too deep');
  });

  it('finds a control character, quote or backslash at any offset of a string, also in a field already string', () => {
    // strings are read four bytes at a time: each special byte at each place in a word, beside bytes just above and below it
    const specials = ['\u0000', '\u001f', '\t', '"', '\\', '\\n', '\\u0041', '\\x'];
    const neighbours = ['\u0020', '!', '#', '[', ']', '\u007f', 'é', '😀'];
    for (const sp of specials)
      for (const nb of neighbours)
        for (let at = 0; at < 9; at++) {
          const text = nb.repeat(at) + sp + nb.repeat(9 - at);
          for (const l of [`{"k":"${text}"}`, `{"k":"s","k":"${text}"}`, `{"${text}":1}`]) expect([l, scannerVerdict(l)]).toEqual([l, parseVerdict(l)]);
        }
  });

  it('finds the first of several such bytes in one word of a string', () => {
    // the scanner jumps to the first byte its word test flags: two such bytes at every distance within a word, either order, every offset
    const specials = ['\u0001', '\u001f', '"', '\\', '\\n', '\\u00e9'];
    for (const a of specials)
      for (const b of specials)
        for (const nb of ['a', 'é'])
          for (let at = 0; at < 5; at++)
            for (let gap = 0; gap < 4; gap++) {
              const text = nb.repeat(at) + a + nb.repeat(gap) + b + nb.repeat(6);
              for (const l of [`{"k":"${text}"}`, `{"k":"s","k":"${text}"}`, `{"${text}":1}`]) expect([l, scannerVerdict(l)]).toEqual([l, parseVerdict(l)]);
            }
  });

  it('rejects exactly the records JSON.parse accepts that nest deeper than maxDepth', () => {
    // A small limit, so that generated values cross it, in typed fields and in fields already string (validated only).
    fc.assert(
      fc.property(line, fc.integer({ min: 1, max: 4 }), (l, maxDepth) => {
        const expected = parseVerdict(l, maxDepth);
        const actual = scannerVerdict(l, maxDepth);
        // a line JSON.parse rejects may break the limit before its syntax error
        if (expected === 'invalid') expect(['invalid', 'too deep']).toContain(actual);
        else expect(actual).toBe(expected);
      }),
      { numRuns: 5_000 },
    );
  });
});
