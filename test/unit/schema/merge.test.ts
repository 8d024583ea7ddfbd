import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { EMPTY_RESULT, mergeResults, mergeSchemas } from '../../../schema/merge';
import { shiftProvenanceLines, withoutProvenance } from '../../../schema/provenance';
import { toHiveColumns } from '../../../schema/hive';
import { jsonLines, schema } from './arbitraries';

// Property runs and child processes: allow for a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const plain = withoutProvenance;
const infer = (lines: string[], file = 'f.jsonl') => inferJsonLinesText(lines.join('\n'), { file });
const plainResult = (r: ReturnType<typeof infer>) => ({ ...r, schema: plain(r.schema), corruptSamples: r.corruptSamples.map(({ reason }) => reason).sort() });

describe('schema merge laws', () => {
  it('is commutative', () => {
    fc.assert(fc.property(schema, schema, (a, b) => {
      expect(plain(mergeSchemas(a, b))).toEqual(plain(mergeSchemas(b, a)));
    }), { numRuns: 400 });
  });
  it('is associative', () => {
    fc.assert(fc.property(schema, schema, schema, (a, b, c) => {
      expect(plain(mergeSchemas(mergeSchemas(a, b), c))).toEqual(plain(mergeSchemas(a, mergeSchemas(b, c))));
    }), { numRuns: 400 });
  });
  it('is idempotent', () => {
    fc.assert(fc.property(schema, (a) => {
      expect(plain(mergeSchemas(a, a))).toEqual(plain(a));
    }), { numRuns: 400 });
  });
  it('is commutative including provenance', () => {
    fc.assert(fc.property(schema, schema, (a, b) => {
      expect(mergeSchemas(a, b)).toEqual(mergeSchemas(b, a));
    }), { numRuns: 300 });
  });
});

describe('inference composes with merge', () => {
  it('infer(A ++ B) = merge(infer(A), infer(B))', () => {
    fc.assert(fc.property(jsonLines, jsonLines, (a, b) => {
      const whole = infer([...a, ...b]);
      const merged = mergeResults(infer(a), infer(b));
      expect(plainResult(merged)).toEqual(plainResult(whole));
    }), { numRuns: 1000 });
  });

  it('gives the same schema (provenance aside) and the same samples whatever order the files arrive in', () => {
    fc.assert(fc.property(fc.array(jsonLines, { minLength: 1, maxLength: 4 }), fc.nat(), (files, seed) => {
      const results = files.map((lines, i) => infer(lines, `file${i}.jsonl`));
      const shuffled = [...results].sort((x, y) => ((seed ^ x.records * 7919) % 13) - ((seed ^ y.records * 7919) % 13));
      const forward = results.reduce(mergeResults, EMPTY_RESULT);
      const other = shuffled.reduce(mergeResults, EMPTY_RESULT);
      expect(plain(other.schema)).toEqual(plain(forward.schema));
      expect(other.corruptSamples).toEqual(forward.corruptSamples);
    }), { numRuns: 300 });
  });

  it('keeps provenance of consecutive chunks equal to scanning the whole file', () => {
    const lines = ['{"a":1}', '{"a":2,"b":true}', '{"a":2.5}', '{"b":1}', '{"a":3}'];
    for (let cut = 0; cut <= lines.length; cut++) {
      const first = inferJsonLinesText(lines.slice(0, cut).join('\n'), { file: 'f' });
      const second = inferJsonLinesText(lines.slice(cut).join('\n'), { file: 'f', firstLine: cut + 1 });
      expect(mergeResults(first, second).schema).toEqual(infer(lines, 'f').schema);
    }
  });

  it('shifts the provenance lines of a later slice of a file to where the slice starts', () => {
    const first = inferJsonLinesText('{"a":1}\n{"a":2}', { file: 'f' });
    const second = inferJsonLinesText('{"a":1.5}', { file: 'f' });
    const merged = mergeResults(first, { ...second, schema: shiftProvenanceLines(second.schema, 'f', 2) });
    expect(merged.schema).toEqual(inferJsonLinesText('{"a":1}\n{"a":2}\n{"a":1.5}', { file: 'f' }).schema);
    expect(withoutProvenance(merged.schema)).toEqual(withoutProvenance(mergeResults(first, second).schema));
  });

  it('keeps columns missing from new data and publishes null-only ones as string until values arrive', () => {
    const old = infer(['{"a":1,"gone":"x","later":null}']).schema;
    const next = infer(['{"a":2,"later":[1]}']).schema;
    expect(toHiveColumns(old)).toEqual([{ name: 'a', type: 'bigint' }, { name: 'gone', type: 'string' }, { name: 'later', type: 'string' }]);
    expect(toHiveColumns(mergeSchemas(old, next))).toEqual([
      { name: 'a', type: 'bigint' }, { name: 'gone', type: 'string' }, { name: 'later', type: 'array<bigint>' },
    ]);
  });
});
