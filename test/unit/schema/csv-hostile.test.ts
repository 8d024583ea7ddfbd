// Hostile and messy CSV: every case asserts the counts, the corrupt samples, the columns, and that the
// scan stays within time (and, for big inputs, memory). Big inputs are generated chunk by chunk, as the
// crawl streams them, so the test itself does not hold them.
import { describe, expect, it, vi } from 'vitest';
import { toHiveColumns } from '../../../schema/hive';
import { CsvScanner, DEFAULT_MAX_RECORD_BYTES, type CsvOptions } from '../../../schema/infer/csv';
import { UTF16_REASON } from '../../../schema/infer/text';
import { cpuNowMs } from '../support/cpu-time';

// The budgets are generous for a loaded machine: alone, each scan below takes well under a second.
vi.setConfig({ testTimeout: 60_000 });
const TIME_BUDGET_MS = 2_000;
const RSS_BUDGET = 300 * 1024 * 1024;
const CHUNK = 64 * 1024;
const TOO_LONG = `record longer than ${DEFAULT_MAX_RECORD_BYTES} bytes (maxRecordBytes)`;

const encoder = new TextEncoder();

/** Bytes of the texts, re-cut into chunks of `size` bytes, produced as they are consumed. */
function* chunked(texts: Iterable<string>, size = CHUNK): Generator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let length = 0;
  for (const text of texts) {
    pending.push(encoder.encode(text));
    length += pending[pending.length - 1]!.length;
    if (length < size) continue;
    const all = concat(pending, length);
    let at = 0;
    for (; at + size <= all.length; at += size) yield all.subarray(at, at + size);
    pending = [all.subarray(at)];
    length = all.length - at;
  }
  if (length > 0) yield concat(pending, length);
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `n` rows `id,name,score` with ids from `from`: bigint, string, double. */
function* rows(n: number, from = 0): Generator<string> {
  for (let i = from; i < from + n; i++) yield `${i},name${i},${i / 4}\n`;
}

function* repeat(text: string, times: number): Generator<string> {
  for (let i = 0; i < times; i++) yield text;
}

