// Property test of one scanner over whole documents: state carried across lines (a corrupt line's
// changes undone, keys that come and go, spellings and slots remembered) and across chunk boundaries (a
// line, a key or a UTF-8 sequence split anywhere, 1-byte chunks), against JSON.parse line by line.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { JSONL_LIMITS, JsonLinesScanner, inferJsonLinesText, type JsonLinesOptions } from '../../../schema/infer/jsonl';
import { mergeResults, EMPTY_RESULT, type InferenceResult } from '../../../schema/merge';
import { fieldKey } from '../../../schema/names';
import { shiftProvenanceLines } from '../../../schema/provenance';
import { StatsAccumulator } from '../../../schema/stats';
import type { Field } from '../../../schema/types';
import { jsonText, shapedRecords } from './arbitraries';
import { nestingDepth } from './json-depth';

vi.setConfig({ testTimeout: 120_000 });

const encoder = new TextEncoder();
// a line may start with U+FEFF, which must stay
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const FILE = 'doc.jsonl';

// Keys shared by the lines of a document, so that they come and go: case variants of one column,
// multi-byte and escaped spellings, a leading BOM, names Hive cannot hold, the empty key.
const sharedKey = fc.constantFrom('a', 'A', 'b', 'userId', 'userid', 'USERID', 'é', 'É', '😀k', '\ufeffa', 'x y', '', 'k1', '中文', 'a\u0062');
const escapedKey = fc.constantFrom('"\\u0061"', '"\\u00e9"', '"\\ud83d\\ude00k"', '"a\\"b"');
const key = fc.oneof(
  { weight: 6, arbitrary: sharedKey.map((k) => JSON.stringify(k)) },
  { weight: 1, arbitrary: escapedKey },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }).map((k) => JSON.stringify(k)) },
);
const value = fc.oneof(
  { weight: 4, arbitrary: jsonText },
  { weight: 1, arbitrary: fc.constantFrom('"été"', '"😀😀"', '"中"', '{"é":{"😀":[1,"x"]}}', '[[[]]]', '[{"a":1},{"A":"s"}]', '1.0', '12345678901234567890') },
);
const record = fc
  .array(fc.tuple(key, value, fc.constantFrom('', ' ', '\t')), { maxLength: 6 })
  .map((kvs) => `{${kvs.map(([k, v, ws]) => `${ws}${k}${ws}:${ws}${v}`).join(',')}}`);

/** A record damaged somewhere: often still carrying new keys, typed before the damage is found. */
const damaged = fc
  .tuple(record, fc.nat(), fc.constantFrom('truncate', 'insert', 'replace', 'tail'), fc.constantFrom('x', '"', ',', '}', '{', ':', '\\', '\u0001', 'é'))
  .map(([r, at, op, ch]) => {
    const i = r.length === 0 ? 0 : at % r.length;
    if (op === 'truncate') return r.slice(0, i);
    if (op === 'insert') return r.slice(0, i) + ch + r.slice(i);
    if (op === 'replace') return r.slice(0, i) + ch + r.slice(i + 1);
    return r.slice(0, -1) + ',"fresh😀":{"n":[1,2]},"bad":tru}';
  });

const line = fc.oneof(
  { weight: 8, arbitrary: record },
  { weight: 3, arbitrary: damaged },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\r', '[1,2]', '"é"', 'null', '{"a":1} x', '{}', '\ufeff{}', '{"a":[[[[[[1]]]]]]}') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => s.replace(/\n/g, ' ')) },
);

const document = fc.record({
  lines: fc.array(line, { minLength: 1, maxLength: 25 }),
  trailingNewline: fc.boolean(),
  crlf: fc.boolean(),
});

/** Where to cut the bytes: all 1-byte chunks, or random sizes (small ones often, so splits fall inside keys and characters). */
const chunking = fc.oneof(
  { weight: 1, arbitrary: fc.constant([1]) },
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 20 }) },
);

/** Limits small enough to be crossed (undefined: the defaults), never the field limits, which depend on the tree. */
const limits = fc.record({
  maxRecordBytes: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  maxDepth: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
});

