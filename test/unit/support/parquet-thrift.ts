// A tiny Thrift compact-protocol writer for Parquet footers, byte by byte: valid ones, and the crafted
// ones the hostile-input tests feed the reader.


export const CT = { TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 };
export type Bytes = number[];

export function varint(n: number | bigint): Bytes {
  let v = BigInt(n);
  const out: Bytes = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export const zigzag = (n: number): Bytes => varint(n >= 0 ? BigInt(n) * 2n : BigInt(-n) * 2n - 1n);
export const binary = (s: string | Bytes): Bytes => {
  const bytes = typeof s === 'string' ? [...new TextEncoder().encode(s)] : s;
  return [...varint(bytes.length), ...bytes];
};

/** out += more, without spreading (a spread of a big array overflows the stack). */
export function append(out: Bytes, more: Bytes): Bytes {
  for (const b of more) out.push(b);
  return out;
}

/** A field: its id, wire type and encoded value (empty for booleans, whose value is the type). */
export type ThriftField = [id: number, type: number, value: Bytes];

/** A struct: field headers with id deltas (long form past 15), then STOP. */
export function struct(fields: ThriftField[]): Bytes {
  const out: Bytes = [];
  let last = 0;
  for (const [id, type, value] of fields) {
    const delta = id - last;
    if (delta > 0 && delta <= 15) out.push((delta << 4) | type);
    else out.push(type, ...zigzag(id));
    append(out, value);
    last = id;
  }
  out.push(0);
  return out;
}

/** A list header declaring `size` elements (whatever follows), then the elements given. */
export function list(elementType: number, size: number | bigint, elements: Bytes[] = []): Bytes {
  const header = Number(size) < 15 ? [(Number(size) << 4) | elementType] : [0xf0 | elementType, ...varint(size)];
  for (const e of elements) append(header, e);
  return header;
}

export interface Element {
  name: string;
  type?: number;
  repetition?: number;
  numChildren?: number;
  convertedType?: number;
  scale?: number;
  precision?: number;
  logical?: Bytes;
}

/** parquet.thrift SchemaElement. */
export function element(e: Element): Bytes {
  const fields: ThriftField[] = [];
  if (e.type !== undefined) fields.push([1, CT.I32, zigzag(e.type)]);
  if (e.repetition !== undefined) fields.push([3, CT.I32, zigzag(e.repetition)]);
  fields.push([4, CT.BINARY, binary(e.name)]);
  if (e.numChildren !== undefined) fields.push([5, CT.I32, zigzag(e.numChildren)]);
  if (e.convertedType !== undefined) fields.push([6, CT.I32, zigzag(e.convertedType)]);
  if (e.scale !== undefined) fields.push([7, CT.I32, zigzag(e.scale)]);
  if (e.precision !== undefined) fields.push([8, CT.I32, zigzag(e.precision)]);
  if (e.logical) fields.push([10, CT.STRUCT, e.logical]);
  return struct(fields);
}

/** LogicalType union holding DECIMAL(precision, scale). */
export const decimalLogical = (precision: number, scale: number): Bytes => struct([[5, CT.STRUCT, struct([[1, CT.I32, zigzag(scale)], [2, CT.I32, zigzag(precision)]])]]);

/** parquet.thrift FileMetaData: version, schema, num_rows, row_groups (empty), plus any extra fields. */
export function fileMetaData(schema: Bytes, extra: ThriftField[] = []): Uint8Array {
  const fields: ThriftField[] = [
    [1, CT.I32, zigzag(2)],
    [2, CT.LIST, schema],
    [3, CT.I64, zigzag(1)],
    [4, CT.LIST, list(CT.STRUCT, 0)],
    ...extra,
  ];
  return new Uint8Array(struct(fields.sort((a, b) => a[0] - b[0])));
}

export const schemaOf = (elements: Element[]): Bytes => list(CT.STRUCT, elements.length, elements.map(element));
export const INT32 = 1;
export const INT64 = 2;
export const BYTE_ARRAY = 6;
export const OPTIONAL = 1;
/** Root plus one optional int32 column `a`: the valid footer the hostile ones are variations of. */
export const simpleSchema = (): Element[] => [{ name: 'schema', numChildren: 1 }, { name: 'a', type: INT32, repetition: OPTIONAL }];

/** A whole Parquet file around `footer`: magic, the footer, its length, magic. */
export function parquetFile(footer: Uint8Array | Bytes): Uint8Array {
  const f = footer instanceof Uint8Array ? footer : new Uint8Array(footer);
  const out = new Uint8Array(4 + f.length + 8);
  out.set([0x50, 0x41, 0x52, 0x31], 0);
  out.set(f, 4);
  new DataView(out.buffer).setUint32(4 + f.length, f.length, true);
  out.set([0x50, 0x41, 0x52, 0x31], 8 + f.length);
  return out;
}