/** Scan the chunks, timing it and sampling the process's resident memory on the way. */
function scan(chunks: Iterable<Uint8Array | string>, options: CsvOptions = {}) {
  const before = process.memoryUsage().rss;
  let peak = before;
  let n = 0;
  const started = cpuNowMs();
  const scanner = new CsvScanner('hostile.csv', options);
  for (const chunk of chunks) {
    scanner.push(chunk);
    if (++n % 16 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const result = scanner.end();
  const ms = cpuNowMs() - started;
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, dialect: scanner.dialect(), cpuMs: ms, rssGrowth: peak - before, columns: toHiveColumns(result.schema) };
}

const sample = (line: number, reason: string) => ({ file: 'hostile.csv', line, reason });

/** What every case checks: records, corrupt records and their samples, columns and types, time. */
function expectScan(
  run: ReturnType<typeof scan>,
  want: { records: number; corrupt: ReturnType<typeof sample>[]; columns: { name: string; type: string }[] },
): void {
  expect(run.result.records).toBe(want.records);
  expect(run.result.corruptRecords).toBe(want.corrupt.length);
  expect(run.result.corruptSamples).toEqual(want.corrupt);
  expect(run.columns).toEqual(want.columns);
  expect(run.cpuMs).toBeLessThan(TIME_BUDGET_MS);
}

const ID_NAME_SCORE = [
  { name: 'id', type: 'bigint' },
  { name: 'name', type: 'string' },
  { name: 'score', type: 'double' },
];

describe('CSV headers with empty, repeated and trailing names', () => {
  it("names pandas' empty index header col1 and still reads the first row as the header", () => {
    const run = scan([',name,score\n0,ann,1.5\n1,bob,2\n']);
    expectScan(run, {
      records: 2,
      corrupt: [],
      columns: [{ name: 'col1', type: 'bigint' }, { name: 'name', type: 'string' }, { name: 'score', type: 'double' }],
    });
    expect(run.dialect).toEqual({ delimiter: ',', header: true });
  });

  it('suffixes a repeated name _2, _3, also when it differs only by case', () => {
    const run = scan(['id,name,ID,Name,id\n1,a,2,b,3\n4,c,5,d,6\n']);
    expectScan(run, {
      records: 2,
      corrupt: [],
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'name', type: 'string' },
        { name: 'id_2', type: 'bigint' },
        { name: 'name_2', type: 'string' },
        { name: 'id_3', type: 'bigint' },
      ],
    });
    expect(run.result.schema.columns.map((c) => c.name)).toEqual(['id', 'name', 'ID_2', 'Name_2', 'id_3']);
  });

  it('keeps suffixed and generated names distinct from the real names after them', () => {
    const run = scan([',col1,a,a,A_2,x\n1,2,3,4,5,y\n']);
    expectScan(run, {
      records: 1,
      corrupt: [],
      columns: [
        { name: 'col1', type: 'bigint' },
        { name: 'col1_2', type: 'bigint' },
        { name: 'a', type: 'bigint' },
        { name: 'a_2', type: 'bigint' },
        { name: 'a_2_2', type: 'bigint' },
        { name: 'x', type: 'string' },
      ],
    });
  });

  it('names a header of 100k repeated cells in linear time', () => {
    const width = 100_000;
    const run = scan([Array(width).fill('a').join(',') + '\n' + Array(width).fill('1').join(',') + '\n']);
    expect(run.result.records).toBe(1);
    expect(run.result.corruptRecords).toBe(0);
    expect(run.columns).toHaveLength(width);
    expect(run.result.schema.columns.slice(0, 3).map((c) => c.name)).toEqual(['a', 'a_2', 'a_3']);
    expect(run.result.schema.columns[width - 1]!.name).toBe(`a_${width}`);
    expect(new Set(run.columns.map((c) => c.name)).size).toBe(width);
    expect(run.columns.every((c) => c.type === 'bigint')).toBe(true);
    expect(run.cpuMs).toBeLessThan(TIME_BUDGET_MS);
  });

  it('keeps a header with a trailing delimiter, as a column when the rows have one too', () => {
    const run = scan(['a,b,\n1,2,\n3,4,\n']);
    expectScan(run, {
      records: 2,
      corrupt: [],
      columns: [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'bigint' }, { name: 'col3', type: 'string' }],
    });
    expect(run.result.schema.columns[2]!.type.kind).toBe('null');
  });

  it('drops the empty trailing header cell when the rows have no trailing delimiter', () => {
    const run = scan(['a,b,\r\n1,x\r\n2,y\r\n3\r\n']);
    expectScan(run, {
      records: 2,
      corrupt: [sample(4, 'expected 2 fields, found 1')],
      columns: [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'string' }],
    });
    expect(run.dialect).toEqual({ delimiter: ',', header: true });
  });

  it('still reads a mostly empty first row as data', () => {
    const run = scan([',,x\n1,2,y\n']);
    expectScan(run, {
      records: 2,
      corrupt: [],
      columns: [{ name: 'col1', type: 'bigint' }, { name: 'col2', type: 'bigint' }, { name: 'col3', type: 'string' }],
    });
    expect(run.dialect).toEqual({ delimiter: ',', header: false });
  });
});

