// A small lake of messy data, made here from a seed (nothing copied from elsewhere), and the truth about
// it: every valid record with its partition, every corrupt line, and what a reader must return. The
// cases are the ones users meet first: corrupt and blank lines, keys Hive cannot hold (spaces, dashes,
// dots, leading digits, non-ASCII, case variants), reserved words, keys in any order, partition keys
// repeated inside records (some disagreeing with their path), types widening across partitions, structs
// gaining fields, fields that are sometimes objects or arrays, arrays of structs, gzip of several members,
// CRLF line ends and invalid UTF-8; CSV with odd headers, quoted delimiters, doubled quotes and newlines.
import { gzipSync } from 'node:zlib';
import { rng } from '../../infra/demo-lake';

export interface MessyFile {
  key: string; // relative to the source's prefix
  body: Buffer;
}

export interface MessyRecord {
  partition: Record<string, string>;
  /** The record as JSON.parse reads its line (for CSV: cells by header name, typed as written). */
  record: Record<string, unknown>;
}

export interface MessySource {
  files: MessyFile[];
  records: MessyRecord[];
  /** Lines that are not records and read as rows of NULLs through the JSON SerDe: corrupt and blank. */
  nullRows: { partition: Record<string, string>; corrupt: boolean }[];
  /** Records whose own partition key value differs from the path's. */
  keyMismatches: number;
}