/** A deterministic sequence of numbers in [0, 1) (xorshift32). */
function rngOf(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function textOf(doc: { lines: string[]; trailingNewline: boolean; crlf: boolean }): string {
  return doc.lines.map((l) => (doc.crlf ? l + '\r' : l)).join('\n') + (doc.trailingNewline ? '\n' : '');
}

interface Expected {
  records: { line: number; text: string; value: Record<string, unknown> }[];
  corrupt: { line: number; reason: string | RegExp | null }[];
}

/** What JSON.parse says of each line of the bytes, within the limits (reason null: a parse error, which JSON.parse words its own way). */
function expected(bytes: Uint8Array, opts: JsonLinesOptions): Expected {
  const maxRecordBytes = opts.maxRecordBytes ?? JSONL_LIMITS.maxRecordBytes;
  const maxDepth = opts.maxDepth ?? JSONL_LIMITS.maxDepth;
  const out: Expected = { records: [], corrupt: [] };
  const lines: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.length > maxRecordBytes) return out.corrupt.push({ line, reason: `line longer than ${maxRecordBytes} bytes (maxRecordBytes)` });
    const text = decoder.decode(raw);
    if (/^[ \t\r]*$/.test(text)) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return out.corrupt.push({ line, reason: null });
    }
    if (value === null || typeof value !== 'object') return out.corrupt.push({ line, reason: null });
    if (Array.isArray(value)) return out.corrupt.push({ line, reason: 'top-level value is an array, not an object' });
    if (nestingDepth(text) > maxDepth) return out.corrupt.push({ line, reason: new RegExp(`^nesting deeper than ${maxDepth} levels \\(maxDepth\\) at position \\d+$`) });
    out.records.push({ line, text, value: value as Record<string, unknown> });
  });
  return out;
}

function scanChunked(bytes: Uint8Array, sizes: readonly number[], opts: JsonLinesOptions): InferenceResult {
  const scanner = new JsonLinesScanner(FILE, opts);
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    // a copy: the scanner must not keep a view of a chunk the caller reuses
    scanner.push(bytes.slice(i, i + n));
    i += n;
  }
  return scanner.end();
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The keys of `objects` against the fields of one schema level (`exact`: the same set; else contained in it), through struct fields. */
function expectKeys(fields: readonly Field[], objects: Record<string, unknown>[], exact: boolean): void {
  const columns = new Set(fields.map((f) => fieldKey(f.name)));
  const keys = new Set(objects.flatMap((o) => Object.keys(o).map(fieldKey)));
  if (exact) expect(columns).toEqual(keys);
  else for (const k of keys) expect(columns).toContain(k);
  for (const f of fields) {
    if (f.type.kind !== 'struct') continue;
    const key = fieldKey(f.name);
    const inner = objects.flatMap((o) => Object.entries(o).flatMap(([k, v]) => (fieldKey(k) === key && isObject(v) ? [v] : [])));
    expectKeys(f.type.fields, inner, false);
  }
}

type Document = { lines: string[]; trailingNewline: boolean; crlf: boolean };

