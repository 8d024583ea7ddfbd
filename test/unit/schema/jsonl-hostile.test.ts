// Hostile JSON lines: input made to exhaust memory or time. Each case checks what is counted, the corrupt
// sample (line and reason), that the corrupt record left the schema as it was, the time taken and, where
// the input is large, that memory stays bounded.
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { JSONL_LIMITS, JsonLinesScanner, inferJsonLines, inferJsonLinesText, type JsonLinesOptions } from '../../../schema/infer/jsonl';
import type { InferenceResult } from '../../../schema/merge';
import { cpuNowMs } from '../support/cpu-time';

vi.setConfig({ testTimeout: 120_000 });

const encoder = new TextEncoder();
const CHUNK = 64 * 1024;
const MB = 1e6;
/** Room for the scan to grow, well under what buffering the hostile line would take. */
const RSS_BOUND = 300 * MB;

interface Scan {
  result: InferenceResult;
  cpuSeconds: number;
  /** Peak RSS over the scan minus RSS before it. */
  rssGrowth: number;
}

/** Feeds the chunks to one scanner, sampling RSS as it goes. */
function scan(chunks: Iterable<Uint8Array>, opts: JsonLinesOptions = {}): Scan {
  const before = process.memoryUsage().rss;
  let peak = before;
  const t = cpuNowMs();
  const scanner = new JsonLinesScanner('hostile.jsonl', opts);
  let n = 0;
  for (const chunk of chunks) {
    scanner.push(chunk);
    if (++n % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const result = opts.discriminators ? scanner.endGrouped().stream : scanner.end();
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, cpuSeconds: (cpuNowMs() - t) / 1000, rssGrowth: peak - before };
}

/** The bytes in CHUNK-sized pieces. */
function* chunksOf(bytes: Uint8Array, size = CHUNK): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** `prefix`, then `length` bytes of `fill` (one reused buffer: the test itself holds no big line), then `suffix`. */
function* longLine(prefix: string, length: number, fill: number, suffix: string): Generator<Uint8Array> {
  yield encoder.encode(prefix);
  const piece = new Uint8Array(CHUNK).fill(fill);
  for (let left = length; left > 0; left -= CHUNK) yield left >= CHUNK ? piece : piece.subarray(0, left);
  yield* chunksOf(encoder.encode(suffix));
}

/** The schema the document gives with its corrupt lines blanked (line numbers kept): what a corrupt line must not change. */
function schemaWithout(lines: string[], corrupt: number[], file = 'hostile.jsonl') {
  return inferJsonLinesText(lines.map((l, i) => (corrupt.includes(i + 1) ? '' : l)).join('\n'), { file }).schema;
}

const validTail = Array.from({ length: 1000 }, (_, i) => `{"id":${i},"name":"n${i}","tags":["a","é"]}`);

describe('JSON lines limits against hostile input', () => {
  it('has the documented defaults', () => {
    expect(JSONL_LIMITS).toEqual({ maxRecordBytes: 16 * 1024 * 1024, maxDepth: 100, maxFieldsPerObject: 10_000, maxColumns: 100_000 });
    expect(() => new JsonLinesScanner('f', { maxRecordBytes: 0 })).toThrow('JsonLinesOptions.maxRecordBytes must be a positive integer or Infinity, got 0');
    expect(() => new JsonLinesScanner('f', { maxDepth: 1.5 })).toThrow(/maxDepth/);
  });

  describe('a line longer than maxRecordBytes', () => {
    const reason = `line longer than ${JSONL_LIMITS.maxRecordBytes} bytes (maxRecordBytes)`;

    it('is one corrupt record, skipped without being buffered, when 40 MB arrive in 64 KiB chunks', () => {
      const head = '{"id":0,"name":"first"}\n';
      const tail = '"}\n' + validTail.join('\n') + '\n';
      const s = scan(longLine(head + '{"leak":{"x":1},"big":"', 40 * MB, 0x78, tail));
      expect(s.result.records).toBe(1 + validTail.length);
      expect(s.result.corruptRecords).toBe(1);
      expect(s.result.corruptSamples).toEqual([{ file: 'hostile.jsonl', line: 2, reason }]);
      expect(s.result.schema).toEqual(schemaWithout(['{"id":0,"name":"first"}', '{"leak":1}', ...validTail], [2]));
      expect(s.cpuSeconds).toBeLessThan(5);
      expect(s.rssGrowth).toBeLessThan(RSS_BOUND);
    });

    it('is corrupt the same way when it arrives whole in one chunk', () => {
      const lines = ['{"id":0}', `{"leak":1,"big":"${'x'.repeat(JSONL_LIMITS.maxRecordBytes)}"}`, '{"id":2}'];
      const bytes = encoder.encode(lines.join('\n'));
      const whole = scan([bytes]);
      expect(whole.result.records).toBe(2);
      expect(whole.result.corruptSamples).toEqual([{ file: 'hostile.jsonl', line: 2, reason }]);
      expect(whole.result.schema).toEqual(schemaWithout(lines, [2]));
      expect(scan(chunksOf(bytes)).result).toEqual(whole.result);
    });

    it('takes a line of exactly maxRecordBytes, and counts one byte more as corrupt, also at the end without a newline', () => {
      const line = (n: number) => `{"a":"${'x'.repeat(n - 8)}"}`;
      const r = inferJsonLinesText([line(64), line(65), ' '.repeat(65), line(64), line(65)].join('\n'), { file: 'f', maxRecordBytes: 64 });
      expect(r.records).toBe(2);
      expect(r.corruptSamples.map((c) => [c.line, c.reason])).toEqual([2, 3, 5].map((l) => [l, 'line longer than 64 bytes (maxRecordBytes)']));
    });

    it('keeps memory bounded on NUL bytes without a newline (as from /dev/zero)', () => {
      const s = scan(longLine('', 512 * MB, 0, ''));
      expect(s.result.records).toBe(0);
      expect(s.result.corruptRecords).toBe(1);
      expect(s.result.corruptSamples).toEqual([{ file: 'hostile.jsonl', line: 1, reason }]);
      expect(s.result.schema).toEqual({ columns: [] });
      expect(s.cpuSeconds).toBeLessThan(10);
      expect(s.rssGrowth).toBeLessThan(RSS_BOUND);
    });

    it('keeps memory bounded on a small gzip holding one huge line, then reads the lines after it', async () => {
      // 48 gzip members of 16 MiB of NUL bytes each: 768 MiB from under a megabyte
      const member = gzipSync(new Uint8Array(16 * 1024 * 1024));
      const after = gzipSync(encoder.encode('\n{"id":1}\n{"id":2}\n'));
      const gz = Buffer.concat([...Array.from({ length: 48 }, () => member), after]);
      expect(gz.length).toBeLessThan(1 * MB);
      const before = process.memoryUsage().rss;
      let peak = before;
      async function* sampled(stream: AsyncIterable<Uint8Array>) {
        for await (const chunk of stream) {
          peak = Math.max(peak, process.memoryUsage().rss);
          yield chunk;
        }
      }
      const t = cpuNowMs();
      const r = await inferJsonLines(sampled(Readable.from([gz]).pipe(createGunzip())), { file: 'hostile.jsonl.gz' });
      expect((cpuNowMs() - t) / 1000).toBeLessThan(15);
      expect(r.records).toBe(2);
      expect(r.corruptSamples).toEqual([{ file: 'hostile.jsonl.gz', line: 1, reason }]);
      expect(r.schema).toEqual(schemaWithout(['', '{"id":1}', '{"id":2}'], [], 'hostile.jsonl.gz'));
      expect(peak - before).toBeLessThan(RSS_BOUND);
    });
  });

  describe('many distinct keys', () => {
    const unlimited = { maxFieldsPerObject: Infinity, maxColumns: Infinity };
    const keyPerLine = (n: number) => Array.from({ length: n }, (_, i) => `{"key_${i}":${i}}`);

    for (const [n, seconds] of [
      [100_000, 6],
      [200_000, 10],
    ] as const) {
      it(`types ${n} keys, one new key per line, in linear time`, () => {
        const lines = keyPerLine(n);
        const s = scan(chunksOf(encoder.encode(lines.join('\n') + '\n{"key_0":"widened"}\n')), unlimited);
        expect(s.result.records).toBe(n + 1);
        expect(s.result.corruptRecords).toBe(0);
        expect(s.result.schema.columns).toHaveLength(n);
        expect(s.result.schema.columns[0]).toMatchObject({ name: 'key_0', type: { kind: 'string' }, provenance: { line: n + 1 } });
        expect(s.cpuSeconds).toBeLessThan(seconds);
        expect(s.rssGrowth).toBeLessThan(RSS_BOUND);
      });
    }

    it('types one record of 100,000 keys, and the same keys in reverse order, in linear time', () => {
      const keys = Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`);
      const text = `{${keys.join(',')}}\n{${keys.reverse().join(',')}}\n`;
      for (const opts of [unlimited, { ...unlimited, stats: true }, { ...unlimited, discriminators: ['k7'] }]) {
        const s = scan(chunksOf(encoder.encode(text)), opts);
        expect(s.result.records).toBe(2);
        expect(s.result.corruptRecords).toBe(0);
        expect(s.result.schema.columns).toHaveLength(100_000);
        expect(s.cpuSeconds).toBeLessThan(8);
      }
    });

    it('undoes one corrupt line carrying 100,000 new keys in linear time', () => {
      const corrupt = `{${Array.from({ length: 100_000 }, (_, i) => `"new_${i}":{"x":[${i}]}`).join(',')},"bad":tru}`;
      const lines = ['{"id":1,"name":"a"}', corrupt, '{"id":2.5,"new_7":true}'];
      const s = scan(chunksOf(encoder.encode(lines.join('\n'))), unlimited);
      expect(s.result.records).toBe(2);
      expect(s.result.corruptRecords).toBe(1);
      expect(s.result.corruptSamples).toEqual([{ file: 'hostile.jsonl', line: 2, reason: `Unexpected token '}' in JSON at position ${corrupt.length - 1}` }]);
      expect(s.result.schema).toEqual(schemaWithout(lines, [2]));
      expect(s.cpuSeconds).toBeLessThan(6);
    });

    it('quarantines the records past maxFieldsPerObject (default 10,000) and keeps reading, quickly', () => {
      const lines = keyPerLine(200_000);
      const s = scan(chunksOf(encoder.encode([...lines, '{"key_5":5}'].join('\n'))));
      expect(s.result.records).toBe(10_001);
      expect(s.result.corruptRecords).toBe(190_000);
      expect(s.result.corruptSamples[0]).toEqual({
        file: 'hostile.jsonl',
        line: 10_001,
        reason: 'record adds field "key_10000" past the limit of 10000 fields in one object (maxFieldsPerObject) at position 1',
      });
      expect(s.result.schema).toEqual(schemaWithout(lines.slice(0, 10_000), []));
      expect(s.cpuSeconds).toBeLessThan(5);
    });
  });

  describe('nesting deeper than maxDepth', () => {
    const reasonAt = (position: number) => `nesting deeper than ${JSONL_LIMITS.maxDepth} levels (maxDepth) at position ${position}`;

    it('is a corrupt record, typed or only validated, however deep (JSON.parse would take it)', () => {
      const arrays = `{"leak":1,"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
      const objects = `{"s":${'{"o":'.repeat(200_000)}1${'}'.repeat(200_000)}}`;
      // "s" is already string here: its objects are validated, not typed
      const lines = ['{"s":"text","a":[1]}', arrays, objects, `{"s":${'['.repeat(99)}${']'.repeat(99)},"ok":${'['.repeat(99)}${']'.repeat(99)}}`];
      expect(() => JSON.parse(arrays)).not.toThrow();
      const s = scan(chunksOf(encoder.encode(lines.join('\n'))));
      expect(s.result.records).toBe(2);
      expect(s.result.corruptRecords).toBe(2);
      expect(s.result.corruptSamples).toEqual([
        { file: 'hostile.jsonl', line: 2, reason: reasonAt('{"leak":1,"a":'.length + 99) },
        { file: 'hostile.jsonl', line: 3, reason: reasonAt('{"s":'.length + 99 * '{"o":'.length) },
      ]);
      expect(s.result.schema).toEqual(schemaWithout(lines, [2, 3]));
      expect(s.cpuSeconds).toBeLessThan(5);
    });

    it('is configurable', () => {
      const r = inferJsonLinesText('{"a":{"b":[1]}}\n{"a":{"b":[[1]]}}', { file: 'f', maxDepth: 3 });
      expect(r.records).toBe(1);
      expect(r.corruptSamples).toEqual([{ file: 'f', line: 2, reason: 'nesting deeper than 3 levels (maxDepth) at position 11' }]);
    });
  });

  describe('field limits', () => {
    it('quarantines a record that would add a field past maxFieldsPerObject, at any level, and takes known fields after', () => {
      const lines = [
        '{"a":1,"b":2,"o":{"x":1,"y":2,"z":3}}',
        '{"a":1,"B":2,"c":3}', // B is b: no new field; c is the fourth at the top
        '{"a":2,"o":{"X":[1],"w":4}}', // w is the fourth in o
        '{"a":"s","o":{"y":"t"}}',
        '{"c":1,"d":2,"e":3}', // one line adding two fields past the limit: one record
      ];
      const r = inferJsonLinesText(lines.join('\n'), { file: 'f', maxFieldsPerObject: 3 });
      expect(r.records).toBe(2);
      expect(r.corruptRecords).toBe(3);
      expect(r.corruptSamples).toEqual([
        { file: 'f', line: 2, reason: `record adds field "c" past the limit of 3 fields in one object (maxFieldsPerObject) at position ${lines[1]!.indexOf('"c"')}` },
        { file: 'f', line: 3, reason: `record adds field "w" past the limit of 3 fields in one object (maxFieldsPerObject) at position ${lines[2]!.indexOf('"w"')}` },
        { file: 'f', line: 5, reason: 'record adds field "c" past the limit of 3 fields in one object (maxFieldsPerObject) at position 1' },
      ]);
      expect(r.schema).toEqual(schemaWithout(lines, [2, 3, 5], 'f'));
    });

    it('quarantines a record that would pass maxColumns, nested fields included', () => {
      const lines = ['{"a":1,"o":{"x":1}}', '{"o":{"x":2.5}}', '{"b":1}', '{"o":{"y":1}}', '{"a":2}'];
      const r = inferJsonLinesText(lines.join('\n'), { file: 'f', maxColumns: 3 });
      expect(r.records).toBe(3);
      expect(r.corruptSamples).toEqual([
        { file: 'f', line: 3, reason: 'record adds field "b" past the limit of 3 columns (maxColumns) at position 1' },
        { file: 'f', line: 4, reason: 'record adds field "y" past the limit of 3 columns (maxColumns) at position 6' },
      ]);
      expect(r.schema).toEqual(schemaWithout(lines, [3, 4], 'f'));
    });

    it('keeps the count of a corrupt record out: its fields do not use up the limit', () => {
      const lines = ['{"a":1}', '{"b":1,"c":1,"bad":}', '{"b":1,"c":1}'];
      const r = inferJsonLinesText(lines.join('\n'), { file: 'f', maxFieldsPerObject: 3 });
      expect(r.records).toBe(2);
      expect(r.corruptSamples.map((c) => c.line)).toEqual([2]);
      expect(r.schema.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    });

    it('bounds the key spellings remembered: case variants of one key past the share of maxColumns are still one column', () => {
      // 2^12 spellings of one 12-letter key against maxColumns 10 (40 spellings remembered)
      const spellings = Array.from({ length: 1 << 12 }, (_, m) => [...'abcdefghijkl'].map((c, i) => ((m >> i) & 1 ? c.toUpperCase() : c)).join(''));
      const lines = spellings.map((k, i) => `{"${k}":${i}}`);
      const t = cpuNowMs();
      const r = inferJsonLinesText(lines.join('\n'), { file: 'f', maxColumns: 10, stats: true });
      expect((cpuNowMs() - t) / 1000).toBeLessThan(5);
      expect(r.records).toBe(spellings.length);
      expect(r.schema.columns).toHaveLength(1);
      expect(r.schema.columns[0]!.name).toBe('ABCDEFGHIJKL');
      expect(r.stats).toEqual(inferJsonLinesText(lines.join('\n'), { file: 'f', stats: true }).stats);
    });
  });
});
