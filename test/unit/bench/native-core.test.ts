// Differential test of the native-core probe (bench/native-core): the addon's result is the JS scanner's,
// deeply (schema, names, positions, provenance lines, counts, corrupt samples and their reasons), and it
// accepts exactly the lines JSON.parse accepts; the same for its WebAssembly build. Skipped when not built
// (it is a bench probe; `bash bench/native-core/build.sh [wasm]` builds it).
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { EDGE_LINES, loadNativeCore, loadWasmCore, nativeInfer, parseVerdict, type Addon } from '../../../bench/native-core';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { jsonLines, jsonText, shapedRecords } from '../schema/arbitraries';

vi.setConfig({ testTimeout: 60_000 });

const js = (text: string) => inferJsonLinesText(text, { file: 'n.jsonl' });

describe.each([
  ['addon', loadNativeCore()],
  ['WebAssembly', loadWasmCore()],
] as [string, Addon | undefined][])('native-core probe (%s) versus the JS scanner', (_, core) => {
  if (core === undefined) return it.skip('is not built');
  const native = (text: string) => nativeInfer(core, new TextEncoder().encode(text), 'n.jsonl').result;

  it("rejects exactly the lines JSON.parse rejects, with the scanner's reasons", () => {
    for (const line of EDGE_LINES) {
      const n = native(line);
      const verdict = parseVerdict(line);
      // nesting past maxDepth (100) is the scanner's limit, not JSON.parse's
      if (!line.includes('['.repeat(100))) expect([line, n.records === 1 ? 'object' : n.corruptSamples[0]!.reason.startsWith('top-level') ? 'other' : 'invalid']).toEqual([line, verdict]);
      expect([line, n]).toEqual([line, js(line)]);
    }
    expect(native(EDGE_LINES.join('\n'))).toEqual(js(EDGE_LINES.join('\n')));
  });

  it("gives the JS scanner's result for generated documents, corrupt lines included", () => {
    fc.assert(
      fc.property(jsonLines, (lines) => {
        const text = lines.join('\n');
        expect(native(text)).toEqual(js(text));
      }),
      { numRuns: 3_000 },
    );
  });

  it("gives the JS scanner's result for keys in one order, shuffled, or a random subset, tricky keys included", () => {
    fc.assert(
      fc.property(shapedRecords(jsonText), fc.boolean(), (lines, trailingNewline) => {
        const text = lines.join('\n') + (trailingNewline ? '\n' : '');
        expect(native(text)).toEqual(js(text));
      }),
      { numRuns: 2_000 },
    );
  });
});
