// Crafted footers, byte by byte: each must end in a ParquetFooterError naming the problem, quickly, and
// never in a hang, an out-of-memory crash or a stack overflow.
import { describe, expect, it } from 'vitest';
import { toHiveColumns } from '../../../schema/hive';
import {
  inferParquetFooter,
  MAX_COLUMNS,
  MAX_SCHEMA_DEPTH,
  MAX_SCHEMA_ELEMENTS,
  MAX_THRIFT_DEPTH,
  parquetFooterLength,
  ParquetFooterError,
  readParquetFooter,
} from '../../../schema/infer/parquet';
import { mergeResults, type InferenceResult } from '../../../schema/merge';
import { withoutProvenance } from '../../../schema/provenance';
import { allTypesTable, parquetBytes } from '../support/parquet-fixtures';
import { binary, BYTE_ARRAY, CT, decimalLogical, fileMetaData, INT32, INT64, list, OPTIONAL, schemaOf, simpleSchema, struct, varint, zigzag, type Bytes, type Element, type ThriftField } from '../support/parquet-thrift';
import { cpuNowMs } from '../support/cpu-time';

// ---- assertions ------------------------------------------------------------------------------------------

const infer = (footer: Uint8Array | Bytes): InferenceResult => inferParquetFooter(footer instanceof Uint8Array ? footer : new Uint8Array(footer), { file: 'hostile.parquet' });

/** The footer is refused with a ParquetFooterError matching `message`, within a second. */
function expectRefused(footer: Uint8Array | Bytes, message: RegExp): void {
  const started = cpuNowMs();
  let error: unknown;
  try {
    infer(footer);
  } catch (e) {
    error = e;
  }
  const elapsed = cpuNowMs() - started;
  expect(error).toBeInstanceOf(ParquetFooterError);
  expect((error as Error).message).toMatch(message);
  expect(elapsed).toBeLessThan(1000);
}

const hiveColumns = (r: InferenceResult) => Object.fromEntries(toHiveColumns(r.schema).map((c) => [c.name, c.type]));

/** The footer only, as the adapters read it from the end of a file. */
function footerOf(bytes: Uint8Array): Uint8Array {
  const length = parquetFooterLength(bytes.subarray(bytes.length - 8));
  return bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
}

// ---- the cases -------------------------------------------------------------------------------------------

