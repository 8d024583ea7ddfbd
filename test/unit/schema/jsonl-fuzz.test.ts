// Differential test: the scanner accepts exactly the lines JSON.parse accepts.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { jsonText } from './arbitraries';

// Property runs and child processes: allow for a busy machine.
vi.setConfig({ testTimeout: 60_000 });

/** What the scanner decided about one line: 'object' (a record), 'other' (valid JSON, not an object), 'invalid'. */
function scannerVerdict(line: string): 'object' | 'other' | 'invalid' {
  const r = inferJsonLinesText(line, { file: 'fuzz.jsonl' });
  if (r.records === 1) return 'object';
  expect(r.corruptRecords).toBe(1);
  return r.corruptSamples[0]!.reason.startsWith('top-level value') ? 'other' : 'invalid';
}

function parseVerdict(line: string): 'object' | 'other' | 'invalid' {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? 'object' : 'other';
  } catch {
    return 'invalid';
  }
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

  it('agrees on hand-picked edge cases', () => {
    const cases = [
      '{}', '{"a":1}', '{"a":01}', '{"a":-}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":1e+}', '{"a":-0}', '{"a":1E-7}',
      '{"a":"\\u00e9"}', '{"a":"\\u00g9"}', '{"a":"\\x"}', '{"a":"\t"}', '{"a":tru}', '{"a":nul}', '{"a":[1,]}', '{"a":1,}',
      '{,}', '{"a" 1}', '{"a":1}{"b":2}', '{"a":1} x', '\ufeff{}', '{"a":1}\u00a0', '{"a":[[[[[]]]]]}', '{"":1}', '{"a":"\ud800"}',
      '{"a":NaN}', '{"a":Infinity}', "{'a':1}", '{"a":1e999}', '[{"a":1}]', '"s"', '12', 'null', '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    ];
    for (const c of cases) expect([c, scannerVerdict(c)]).toEqual([c, parseVerdict(c)]);
  });
});