describe('CSV records over the size limit', () => {
  it('quarantines a 20 MB unterminated quote and counts the 100k rows after it', () => {
    const run = scan(
      chunked(
        (function* () {
          yield 'id,name,score\n0,"never closed ';
          yield* repeat('x'.repeat(CHUNK), 320);
          yield '\n';
          yield* rows(100_000, 1);
        })(),
      ),
    );
    expectScan(run, { records: 100_000, corrupt: [sample(2, TOO_LONG)], columns: ID_NAME_SCORE });
    expect(run.rssGrowth).toBeLessThan(RSS_BUDGET);
  });

  it('costs an unclosed quote one record, reading the rows it ran over again', () => {
    const run = scan(
      chunked(
        (function* () {
          yield 'id,name,score\n0,"oops,1.5\n';
          yield* rows(200_000, 1);
        })(),
      ),
    );
    expectScan(run, { records: 200_000, corrupt: [sample(2, TOO_LONG)], columns: ID_NAME_SCORE });
    expect(run.rssGrowth).toBeLessThan(RSS_BUDGET);
  });

  it('gives back the rows after a quote left open at the end of a small file', () => {
    expectScan(scan(['a,b\n1,"x\n2,y\n3,z\n']), {
      records: 2,
      corrupt: [sample(2, 'unterminated quoted field')],
      columns: [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'string' }],
    });
  });

  it('gives back the rows a stray quote ran over up to the next quote', () => {
    expectScan(scan(['a,b,c\n1,"stray,x\n2,y,z\n3,"ok",w\n']), {
      records: 2,
      corrupt: [sample(2, 'unexpected character after closing quote')],
      columns: [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'string' }, { name: 'c', type: 'string' }],
    });
  });

  it('skips a single 30 MB row without holding it', () => {
    const run = scan(
      chunked(
        (function* () {
          yield 'id,name,score\n';
          yield* rows(10);
          yield '10,';
          yield* repeat('y'.repeat(CHUNK), 480);
          yield ',1\n';
          yield* rows(100_000, 11);
        })(),
      ),
    );
    expectScan(run, { records: 100_010, corrupt: [sample(12, TOO_LONG)], columns: ID_NAME_SCORE });
    expect(run.rssGrowth).toBeLessThan(RSS_BUDGET);
  });

  it('treats a 30 MB row pushed as one string the same way', () => {
    const text = 'id,name,score\n1,' + 'z'.repeat(30 * 1024 * 1024) + ',2\n' + [...rows(1000, 2)].join('');
    expectScan(scan([text]), { records: 1000, corrupt: [sample(2, TOO_LONG)], columns: ID_NAME_SCORE });
  });

  it('reads the header and rows after 10 MB of NUL bytes', () => {
    const run = scan(
      chunked(
        (function* () {
          yield* repeat('\0'.repeat(CHUNK), 160);
          yield '\nid,name,score\n';
          yield* rows(100_000);
        })(),
      ),
    );
    expectScan(run, { records: 100_000, corrupt: [sample(1, TOO_LONG)], columns: ID_NAME_SCORE });
    expect(run.dialect).toEqual({ delimiter: ',', header: true });
    expect(run.rssGrowth).toBeLessThan(RSS_BUDGET);
  });

  it('reads 200 MB of NUL bytes without a line break (/dev/zero) in bounded memory as one corrupt record', () => {
    const zeros = new Uint8Array(CHUNK);
    const run = scan(
      (function* () {
        for (let i = 0; i < 3200; i++) yield zeros;
      })(),
    );
    expectScan(run, { records: 0, corrupt: [sample(1, TOO_LONG)], columns: [] });
    expect(run.dialect).toBeUndefined();
    expect(run.rssGrowth).toBeLessThan(RSS_BUDGET);
  });

  it('quarantines a quoted record spanning lines past the limit and reads its later lines as rows', () => {
    expectScan(scan(['a,b\n1,"line one\nline two\nline three is long"\n2,x\n'], { maxRecordBytes: 20 }), {
      records: 1,
      corrupt: [
        sample(2, 'record longer than 20 bytes (maxRecordBytes)'),
        sample(3, 'expected 2 fields, found 1'),
        sample(4, 'expected 2 fields, found 1'),
      ],
      columns: [{ name: 'a', type: 'bigint' }, { name: 'b', type: 'string' }],
    });
  });

  it('counts maxRecordBytes in UTF-8 bytes', () => {
    // é is two bytes and 😀 four: 5 é or 2 😀 fit in 10 bytes, 6 é or 3 😀 do not.
    expectScan(scan(['word\néééé\nééééé\néééééé\n😀😀\n😀😀😀\n'], { maxRecordBytes: 10, header: true }), {
      records: 3,
      corrupt: [sample(4, 'record longer than 10 bytes (maxRecordBytes)'), sample(6, 'record longer than 10 bytes (maxRecordBytes)')],
      columns: [{ name: 'word', type: 'string' }],
    });
  });

  it('refuses a maxRecordBytes that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new CsvScanner('x.csv', { maxRecordBytes: bad })).toThrow(/maxRecordBytes/);
    expectScan(scan(['a\n"' + 'x'.repeat(3 * DEFAULT_MAX_RECORD_BYTES) + '"\n'], { maxRecordBytes: Infinity }), {
      records: 1,
      corrupt: [],
      columns: [{ name: 'a', type: 'string' }],
    });
  });
});