/** Scans `doc` cut into chunks of `sizes`, within limits `lim`, and checks it against JSON.parse line by line. */
function checkDocument(doc: Document, sizes: readonly number[], lim: { maxRecordBytes?: number | undefined; maxDepth?: number | undefined }): void {
  const opts: JsonLinesOptions = { stats: true, ...(lim.maxRecordBytes ? { maxRecordBytes: lim.maxRecordBytes } : {}), ...(lim.maxDepth ? { maxDepth: lim.maxDepth } : {}) };
  const bytes = encoder.encode(textOf(doc));
  const want = expected(bytes, opts);
  const got = scanChunked(bytes, sizes, opts);

  expect(got.records).toBe(want.records.length);
  expect(got.corruptRecords).toBe(want.corrupt.length);
  const samples = want.corrupt.slice(0, got.corruptSamples.length);
  expect(got.corruptSamples.map((s) => s.line)).toEqual(samples.map((c) => c.line));
  got.corruptSamples.forEach((s, i) => {
    expect(s.file).toBe(FILE);
    const reason = samples[i]!.reason;
    if (typeof reason === 'string') expect(s.reason).toBe(reason);
    else if (reason !== null) expect(s.reason).toMatch(reason);
    // (a line JSON.parse rejects may pass maxDepth before its syntax error)
    else expect(s.reason).not.toMatch(/maxRecordBytes|top-level value is an array/);
  });

  // The schema is the one the accepted lines alone give, corrupt lines blanked (line numbers kept),
  // in one chunk; and the merge of each accepted line scanned alone.
  const accepted = new Map(want.records.map((r) => [r.line, r.text]));
  const lineCount = want.records.length + want.corrupt.length === 0 ? 0 : Math.max(...[...want.records.map((r) => r.line), ...want.corrupt.map((c) => c.line)]);
  const clean = Array.from({ length: lineCount }, (_, i) => accepted.get(i + 1) ?? '').join('\n');
  const alone = inferJsonLinesText(clean, { file: FILE, stats: true });
  expect(got.schema).toEqual(alone.schema);
  let merged = EMPTY_RESULT;
  for (const r of want.records) {
    const one = inferJsonLinesText(r.text, { file: FILE });
    merged = mergeResults(merged, { ...one, schema: shiftProvenanceLines(one.schema, FILE, r.line - 1) });
  }
  expect(got.schema).toEqual(merged.schema);

  // Every top-level key JSON.parse reads is a column, and no other; below, every key JSON.parse reads
  // in a struct column is a field of it (the scanner also types the values of repeated keys JSON.parse drops).
  expectKeys(got.schema.columns, want.records.map((r) => r.value), true);

  // Statistics over exactly the records JSON.parse reads within the limits.
  const acc = new StatsAccumulator();
  for (const r of want.records) acc.observe(r.value);
  expect(got.stats).toEqual(acc.toJSON());
}

describe('one JSON lines scanner over a whole document, chunked anyhow', () => {
  it('counts, numbers and types lines exactly as JSON.parse reads them one by one', () => {
    fc.assert(fc.property(document, chunking, limits, checkDocument), { numRuns: 1_500 });
  });

  it('does the same for records over one pool of keys in one order, shuffled, or a random subset of them', () => {
    // keys that a lookup by bytes could confuse (escaped spellings, long common prefixes, colliding hashes), met out of place
    const shaped = fc.record({ lines: shapedRecords(value), trailingNewline: fc.boolean(), crlf: fc.boolean() });
    fc.assert(fc.property(shaped, chunking, limits, checkDocument), { numRuns: 1_000 });
  });

  it('finds each of thousands of distinct keys in records that shuffle them or keep a subset', () => {
    const r = rngOf(7);
    const keys = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `a_long_common_prefix_${i}` : i % 3 === 1 ? `k${i}é` : `key_${i.toString(36)}`));
    const values = ['1', '"s"', '2.5', 'true', '{"x":1}', '[1]', 'null'];
    const lines = Array.from({ length: 40 }, (_, n) => {
      const present = keys.filter(() => n % 2 === 0 || r() < 0.3);
      for (let i = present.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [present[i], present[j]] = [present[j]!, present[i]!];
      }
      return `{${present.map((k) => `${JSON.stringify(k)}:${values[(k.length + n) % values.length]}`).join(',')}}`;
    });
    checkDocument({ lines, trailingNewline: true, crlf: false }, [1 << 16], {});
  });

  it('gives a grouped scan the same result whatever the chunking', () => {
    fc.assert(
      fc.property(document, chunking, limits, (doc, sizes, lim) => {
        const opts: JsonLinesOptions = { discriminators: ['a', ['é', 'x']], stats: true, ...(lim.maxRecordBytes ? { maxRecordBytes: lim.maxRecordBytes } : {}) };
        const bytes = encoder.encode(textOf(doc));
        const whole = new JsonLinesScanner(FILE, opts);
        whole.push(bytes);
        const chunked = new JsonLinesScanner(FILE, opts);
        for (let i = 0, k = 0; i < bytes.length; k++) {
          const n = sizes[k % sizes.length]!;
          chunked.push(bytes.slice(i, i + n));
          i += n;
        }
        const a = whole.endGrouped();
        expect(chunked.endGrouped()).toEqual(a);
        const { discriminators: _, ...ungrouped } = opts;
        expect(a.stream).toEqual(inferJsonLinesText(textOf(doc), { file: FILE, ...ungrouped }));
      }),
      { numRuns: 700 },
    );
  });
});
