// Hostile input, as a crawl of someone's bucket can meet it: every kind is made here, fed to `lake infer`
// in a child process, and must end in bounded time and memory (peak RSS under 512 MB, a few seconds) with
// the right exit code, a message naming the file (and line or field) and the reason, and the right
// counts; where valid records sit beside the hostile ones, the schema must be exactly theirs.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BYTE_ARRAY, CT, decimalLogical, fileMetaData, INT32, list, OPTIONAL, parquetFile, schemaOf, simpleSchema, struct, varint, type Element } from '../support/parquet-thrift';

const LAKE = join(__dirname, '../../../cli/lake.js');
const REPORT_RSS = join(__dirname, '../support/report-rss.cjs');
const MAX_RSS_MB = 512;
const MAX_SECONDS = 20; // a child's whole life, node and tsx start-up included, on a busy 2-core machine
const dir = mkdtempSync(join(tmpdir(), 'lake-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssMb: number;
  json?: { columns: { name: string; type: string }[]; corruptRecords: number; corruptSamples: { file: string; line: number; reason: string }[] };
}

function infer(file: string, ...flags: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--max-old-space-size=1024', '--require', REPORT_RSS, LAKE, 'infer', '--json', ...flags, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), MAX_SECONDS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const rss = /\[peak-rss-kb (\d+)\]/.exec(stderr);
      const out: Outcome = { code, stdout, stderr: stderr.replace(/\n?\[peak-rss-kb \d+\]\n?/, ''), seconds: (performance.now() - started) / 1000, peakRssMb: rss ? Number(rss[1]) / 1024 : Infinity };
      if (code === 0) {
        try {
          out.json = JSON.parse(stdout);
        } catch {
          // left undefined: the assertion on json says so
        }
      }
      resolve(out);
    });
  });
}

function write(name: string, body: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

const valid = (n: number, from = 0) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, name: `n${from + i}`, ok: i % 2 === 0 })).join('\n') + '\n';
const VALID_COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'name', type: 'string' },
  { name: 'ok', type: 'boolean' },
];