function shuffled<T>(items: T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A JSON object text with its keys in a shuffled order (JSON.stringify keeps insertion order). */
function objectText(entries: [string, unknown][], rnd: () => number): string {
  return `{${shuffled(entries, rnd).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/**
 * JSON lines in `date_id=…/hour=…/` partitions. Three generations of one service's events:
 * - 2019-10-14/09: the oldest fields only, `n` a small int, `props` {a};
 * - 2019-10-15/20: records repeat `date_id` and `hour` (a few with another hour), `n` past 2^31, new odd
 *   keys, `mixed` sometimes an object or an array, `items` arrays of structs, corrupt and blank lines;
 * - 2019-10-15/21: gzip of two members, CRLF line ends, `n` a double, `props` gains `b`, nested odd keys.
 */
export function messyJsonLines(seed = 13): MessySource {
  const rnd = rng(seed);
  const files: MessyFile[] = [];
  const records: MessyRecord[] = [];
  const nullRows: MessySource['nullRows'] = [];
  let keyMismatches = 0;
  let id = 0;

  const lines = (partition: Record<string, string>, make: (i: number) => string | { corrupt: string } | { blank: true }, n: number, eol = '\n') => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const line = make(i);
      if (typeof line === 'string') {
        out.push(line);
        records.push({ partition, record: JSON.parse(line) as Record<string, unknown> });
      } else if ('corrupt' in line) {
        out.push(line.corrupt);
        nullRows.push({ partition, corrupt: true });
      } else {
        out.push('');
        nullRows.push({ partition, corrupt: false });
      }
    }
    return out.join(eol) + eol;
  };

  const old = { date_id: '2019-10-14', hour: '09' };
  files.push({
    key: 'date_id=2019-10-14/hour=09/part-0.json',
    body: Buffer.from(
      lines(old, () => objectText([['id', ++id], ['E-Mail', `u${id}@example.com`], ['name', `user ${id}`], ['n', id * 7], ['props', { a: id }]], rnd), 6),
    ),
  });

  const mid = { date_id: '2019-10-15', hour: '20' };
  const midBody = lines(
    mid,
    (i) => {
      if (i === 3) return { corrupt: '{"id": 999, "name": "truncated' };
      if (i === 7) return { corrupt: 'this line is not JSON at all' };
      if (i === 9) return { blank: true };
      const hour = i === 5 || i === 11 ? 21 : 20; // two records disagree with their path
      if (hour !== 20) keyMismatches++;
      const n = ++id;
      const entries: [string, unknown][] = [
        ['id', n],
        ['date_id', '2019-10-15'],
        ['hour', i % 2 ? hour : String(hour)],
        ['E-Mail', `u${n}@example.com`],
        ['first name', `First ${n}`],
        ['a.b', n % 3 === 0 ? null : `dotted ${n}`],
        ['User Id', 1000 + n],
        ['2nd', n % 2 === 0],
        ['Ünïcode', `ü${n}`],
        [n % 2 ? 'URL' : 'Url', `https://example.com/${n}`],
        ['timestamp', `2019-10-15T20:${String(i).padStart(2, '0')}:00Z`],
        ['from', 'here'],
        ['to', 'there'],
        ['select', i],
        ['user', { 'Display Name': `D${n}`, id: n }],
        ['n', 3_000_000_000 + n],
        ['props', { a: n }],
        ['mixed', i % 3 === 0 ? { O: 1, list: [1, 2] } : i % 3 === 1 ? [1, 'two'] : `plain ${n}`],
        ['items', Array.from({ length: i % 3 }, (_, k) => (k % 2 ? { k, v: `v${k}` } : { k, 'Item-Tag': `t${k}` }))],
        ['matrix', [[i], [i, i + 1]]],
      ];
      return objectText(entries, rnd);
    },
    13,
  );
  files.push({ key: 'date_id=2019-10-15/hour=20/part-0.json', body: Buffer.from(midBody) });

  const late = { date_id: '2019-10-15', hour: '21' };
  const lateRecord = () => {
    const n = ++id;
    return objectText(
      [
        ['id', n],
        ['E-Mail', `u${n}@example.com`],
        ['n', n + 0.5],
        // `first_name` is a key of its own here, while the top-level `first name` reads as first_name
        ['props', { a: n, b: `b${n}`, 'Deep Key': { 'x-y': n }, first_name: `nested ${n}` }],
        ['first name', `First ${n}`],
        ['tags', ['x', `t${n}`]],
      ],
      rnd,
    );
  };
  const memberA = lines(late, lateRecord, 4, '\r\n');
  const memberB = lines(late, (i) => (i === 1 ? { corrupt: '{"id":1,"broken":}' } : lateRecord()), 3, '\r\n');
  // a record whose string holds bytes that are not UTF-8: every reader decodes them as U+FFFD
  const invalid = Buffer.concat([Buffer.from(`{"id":${++id},"name":"bad `), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes"}\r\n')]);
  records.push({ partition: late, record: { id, name: 'bad \ufffd\ufffd bytes' } });
  files.push({
    key: 'date_id=2019-10-15/hour=21/part-0.json.gz',
    body: Buffer.concat([gzipSync(Buffer.from(memberA)), gzipSync(Buffer.concat([Buffer.from(memberB), invalid]))]),
  });
  return { files, records, nullRows, keyMismatches };
}

/**
 * CSV in `date_id=…/` partitions (`delimiter` between cells): a header with names Hive cannot hold and the partition key repeated as a
 * column; quoted fields holding the delimiter, doubled quotes and newlines; empty cells; ints, doubles and
 * booleans. `record` holds each cell typed as the header column's type.
 */
export function messyCsv(delimiter: ',' | ';' | '\t' = ','): MessySource {
  const header = ['id', 'First Name', 'amount', 'note', 'flag', 'date_id'];
  const files: MessyFile[] = [];
  const records: MessyRecord[] = [];
  const rows: Record<string, (string | null)[][]> = {
    '2019-10-14': [
      ['1', 'Ann', '1.5', 'plain', 'true', '2019-10-14'],
      ['2', 'Bob "the" builder', '2', 'has, a comma', 'false', '2019-10-14'],
    ],
    '2019-10-15': [
      ['3', null, '3.25', 'two\nlines', null, '2019-10-15'],
      ['4', 'Zoë', '-4', 'quote " and, comma\nand newline', 'true', '2019-10-15'],
      ['5', 'Eve', null, null, 'false', '2019-10-15'],
    ],
  };
  const cell = (v: string | null) => (v === null ? '' : /[",;\t\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  for (const [day, rs] of Object.entries(rows)) {
    const text = [header.join(delimiter), ...rs.map((r) => r.map(cell).join(delimiter))].join('\n') + '\n';
    files.push({ key: `date_id=${day}/part-0.csv`, body: Buffer.from(text) });
    for (const r of rs) {
      records.push({
        partition: { date_id: day },
        record: {
          id: Number(r[0]),
          'First Name': r[1],
          amount: r[2] === null ? null : Number(r[2]),
          note: r[3],
          flag: r[4] === null ? null : r[4] === 'true',
          date_id: r[5],
        },
      });
    }
  }
  return { files, records, nullRows: [], keyMismatches: 0 };
}

/**
 * A raw stream of two kinds of records (`kind`: click, buy) that repeat their partition key, each kind
 * with its own `props` whose keys Hive cannot hold, a corrupt line and keys in any order. Split by `kind`
 * and `props` flattened, each kind is a logical source published as a view.
 */
export function messyStream(seed = 7): MessySource {
  const rnd = rng(seed);
  const records: MessyRecord[] = [];
  const nullRows: MessySource['nullRows'] = [];
  const partition = { date_id: '2019-10-15' };
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) {
    if (i === 4) {
      lines.push('{"kind":"click","id":');
      nullRows.push({ partition, corrupt: true });
      continue;
    }
    const kind = i % 3 === 0 ? 'buy' : 'click';
    const props: Record<string, unknown> = kind === 'buy' ? { 'Item-Id': 100 + i, 'price €': i + 0.25, Currency: 'EUR' } : { 'Page Url': `/p/${i}`, 'x.y': i % 2 === 0 };
    const entries: [string, unknown][] = [['kind', kind], ['id', i], ['date_id', '2019-10-15'], ['props', props], ['User-Agent', `ua ${i}`]];
    const line = objectText(entries, rnd);
    lines.push(line);
    records.push({ partition, record: JSON.parse(line) as Record<string, unknown> });
  }
  return { files: [{ key: 'date_id=2019-10-15/part-0.json', body: Buffer.from(lines.join('\n') + '\n') }], records, nullRows, keyMismatches: 0 };
}

/**
 * Parquet in `date_id=…/` partitions whose files disagree as a lake's do over time: the older file has
 * `id` and `props.a` as 32-bit ints and fewer columns; the newer one 64-bit ints, a struct that gained a
 * field, a new double and a list column, and a column named in mixed case.
 */
export function messyParquet(): MessySource {
  // loaded here so that only callers of this function need Arrow and parquet-wasm
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const arrow = require('apache-arrow') as typeof import('apache-arrow');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Table: WasmTable, writeParquet } = require('parquet-wasm/node') as typeof import('parquet-wasm/node/parquet_wasm');
  const field = (name: string, type: import('apache-arrow').DataType) => new arrow.Field(name, type, true);
  const write = (columns: Record<string, import('apache-arrow').Vector>) =>
    Buffer.from(writeParquet(WasmTable.fromIPCStream(arrow.tableToIPC(new arrow.Table(columns), 'stream'))));
  const records: MessyRecord[] = [];
  const old = { date_id: '2019-10-14' };
  const oldRows = [0, 1, 2].map((i) => ({ id: i, UserName: `user ${i}`, props: { a: i * 10 } }));
  const late = { date_id: '2019-10-15' };
  const lateRows = [3, 4].map((i) => ({ id: i, UserName: i === 4 ? null : `user ${i}`, props: { a: 3_000_000_000 + i, b: `b${i}` }, score: i + 0.5, tags: i === 3 ? ['x', 'y'] : [] }));
  for (const r of oldRows) records.push({ partition: old, record: r });
  for (const r of lateRows) records.push({ partition: late, record: r });
  const files: MessyFile[] = [
    {
      key: 'date_id=2019-10-14/part-0.parquet',
      body: write({
        id: arrow.vectorFromArray(oldRows.map((r) => r.id), new arrow.Int32()),
        UserName: arrow.vectorFromArray(oldRows.map((r) => r.UserName), new arrow.Utf8()),
        props: arrow.vectorFromArray(oldRows.map((r) => r.props), new arrow.Struct([field('a', new arrow.Int32())])),
      }),
    },
    {
      key: 'date_id=2019-10-15/part-0.parquet',
      body: write({
        id: arrow.vectorFromArray(lateRows.map((r) => BigInt(r.id)), new arrow.Int64()),
        UserName: arrow.vectorFromArray(lateRows.map((r) => r.UserName), new arrow.Utf8()),
        props: arrow.vectorFromArray(
          lateRows.map((r) => ({ a: BigInt(r.props.a), b: r.props.b })),
          new arrow.Struct([field('a', new arrow.Int64()), field('b', new arrow.Utf8())]),
        ),
        score: arrow.vectorFromArray(lateRows.map((r) => r.score), new arrow.Float64()),
        tags: arrow.vectorFromArray(lateRows.map((r) => r.tags), new arrow.List(field('element', new arrow.Utf8()))),
      }),
    },
  ];
  return { files, records, nullRows: [], keyMismatches: 0 };
}