describe('Parquet footer reader on hostile footers', () => {
  it('reads a footer written by the test writer (the writer itself is right)', () => {
    const r = infer(fileMetaData(schemaOf(simpleSchema())));
    expect(hiveColumns(r)).toEqual({ a: 'int' });
    expect(r.records).toBe(1);
  });

  it('still skips well-formed fields of every Thrift type it does not need', () => {
    const skipped: ThriftField[] = [
      [20, CT.TRUE, []],
      [21, CT.BYTE, [0x7f]],
      [22, CT.DOUBLE, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]],
      [23, CT.BINARY, binary('kept out')],
      [24, CT.SET, list(CT.TRUE, 3, [[1], [2], [1]])],
      [25, CT.MAP, [...varint(2), (CT.TRUE << 4) | CT.BINARY, 1, ...binary('x'), 2, ...binary('y')]],
      [26, CT.LIST, list(CT.LIST, 1, [list(CT.I64, 2, [zigzag(-5), zigzag(7)])])],
      [27, CT.STRUCT, struct([[1, CT.STRUCT, struct([[1, CT.FALSE, []]])]])],
    ];
    expect(hiveColumns(infer(fileMetaData(schemaOf(simpleSchema()), skipped)))).toEqual({ a: 'int' });
  });

  it('refuses a skipped MAP declaring 2^40 entries instead of looping over them', () => {
    const map = [...varint(2n ** 40n), (CT.TRUE << 4) | CT.TRUE];
    expectRefused(fileMetaData(schemaOf(simpleSchema()), [[9, CT.MAP, map]]), /map of 1099511627776 entries with only \d+ bytes left/);
  });

  it('refuses a map of booleans whose entries run past the footer (booleans in a map are a byte each)', () => {
    const map = [...varint(1000), (CT.TRUE << 4) | CT.FALSE, 1, 2, 1, 2];
    expectRefused(fileMetaData(schemaOf(simpleSchema()), [[9, CT.MAP, map]]), /map of 1000 entries with only \d+ bytes left/);
  });

  it('refuses a LIST of 2^31 booleans (as row groups, and as a skipped field) before allocating anything', () => {
    const bools = list(CT.TRUE, 2n ** 31n);
    expectRefused(new Uint8Array(struct([[2, CT.LIST, schemaOf(simpleSchema())], [4, CT.LIST, bools]])), /row group list of 2147483648 elements with only \d+ bytes left/);
    expectRefused(fileMetaData(schemaOf(simpleSchema()), [[9, CT.SET, bools]]), /list of 2147483648 elements with only \d+ bytes left/);
  });

  it('refuses huge LISTs of structs: a schema past the element limit, row groups past the bytes left', () => {
    expectRefused(fileMetaData(list(CT.STRUCT, 1e9)), new RegExp(`schema of 1000000000 elements; at most ${MAX_SCHEMA_ELEMENTS} are supported`));
    // one byte (an empty struct) per element: honest about its bytes, but past the limit
    const wide = list(CT.STRUCT, MAX_SCHEMA_ELEMENTS + 1, Array.from({ length: MAX_SCHEMA_ELEMENTS + 1 }, () => [0]));
    expectRefused(fileMetaData(wide), new RegExp(`schema of ${MAX_SCHEMA_ELEMENTS + 1} elements; at most ${MAX_SCHEMA_ELEMENTS}`));
    expectRefused(new Uint8Array(struct([[2, CT.LIST, schemaOf(simpleSchema())], [4, CT.LIST, list(CT.STRUCT, 5_000_000, [[0], [0]])]])), /row group list of 5000000 elements with only 3 bytes left/);
  });

  it('refuses a column name declaring 2 GiB of bytes', () => {
    const huge = [0x48, ...varint(2n ** 31n), 0x61, 0x62]; // field 4 (name), BINARY, length 2^31, two bytes
    expectRefused(fileMetaData(list(CT.STRUCT, 1, [huge])), /2147483648-byte string with only \d+ bytes left/);
  });

  it('refuses negative and oversized varint lengths', () => {
    // -1 as an unsigned 32-bit varint
    expectRefused(fileMetaData(list(CT.STRUCT, 1, [[0x48, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61, 0]])), /4294967295-byte string/);
    // ten bytes: near 2^70
    expectRefused(fileMetaData(list(CT.STRUCT, 1, [[0x48, ...Array(9).fill(0xff), 0x7f, 0]])), /\d+-byte string with only \d+ bytes left/);
    // a varint that never ends
    expectRefused(fileMetaData(list(CT.STRUCT, 1, [[0x48, ...Array(11).fill(0xff), 0]])), /bad varint/);
    // a list size that never ends, and one near 2^70
    expectRefused(fileMetaData([0xfc, ...Array(12).fill(0x80)]), /bad varint/);
    expectRefused(fileMetaData([0xfc, ...Array(9).fill(0xff), 0x7f]), /schema of [\d.e+]+ elements; at most/);
  });

  it('refuses Thrift structs, lists and maps nested deeper than the limit', () => {
    const depthError = new RegExp(`deeper than ${MAX_THRIFT_DEPTH} levels`);
    // field 1 of type STRUCT, a hundred thousand times: FileMetaData.version is skipped, recursively
    expectRefused(new Array(100_000).fill(0x1c), depthError);
    // a list holding a list holding a list ...
    expectRefused(fileMetaData(schemaOf(simpleSchema()), [[9, CT.LIST, new Array(100_000).fill(0x19)]]), depthError);
    // a map of maps of maps ... (MAP elements, one entry each)
    expectRefused(fileMetaData(schemaOf(simpleSchema()), [[9, CT.MAP, new Array(50_000).fill([1, 0xbb]).flat()]]), depthError);
    // nesting well inside the limit is fine
    let nested = struct([]);
    for (let i = 0; i < MAX_THRIFT_DEPTH - 4; i++) nested = struct([[1, CT.STRUCT, nested]]);
    expect(hiveColumns(infer(fileMetaData(schemaOf(simpleSchema()), [[9, CT.STRUCT, nested]])))).toEqual({ a: 'int' });
  });

  it('refuses a schema tree nested thousands of groups deep, and reads one at the limit', () => {
    const chain = (groups: number): Element[] => [
      { name: 'schema', numChildren: 1 },
      ...Array.from({ length: groups }, (_, i) => ({ name: `g${i}`, repetition: OPTIONAL, numChildren: 1 })),
      { name: 'leaf', type: INT32, repetition: OPTIONAL },
    ];
    expectRefused(fileMetaData(schemaOf(chain(10_000))), new RegExp(`schema nests groups deeper than ${MAX_SCHEMA_DEPTH} levels \\(at column ".*\\.g62\\.g63"\\)`));
    expectRefused(fileMetaData(schemaOf(chain(MAX_SCHEMA_DEPTH))), new RegExp(`deeper than ${MAX_SCHEMA_DEPTH} levels`));
    const deepest = infer(fileMetaData(schemaOf(chain(MAX_SCHEMA_DEPTH - 1))));
    const inner = Array.from({ length: MAX_SCHEMA_DEPTH - 2 }, (_, i) => `struct<g${i + 1}:`).join('');
    expect(toHiveColumns(deepest.schema)).toEqual([{ name: 'g0', type: `${inner}struct<leaf:int>${'>'.repeat(MAX_SCHEMA_DEPTH - 2)}` }]);
  });

  it('refuses num_children larger than the elements that follow, negative or past the column limit', () => {
    const schema = (numChildren: number): Bytes => schemaOf([{ name: 'schema', numChildren }, { name: 'a', type: INT32 }]);
    expectRefused(fileMetaData(schema(1_000)), /the schema root declares 1000 children but only 1 elements follow/);
    expectRefused(fileMetaData(schema(-1)), /the schema root declares -1 children/);
    expectRefused(fileMetaData(schema(MAX_COLUMNS + 1)), new RegExp(`declares ${MAX_COLUMNS + 1} children; at most ${MAX_COLUMNS} are supported`));
    const nested = schemaOf([{ name: 'schema', numChildren: 1 }, { name: 's', numChildren: 5_000 }, { name: 'a', type: INT32 }]);
    expectRefused(fileMetaData(nested), /column "s" declares 5000 children but only 1 elements follow/);
    expectRefused(fileMetaData(schemaOf([...simpleSchema(), { name: 'stray', type: INT32 }])), /1 elements outside the root's tree/);
  });

  it('refuses a footer truncated at every byte offset', () => {
    for (const footer of [footerOf(parquetBytes(allTypesTable())), fileMetaData(schemaOf(simpleSchema()))]) {
      expect(() => infer(footer)).not.toThrow();
      const started = cpuNowMs();
      for (let end = 0; end < footer.length; end++) {
        expect(() => infer(footer.subarray(0, end)), `cut at ${end} of ${footer.length}`).toThrow(ParquetFooterError);
      }
      expect(cpuNowMs() - started).toBeLessThan(5000);
    }
  });

  it('refuses a decimal whose scale exceeds its precision, or whose precision is 0 or negative, naming the column', () => {
    const decimal = (e: Partial<Element>): Uint8Array =>
      fileMetaData(schemaOf([{ name: 'schema', numChildren: 1 }, { name: 's', numChildren: 1 }, { name: 'Price', type: INT64, repetition: OPTIONAL, ...e }]));
    expectRefused(decimal({ logical: decimalLogical(5, 10) }), /column "s\.Price" is DECIMAL\(5,10\); a decimal needs precision >= 1 and 0 <= scale <= precision/);
    expectRefused(decimal({ convertedType: 5, precision: 0, scale: 0 }), /column "s\.Price" is DECIMAL\(0,0\)/);
    expectRefused(decimal({ convertedType: 5, precision: -3, scale: 0 }), /DECIMAL\(-3,0\)/);
    expectRefused(decimal({ convertedType: 5, precision: 10, scale: -1 }), /DECIMAL\(10,-1\)/);
    expectRefused(decimal({ convertedType: 5, precision: 50, scale: 60 }), /DECIMAL\(50,60\)/);
    // valid Parquet past Hive's 38 digits keeps its mapping to double; a valid one is itself
    expect(hiveColumns(infer(decimal({ logical: decimalLogical(50, 2) })))).toEqual({ s: 'struct<price:double>' });
    expect(hiveColumns(infer(decimal({ logical: decimalLogical(12, 2) })))).toEqual({ s: 'struct<price:decimal(12,2)>' });
  });

  it('refuses a schema list of something other than structs, and a negative row count', () => {
    expectRefused(fileMetaData(list(CT.I32, 2, [zigzag(1), zigzag(2)])), /schema list holds Thrift type 5, not structs/);
    expectRefused(new Uint8Array(struct([[2, CT.LIST, schemaOf(simpleSchema())], [3, CT.I64, zigzag(-5)]])), /footer declares -5 rows/);
  });

  it('makes columns named Id and id one column, whatever their order, and merging the file with itself changes nothing', () => {
    const footer = (order: 'Id first' | 'id first'): Uint8Array => {
      const Id: Element = { name: 'Id', type: INT32, repetition: OPTIONAL };
      const id: Element = { name: 'id', type: INT64, repetition: OPTIONAL };
      const pair = order === 'Id first' ? [Id, id] : [id, Id];
      return fileMetaData(
        schemaOf([
          { name: 'schema', numChildren: 4 },
          ...pair,
          { name: 'Point', repetition: OPTIONAL, numChildren: 1 },
          { name: 'X', type: 5, repetition: OPTIONAL },
          { name: 'point', repetition: OPTIONAL, numChildren: 2 },
          { name: 'x', type: INT32, repetition: OPTIONAL },
          { name: 'Label', type: BYTE_ARRAY, repetition: OPTIONAL, convertedType: 0 },
        ]),
      );
    };
    const a = infer(footer('Id first'));
    expect(toHiveColumns(a.schema)).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'point', type: 'struct<x:double,label:string>' },
    ]);
    expect(a.schema.columns.map((c) => c.name)).toEqual(['Id', 'Point']);
    expect((a.schema.columns[1]!.type as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(['X', 'Label']);
    expect(infer(footer('id first'))).toEqual(a);
    expect(mergeResults(a, a).schema).toEqual(a.schema);
    expect(withoutProvenance(mergeResults(a, a).schema)).toEqual(withoutProvenance(a.schema));
  });

  it('joins thousands of spellings of one struct column without quadratic work', () => {
    const footerOfSpellings = (n: number) => {
      const elements: Element[] = [{ name: 'schema', numChildren: n }];
      for (let i = 0; i < n; i++) elements.push({ name: i % 2 ? 'S' : 's', numChildren: 1 }, { name: `f${i}`, type: INT32 });
      return fileMetaData(schemaOf(elements));
    };
    // how the time grows, not how long it takes (a busy machine slows both sizes alike): four times the
    // spellings cost about four times the time when the work is linear, sixteen when it is quadratic
    const fastest = (bytes: Uint8Array) => {
      let best = Infinity;
      for (let round = 0; round < 3; round++) {
        const started = cpuNowMs();
        infer(bytes);
        best = Math.min(best, cpuNowMs() - started);
      }
      return best;
    };
    const n = MAX_COLUMNS - 1;
    const large = footerOfSpellings(n);
    const small = footerOfSpellings(Math.floor(n / 4));
    fastest(small); // warmed up before either is timed
    expect(fastest(large) / fastest(small)).toBeLessThan(10);
    const r = infer(large);
    expect(r.schema.columns).toHaveLength(1);
    expect((r.schema.columns[0]!.type as { fields: unknown[] }).fields).toHaveLength(n);
  });

  it('never throws anything but ParquetFooterError on randomly corrupted footers', () => {
    const valid = footerOf(parquetBytes(allTypesTable()));
    let seed = 0x2545f491;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const started = cpuNowMs();
    for (let round = 0; round < 2000; round++) {
      const bytes = valid.slice();
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        infer(bytes);
      } catch (e) {
        if (!(e instanceof ParquetFooterError)) throw e;
      }
    }
    expect(cpuNowMs() - started).toBeLessThan(10_000);
  });
});