/** Bounded: ended by itself, within time and memory, and never with a stack trace. */
function expectBounded(o: Outcome): void {
  expect(o.code, `killed after ${MAX_SECONDS} s or crashed; stderr: ${o.stderr.slice(-500)}`).not.toBeNull();
  expect([0, 2]).toContain(o.code);
  expect(o.peakRssMb).toBeLessThan(MAX_RSS_MB);
  expect(o.seconds).toBeLessThan(MAX_SECONDS);
  expect(o.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
}

/** Exit 0 with these counts; `reason` matches a corrupt sample naming the file (and `line`, when given). */
function expectRead(o: Outcome, file: string, want: { corrupt?: number; reason?: RegExp; line?: number; columns?: { name: string; type: string }[] }): void {
  expectBounded(o);
  expect(o.code, o.stderr).toBe(0);
  expect(o.json).toBeDefined();
  if (want.corrupt !== undefined) expect(o.json!.corruptRecords).toBe(want.corrupt);
  if (want.reason) {
    expect(o.json!.corruptSamples).toContainEqual(expect.objectContaining({ file, reason: expect.stringMatching(want.reason), ...(want.line !== undefined ? { line: want.line } : {}) }));
  }
  if (want.columns) expect(o.json!.columns).toEqual(want.columns);
}

/** Exit 2 with a message naming the file and the reason. */
function expectRefused(o: Outcome, file: string, reason: RegExp): void {
  expectBounded(o);
  expect(o.code, o.stdout).toBe(2);
  expect(o.stdout).toBe('');
  expect(o.stderr).toContain(file);
  expect(o.stderr).toMatch(reason);
}

type Case = { name: string; run: () => Promise<void> };
const cases: Case[] = [];
const hostile = (name: string, run: () => Promise<void>) => cases.push({ name, run });

// ---- JSON lines --------------------------------------------------------------------------------------------

hostile('an empty file', async () => {
  const f = write('empty.jsonl', '');
  expectRead(await infer(f), f, { corrupt: 0, columns: [] });
});
hostile('only blank lines and whitespace', async () => {
  const f = write('blank.jsonl', '\n\n   \n\t\n\r\n');
  expectRead(await infer(f), f, { corrupt: 0, columns: [] });
});
hostile('a truncated line among valid ones: the schema is the valid records\'', async () => {
  const f = write('truncated.jsonl', valid(3) + '{"id": 4, "name": "tru' + '\n' + valid(3, 5));
  expectRead(await infer(f), f, { corrupt: 1, line: 4, reason: /./, columns: VALID_COLUMNS });
});
hostile('binary garbage', async () => {
  const bytes = new Uint8Array(1 << 20);
  for (let i = 0, s = 7; i < bytes.length; i++) bytes[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const f = write('garbage.jsonl', bytes);
  const o = await infer(f);
  expectBounded(o);
  expect(o.code).toBe(0);
  expect(o.json!.columns).toEqual([]);
  expect(o.json!.corruptRecords).toBeGreaterThan(0);
});
hostile('20 MB of NUL bytes and no newline', async () => {
  const f = write('zeros.jsonl', new Uint8Array(20 << 20));
  expectRead(await infer(f), f, { corrupt: 1, line: 1, reason: /longer than|limit|not (valid )?JSON|Unexpected|UTF-16/i, columns: [] });
});
hostile('a 40 MB line between valid lines', async () => {
  const f = write('long-line.jsonl', valid(2) + `{"id":3,"name":"${'x'.repeat(40 << 20)}"}\n` + valid(2, 4));
  expectRead(await infer(f), f, { corrupt: 1, line: 3, reason: /longer than|limit/i, columns: VALID_COLUMNS });
});
hostile('a gzip bomb: 400 MB of one line from 400 KB', async () => {
  const f = write('bomb.jsonl.gz', gzipSync(Buffer.alloc(400 << 20, 0x61)));
  expectRead(await infer(f), f, { corrupt: 1, reason: /longer than|limit/i, columns: [] });
});
hostile('100,000 distinct keys in one record', async () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',');
  const f = write('wide.jsonl', valid(2) + `{${keys}}\n`);
  const o = await infer(f);
  expectBounded(o);
  expect(o.code).toBe(0);
});
hostile('200,000 distinct keys over many records', async () => {
  const f = write('keys.jsonl', Array.from({ length: 20_000 }, (_, r) => `{${Array.from({ length: 10 }, (_, i) => `"k${r * 10 + i}":1`).join(',')}}`).join('\n') + '\n');
  const o = await infer(f);
  expectBounded(o);
  expect(o.code).toBe(0);
});
hostile('a corrupt line carrying 100,000 new keys leaves the schema alone', async () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => `"new${i}":${i}`).join(',');
  const f = write('corrupt-keys.jsonl', valid(2) + `{${keys},"broken":}\n` + valid(2, 3));
  expectRead(await infer(f), f, { corrupt: 1, line: 3, reason: /./, columns: VALID_COLUMNS });
});
hostile('arrays nested 100,000 deep', async () => {
  const f = write('deep-arrays.jsonl', valid(1) + `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}\n` + valid(1, 2));
  expectRead(await infer(f), f, { corrupt: 1, line: 2, reason: /deep|nest|limit/i, columns: VALID_COLUMNS });
});
hostile('objects nested 10,000 deep', async () => {
  const f = write('deep-objects.jsonl', valid(1) + `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}\n` + valid(1, 2));
  expectRead(await infer(f), f, { corrupt: 1, line: 2, reason: /deep|nest|limit/i, columns: VALID_COLUMNS });
});
hostile('UTF-16 text with a byte-order mark', async () => {
  const f = write('utf16.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid(50), 'utf16le')]));
  expectRead(await infer(f), f, { corrupt: 1, reason: /UTF-16/, columns: [] });
});
hostile('UTF-16 text without a byte-order mark', async () => {
  const f = write('utf16-nobom.jsonl', Buffer.from(valid(50), 'utf16le'));
  expectRead(await infer(f), f, { corrupt: 1, reason: /UTF-16/, columns: [] });
});
hostile('bytes that are not UTF-8 inside strings', async () => {
  const f = write('latin1.jsonl', Buffer.concat([Buffer.from('{"id":1,"name":"caf'), Buffer.from([0xe9]), Buffer.from('","ok":true}\n'), Buffer.from(valid(1, 2))]));
  expectRead(await infer(f), f, { corrupt: 0, columns: VALID_COLUMNS });
});
hostile('lone surrogate escapes and escaped NULs', async () => {
  const f = write('surrogates.jsonl', '{"id":1,"name":"\\ud800\\u0000\\udfff","ok":false}\n');
  expectRead(await infer(f), f, { corrupt: 0, columns: VALID_COLUMNS });
});
hostile('numbers with thousands of digits', async () => {
  const f = write('digits.jsonl', `{"id":${'9'.repeat(5000)},"name":"n","ok":true}\n{"id":1e999,"name":"m","ok":false}\n`);
  const o = await infer(f);
  expectRead(o, f, { corrupt: 0 });
  expect(o.json!.columns[0]).toEqual({ name: 'id', type: 'double' });
});
hostile('one key repeated 100,000 times in a record', async () => {
  const f = write('dup-keys.jsonl', `{${Array.from({ length: 100_000 }, (_, i) => `"id":${i}`).join(',')},"name":"x","ok":true}\n`);
  expectRead(await infer(f), f, { corrupt: 0, columns: VALID_COLUMNS });
});
hostile('a key of 1 MB', async () => {
  const f = write('long-key.jsonl', valid(1) + `{"${'k'.repeat(1 << 20)}":1}\n`);
  const o = await infer(f);
  expectBounded(o);
  expect(o.code).toBe(0);
  for (const c of o.json!.columns) expect(c.name.length).toBeLessThanOrEqual(128); // a Hive name
});
hostile('top-level values that are not objects', async () => {
  const f = write('scalars.jsonl', '1\n"text"\nnull\ntrue\n[1,2]\n' + valid(1));
  expectRead(await infer(f), f, { corrupt: 5, reason: /not an object/, columns: VALID_COLUMNS });
});
hostile('gzip followed by bytes that are not gzip keeps the records before', async () => {
  const f = write('trailing.jsonl.gz', Buffer.concat([gzipSync(valid(100)), Buffer.from('trailing junk, not gzip')]));
  expectRead(await infer(f), f, { reason: /followed by bytes that are not gzip/, line: 0, columns: VALID_COLUMNS });
});
hostile('gzip cut short keeps the records before', async () => {
  const whole = gzipSync(valid(5000));
  const f = write('cut.jsonl.gz', whole.subarray(0, whole.length >> 1));
  expectRead(await infer(f), f, { reason: /cut short/, line: 0, columns: VALID_COLUMNS });
});
hostile('a .gz name over data that is not gzip', async () => {
  const f = write('plain.jsonl.gz', valid(3));
  expectRefused(await infer(f), f, /not valid gzip data/);
});
hostile('many gzip members of one record each', async () => {
  const f = write('members.jsonl.gz', Buffer.concat(Array.from({ length: 2000 }, (_, i) => gzipSync(valid(1, i)))));
  expectRead(await infer(f), f, { corrupt: 0, columns: VALID_COLUMNS });
});
hostile('CR-only line ends', async () => {
  const f = write('cr.jsonl', valid(5).replace(/\n/g, '\r'));
  const o = await infer(f);
  expectBounded(o);
  expect(o.code).toBe(0);
});
hostile('a file that is a directory', async () => {
  const f = join(dir, 'a-directory.jsonl');
  mkdirSync(f, { recursive: true });
  expectRefused(await infer(f), f, /directory/);
});

// ---- CSV ---------------------------------------------------------------------------------------------------

const csvRows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `${from + i},${(from + i) * 1.5},name ${from + i}`).join('\n') + '\n';
const CSV_COLUMNS = [
  { name: 'id', type: 'bigint' },
  { name: 'amount', type: 'double' },
  { name: 'label', type: 'string' },
];