describe('CSV text encodings', () => {
  const utf16le = (text: string) => new Uint8Array(Buffer.from(text, 'utf16le'));
  const utf16be = (text: string) => utf16le(text).map((_, i, a) => a[i ^ 1]!);
  const text = 'id,name\n' + Array.from({ length: 500 }, (_, i) => `${i},ann${i}\n`).join('');

  it.each([
    ['UTF-16LE with a byte order mark', new Uint8Array([0xff, 0xfe, ...utf16le(text)])],
    ['UTF-16BE with a byte order mark', new Uint8Array([0xfe, 0xff, ...utf16be(text)])],
    ['UTF-16LE without a byte order mark', utf16le(text)],
    ['UTF-16BE without a byte order mark', utf16be(text)],
  ])('reports %s as one corrupt record, not every line', (_, bytes) => {
    for (const size of [CHUNK, 7, 1]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
      const run = scan(chunks);
      expectScan(run, { records: 0, corrupt: [sample(1, UTF16_REASON)], columns: [] });
      expect(run.dialect).toBeUndefined();
    }
  });

  it('drops a UTF-8 byte order mark, whole, split over chunks, or pushed as text', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('id,name\n1,ann\n')]);
    for (const run of [
      scan([bytes]),
      scan([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]),
      scan(['\ufeffid,name\n1,ann\n']),
    ]) {
      expectScan(run, { records: 1, corrupt: [], columns: [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }] });
      expect(run.result.schema.columns[0]!.name).toBe('id');
    }
  });

  it('reads NUL bytes inside UTF-8 text as text, not as UTF-16', () => {
    expectScan(scan([encoder.encode('id,note\n1,a\0b\n2,\0\0\0\0\n')]), {
      records: 2,
      corrupt: [],
      columns: [{ name: 'id', type: 'bigint' }, { name: 'note', type: 'string' }],
    });
  });
});

describe('CSV chunk boundaries', () => {
  /** Deterministic pseudo-random numbers (mulberry32). */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const messy = [
    '\ufeff,name,note,score\r\n',
    '0,ann,"a, b",1.5\r\n',
    '1,"bé ""quoted""","multi\nline 😀",2\n',
    '\n',
    '2,carl,,\n',
    '3,dora,"x"y,4\n', // broken quoting
    '4,ragged\n',
    '5,eve,' + 'long '.repeat(30) + ',5\n', // over maxRecordBytes below
    '\0'.repeat(300) + '\n',
    '6,"open quote over rows,6\n',
    '7,fay,é,7\n',
    '8,gus,"ok",8\n',
    '9,"last, open\n10,hal,z,10\n',
  ].join('');

  it('gives the same result however the text is cut, bytes or strings', () => {
    const options: CsvOptions = { maxRecordBytes: 100, stats: true };
    const whole = scan([encoder.encode(messy)], options);
    const expected = { result: whole.result, dialect: whole.dialect };
    expectScan(whole, {
      records: 6,
      corrupt: [
        sample(7, 'unexpected character after closing quote'),
        sample(8, 'expected 4 fields, found 2'),
        sample(9, 'record longer than 100 bytes (maxRecordBytes)'),
        sample(10, 'record longer than 100 bytes (maxRecordBytes)'),
        sample(11, 'unexpected character after closing quote'), // the stray quote ran to `"ok"`: lines 12-13 read again
        sample(14, 'unterminated quoted field'),
      ],
      columns: [
        { name: 'col1', type: 'bigint' },
        { name: 'name', type: 'string' },
        { name: 'note', type: 'string' },
        { name: 'score', type: 'double' },
      ],
    });
    const next = random(20240601);
    const bytes = encoder.encode(messy);
    for (let run = 0; run < 300; run++) {
      const asText = run % 2 === 1;
      const chunks: (Uint8Array | string)[] = [];
      for (let at = 0; at < (asText ? messy.length : bytes.length); ) {
        const size = 1 + Math.floor(next() * (run % 3 === 0 ? 4 : 64));
        chunks.push(asText ? messy.slice(at, at + size) : bytes.subarray(at, at + size));
        at += size;
      }
      const cut = scan(chunks, options);
      expect({ result: cut.result, dialect: cut.dialect }).toEqual(expected);
    }
  });

  it('gives the same result for a big file cut at random sizes', () => {
    const parts = ['id,name,score\n', ...rows(20_000), '20000,"open,1\n', ...rows(20_000, 20_001)];
    const text = parts.join('');
    const whole = scan([text]);
    expectScan(whole, { records: 40_000, corrupt: [sample(20_002, 'unterminated quoted field')], columns: ID_NAME_SCORE });
    const next = random(7);
    const bytes = encoder.encode(text);
    for (let run = 0; run < 5; run++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(next() * 100_000);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      const cut = scan(chunks);
      expect(cut.result).toEqual(whole.result);
      expect(cut.cpuMs).toBeLessThan(TIME_BUDGET_MS);
    }
  });
});