describe('the one footer reader', () => {
  /** A file in memory, read by range, with the reads it served. */
  const file = (bytes: Uint8Array) => {
    const reads: [number, number][] = [];
    return { reads, read: async (position: number, length: number) => (reads.push([position, length]), bytes.slice(position, position + length)) };
  };

  it('reads the last 8 bytes, then the footer, and nothing else', async () => {
    const bytes = parquetBytes(allTypesTable());
    const f = file(bytes);
    const heard: number[] = [];
    const footer = await readParquetFooter(bytes.length, f.read, (n) => heard.push(n));
    expect(footer).toEqual(footerOf(bytes));
    expect(f.reads).toEqual([[bytes.length - 8, 8], [bytes.length - 8 - footer.length, footer.length]]);
    expect(heard).toEqual([8, footer.length]);
  });

  it('refuses a file too small, without magic, or whose footer would not fit, before fetching the footer', async () => {
    await expect(readParquetFooter(4, file(new Uint8Array(4)).read)).rejects.toThrow(new ParquetFooterError('too small to be a Parquet file (4 bytes)'));
    const text = new TextEncoder().encode('this is not a parquet file at all, just text');
    await expect(readParquetFooter(text.length, file(text).read)).rejects.toThrow(/no PAR1 magic/);
    const long = parquetBytes(allTypesTable());
    new DataView(long.buffer, long.byteOffset).setUint32(long.length - 8, 1 << 30, true);
    const f = file(long);
    await expect(readParquetFooter(long.length, f.read)).rejects.toThrow(`Parquet footer length ${1 << 30} is larger than the file (${long.length} bytes)`);
    expect(f.reads).toHaveLength(1);
  });
});