hostile('CSV: an unterminated quote before 100,000 valid rows', async () => {
  const f = write('unterminated.csv', 'id,amount,label\n' + csvRows(10) + '11,1.0,"never closed\n' + csvRows(100_000, 12));
  const o = await infer(f);
  expectRead(o, f, { reason: /quote|limit|longer/i, columns: CSV_COLUMNS });
  expect(o.json!.corruptRecords).toBeLessThan(10);
});
hostile('CSV: a 40 MB row', async () => {
  const f = write('long-row.csv', 'id,amount,label\n' + csvRows(3) + `4,4.5,${'x'.repeat(40 << 20)}\n` + csvRows(3, 5));
  expectRead(await infer(f), f, { corrupt: 1, line: 5, reason: /longer than|limit/i, columns: CSV_COLUMNS });
});
hostile('CSV: 20 MB of NUL bytes', async () => {
  const f = write('zeros.csv', new Uint8Array(20 << 20));
  const o = await infer(f);
  expectBounded(o);
  expect(o.code).toBe(0);
});
hostile('CSV: an empty header cell (a pandas index column)', async () => {
  const f = write('pandas.csv', ',id,amount\n0,1,1.5\n1,2,2.5\n');
  const o = await infer(f);
  expectRead(o, f, { corrupt: 0 });
  expect(o.json!.columns.map((c) => c.type)).toEqual(['bigint', 'bigint', 'double']);
  expect(o.json!.columns.slice(1).map((c) => c.name)).toEqual(['id', 'amount']);
});
hostile('CSV: a header naming a column twice', async () => {
  const f = write('dup-header.csv', 'id,amount,id\n1,1.5,2\n3,2.5,4\n');
  const o = await infer(f);
  expectRead(o, f, { corrupt: 0 });
  expect(o.json!.columns).toHaveLength(3);
  expect(o.json!.columns.map((c) => c.type)).toEqual(['bigint', 'double', 'bigint']);
  expect(new Set(o.json!.columns.map((c) => c.name)).size).toBe(3);
});
hostile('CSV: a trailing delimiter on every line', async () => {
  const f = write('trailing-delim.csv', 'id,amount,\n1,1.5,\n2,2.5,\n');
  const o = await infer(f);
  expectRead(o, f, { corrupt: 0 });
  expect(o.json!.columns.slice(0, 2)).toEqual([{ name: 'id', type: 'bigint' }, { name: 'amount', type: 'double' }]);
});
hostile('CSV: UTF-16 text', async () => {
  const f = write('utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,amount\n1,2\n', 'utf16le')]));
  expectRead(await infer(f), f, { reason: /UTF-16/, columns: [] });
});
hostile('CSV: a header and no rows', async () => {
  const f = write('header-only.csv', 'id,amount,label\n');
  expectRead(await infer(f), f, { corrupt: 0 });
});
hostile('CSV: rows with too many and too few fields', async () => {
  const f = write('ragged.csv', 'id,amount,label\n' + csvRows(2) + '3,4.5\n4,1.5,x,extra\n' + csvRows(2, 5));
  expectRead(await infer(f), f, { corrupt: 2, line: 4, reason: /expected 3 fields, found 2/, columns: CSV_COLUMNS });
});
hostile('CSV: 10,000 columns', async () => {
  const header = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',');
  const f = write('wide.csv', `${header}\n${Array.from({ length: 10_000 }, (_, i) => i).join(',')}\n`);
  const o = await infer(f);
  expectBounded(o);
  expect(o.code).toBe(0);
});

// ---- Parquet -----------------------------------------------------------------------------------------------

const footerWith = (extra: [number, number, number[]][]) => parquetFile(fileMetaData(schemaOf(simpleSchema()), extra));

hostile('Parquet: a 21-byte file declaring a huge MAP', async () => {
  const f = write('huge-map.parquet', footerWith([[9, CT.MAP, [...varint(2n ** 40n), (CT.TRUE << 4) | CT.TRUE]]]));
  expectRefused(await infer(f), f, /map of \d+ entries/);
});
hostile('Parquet: a huge LIST of booleans', async () => {
  const f = write('huge-bools.parquet', parquetFile(new Uint8Array(struct([[2, CT.LIST, schemaOf(simpleSchema())], [4, CT.LIST, list(CT.TRUE, 2n ** 31n)]]))));
  expectRefused(await infer(f), f, /list of 2147483648 elements/);
});
hostile('Parquet: a schema nested 10,000 groups deep', async () => {
  const elements: Element[] = [{ name: 'schema', numChildren: 1 }];
  for (let i = 0; i < 10_000; i++) elements.push({ name: `g${i}`, repetition: OPTIONAL, numChildren: 1 });
  elements.push({ name: 'leaf', type: INT32, repetition: OPTIONAL });
  const f = write('deep.parquet', parquetFile(fileMetaData(schemaOf(elements))));
  expectRefused(await infer(f), f, /deeper than \d+ levels/);
});
hostile('Parquet: Thrift structs nested 100,000 deep', async () => {
  // field 1 of type struct, 100,000 times, then the STOP of each
  const depth = 100_000;
  const nested = new Array<number>(2 * depth + 1).fill(0).fill((1 << 4) | CT.STRUCT, 0, depth);
  const f = write('deep-thrift.parquet', footerWith([[9, CT.STRUCT, nested]]));
  expectRefused(await infer(f), f, /deeper than \d+ levels|ends unexpectedly/);
});
hostile('Parquet: columns Id and id are one column', async () => {
  const f = write('id-case.parquet', parquetFile(fileMetaData(schemaOf([{ name: 'schema', numChildren: 2 }, { name: 'Id', type: INT32, repetition: OPTIONAL }, { name: 'id', type: BYTE_ARRAY, repetition: OPTIONAL }]))));
  const o = await infer(f);
  expectRead(o, f, { corrupt: 0 });
  expect(o.json!.columns).toHaveLength(1);
  expect(o.json!.columns[0]!.name).toBe('id');
});
hostile('Parquet: a decimal whose scale exceeds its precision', async () => {
  const f = write('bad-decimal.parquet', parquetFile(fileMetaData(schemaOf([{ name: 'schema', numChildren: 1 }, { name: 'price', type: INT32, repetition: OPTIONAL, logical: decimalLogical(5, 10) }]))));
  expectRefused(await infer(f), f, /price.*DECIMAL\(5,10\)/);
});
hostile('Parquet: a footer length larger than the file', async () => {
  const bytes = parquetFile(fileMetaData(schemaOf(simpleSchema())));
  new DataView(bytes.buffer).setUint32(bytes.length - 8, 1 << 30, true);
  const f = write('long-footer.parquet', bytes);
  expectRefused(await infer(f), f, /larger than the file/);
});
hostile('Parquet: no PAR1 magic at the end', async () => {
  const f = write('no-magic.parquet', Buffer.from('this is not a parquet file at all, just text'));
  expectRefused(await infer(f), f, /not a Parquet file/);
});
hostile('Parquet: an encrypted footer', async () => {
  const bytes = parquetFile(fileMetaData(schemaOf(simpleSchema())));
  bytes.set([0x50, 0x41, 0x52, 0x45], bytes.length - 4);
  const f = write('encrypted.parquet', bytes);
  expectRefused(await infer(f), f, /encrypted/);
});
hostile('Parquet: 5 bytes', async () => {
  const f = write('tiny.parquet', Buffer.from('PAR1\n'));
  expectRefused(await infer(f), f, /too small/);
});
hostile('Parquet: a footer of random bytes', async () => {
  const footer = new Uint8Array(4096);
  for (let i = 0, s = 11; i < footer.length; i++) footer[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  const f = write('random-footer.parquet', parquetFile(footer));
  expectRefused(await infer(f), f, /footer|Parquet|schema/i);
});

describe('lake infer on hostile input', () => {
  it(`has at least 40 kinds (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });
  // two at a time: the machine has two cores
  for (let i = 0; i < cases.length; i += 2) {
    const pair = cases.slice(i, i + 2);
    it(pair.map((c) => c.name).join(' | '), async () => {
      await Promise.all(pair.map((c) => c.run()));
    }, 120_000);
  }
});
