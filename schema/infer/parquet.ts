// Parquet schema from the footer alone. A Parquet file ends with
//   <FileMetaData, Thrift compact protocol> <4-byte little-endian length> "PAR1"
// so a reader needs the last 8 bytes, then the footer bytes: never a data page (`readParquetFooter`,
// given a way to read a range of the file). This file decodes the footer's schema elements (physical
// type, converted type, logical type, repetition, nesting) and maps them to lake types.
import { canonicalFields, field } from '../fields';
import { joinFields } from '../lattice';
import type { InferenceResult } from '../merge';
import { fieldKey } from '../names';
import { MAX_DECIMAL_PRECISION, T, type Field, type LakeType } from '../types';

export const PARQUET_MAGIC = 'PAR1';

/** The largest footer a reader fetches: real footers are kilobytes to a few megabytes. */
export const MAX_PARQUET_FOOTER_BYTES = 64 * 1024 * 1024;

export class ParquetFooterError extends Error {}

/** Length of the footer, from the file's last 8 bytes. */
export function parquetFooterLength(last8: Uint8Array): number {
  if (last8.length !== 8) throw new ParquetFooterError('need the last 8 bytes of the file');
  const magic = String.fromCharCode(last8[4]!, last8[5]!, last8[6]!, last8[7]!);
  if (magic === 'PARE') throw new ParquetFooterError('encrypted Parquet footers are not supported');
  if (magic !== PARQUET_MAGIC) throw new ParquetFooterError('not a Parquet file (no PAR1 magic at the end)');
  return (last8[0]! | (last8[1]! << 8) | (last8[2]! << 16) | (last8[3]! << 24)) >>> 0;
}

/**
 * The footer bytes of a Parquet file of `size` bytes, in two reads through `read` (the last 8 bytes,
 * then the footer). `read` returns exactly the bytes asked for or throws; `onRead` hears each read's
 * length. A file that is no readable Parquet file throws ParquetFooterError before its footer is fetched.
 */
export async function readParquetFooter(
  size: number,
  read: (position: number, length: number) => Promise<Uint8Array>,
  onRead: (bytes: number) => void = () => {},
): Promise<Uint8Array> {
  if (size < 12) throw new ParquetFooterError(`too small to be a Parquet file (${size} bytes)`);
  const tail = await read(size - 8, 8);
  onRead(8);
  const length = parquetFooterLength(tail);
  if (length + 12 > size) throw new ParquetFooterError(`Parquet footer length ${length} is larger than the file (${size} bytes)`);
  if (length > MAX_PARQUET_FOOTER_BYTES) throw new ParquetFooterError(`Parquet footer of ${length} bytes is larger than the ${MAX_PARQUET_FOOTER_BYTES} this reader accepts`);
  const footer = await read(size - 8 - length, length);
  onRead(length);
  return footer;
}

// ---- Thrift compact protocol (just what FileMetaData needs) --------------------------------------------
//
// The footer is untrusted: every size it declares is checked against the bytes left before anything is
// allocated or looped over. Each list, set or map element takes at least one byte (booleans inside
// collections are a byte each), so a count larger than the bytes left cannot be honest.

/** Apache Thrift's own default recursion limit; a real footer nests about 8 deep
 * (FileMetaData > RowGroup > ColumnChunk > ColumnMetaData > Statistics ...). */
export const MAX_THRIFT_DEPTH = 64;

const CT = { STOP: 0, TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 };

type ThriftValue = boolean | number | Uint8Array | ThriftStruct | undefined;
/** A decoded struct: field id -> value. Fields we do not need are skipped, not kept. */
type ThriftStruct = Map<number, ThriftValue>;
type FieldReader = (r: CompactReader, type: number) => ThriftValue;

class CompactReader {
  pos = 0;
  private depth = 0;
  constructor(private readonly buf: Uint8Array) {}

  private get left(): number {
    return this.buf.length - this.pos;
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new ParquetFooterError('footer ends unexpectedly');
    return this.buf[this.pos++]!;
  }

  private advance(n: number): void {
    if (n > this.left) throw new ParquetFooterError('footer ends unexpectedly');
    this.pos += n;
  }

  private varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new ParquetFooterError('bad varint in footer (longer than 10 bytes)');
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** Run `body` one nesting level deeper; recursion on crafted bytes must end in an error, not a stack overflow. */
  private nested<R>(body: () => R): R {
    if (this.depth >= MAX_THRIFT_DEPTH) throw new ParquetFooterError(`footer nests Thrift structures deeper than ${MAX_THRIFT_DEPTH} levels`);
    this.depth++;
    const result = body();
    this.depth--;
    return result;
  }

  private binary(): Uint8Array {
    const n = this.varint();
    if (n > this.left) throw new ParquetFooterError(`footer declares a ${n}-byte string with only ${this.left} bytes left`);
    const bytes = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return bytes;
  }

  /** Read a struct; `keep(id, type)` says which fields to decode (others are skipped) and how. */
  struct(keep: (id: number, type: number) => FieldReader | undefined): ThriftStruct {
    return this.nested(() => {
      const out: ThriftStruct = new Map();
      let id = 0;
      for (;;) {
        const header = this.byte();
        const type = header & 0x0f;
        if (type === CT.STOP) return out;
        const delta = header >> 4;
        id = delta === 0 ? this.zigzag() : id + delta;
        const read = keep(id, type);
        if (read) out.set(id, read(this, type));
        else this.skip(type);
      }
    });
  }

  /** A scalar field value; nested values are skipped (undefined). */
  value(type: number): ThriftValue {
    switch (type) {
      case CT.TRUE:
        return true;
      case CT.FALSE:
        return false;
      case CT.BYTE:
        return (this.byte() << 24) >> 24;
      case CT.I16:
      case CT.I32:
      case CT.I64:
        return this.zigzag();
      case CT.BINARY:
        return this.binary();
      default:
        this.skip(type);
        return undefined;
    }
  }

  /**
   * Read a list or set, calling `readElement` once per element; returns the size. `limit` bounds the size
   * beyond what the bytes left allow, with `what` naming the list in the error.
   */
  each(readElement: (r: CompactReader, elementType: number) => void, limit = Infinity, what = 'a list'): number {
    const header = this.byte();
    let size = header >> 4;
    if (size === 15) size = this.varint();
    const elementType = header & 0x0f;
    if (size > limit) throw new ParquetFooterError(`footer declares ${what} of ${size} elements; at most ${limit} are supported`);
    if (size > this.left) throw new ParquetFooterError(`footer declares ${what} of ${size} elements with only ${this.left} bytes left`);
    return this.nested(() => {
      for (let i = 0; i < size; i++) readElement(this, elementType);
      return size;
    });
  }

  /** Skip one element of a list, set or map: unlike a struct field, a boolean there is a byte of its own. */
  skipElement(type: number): void {
    if (type === CT.TRUE || type === CT.FALSE) this.advance(1);
    else this.skip(type);
  }

  /** Skip a field value of `type`. */
  skip(type: number): void {
    switch (type) {
      case CT.TRUE:
      case CT.FALSE:
        return; // the value was in the field header
      case CT.BYTE:
        this.advance(1);
        return;
      case CT.I16:
      case CT.I32:
      case CT.I64:
        this.varint();
        return;
      case CT.DOUBLE:
        this.advance(8);
        return;
      case CT.BINARY:
        this.binary();
        return;
      case CT.LIST:
      case CT.SET:
        this.each((r, t) => r.skipElement(t));
        return;
      case CT.MAP: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        // a key and a value: at least two bytes an entry
        if (size > this.left / 2) throw new ParquetFooterError(`footer declares a map of ${size} entries with only ${this.left} bytes left`);
        this.nested(() => {
          for (let i = 0; i < size; i++) {
            this.skipElement(kv >> 4);
            this.skipElement(kv & 0x0f);
          }
        });
        return;
      }
      case CT.STRUCT:
        this.struct(() => undefined);
        return;
      default:
        throw new ParquetFooterError(`bad Thrift type ${type} in footer at ${this.pos}`);
    }
  }
}

// ---- FileMetaData -> schema elements --------------------------------------------------------------------

/** parquet.thrift SchemaElement, the fields that carry types. */
export interface SchemaElement {
  name: string;
  type?: number; // Type: BOOLEAN=0 INT32=1 INT64=2 INT96=3 FLOAT=4 DOUBLE=5 BYTE_ARRAY=6 FIXED_LEN_BYTE_ARRAY=7
  repetition?: number; // REQUIRED=0 OPTIONAL=1 REPEATED=2
  numChildren?: number;
  convertedType?: number;
  scale?: number;
  precision?: number;
  logical?: LogicalType;
}

/** parquet.thrift LogicalType union, flattened. */
export interface LogicalType {
  kind: 'STRING' | 'MAP' | 'LIST' | 'ENUM' | 'DECIMAL' | 'DATE' | 'TIME' | 'TIMESTAMP' | 'INTEGER' | 'UNKNOWN' | 'JSON' | 'BSON' | 'UUID' | 'FLOAT16' | 'OTHER';
  scale?: number;
  precision?: number;
  bitWidth?: number;
  isSigned?: boolean;
  unit?: 'MILLIS' | 'MICROS' | 'NANOS';
}

const LOGICAL_KINDS: Record<number, LogicalType['kind']> = {
  1: 'STRING', 2: 'MAP', 3: 'LIST', 4: 'ENUM', 5: 'DECIMAL', 6: 'DATE', 7: 'TIME', 8: 'TIMESTAMP',
  10: 'INTEGER', 11: 'UNKNOWN', 12: 'JSON', 13: 'BSON', 14: 'UUID', 15: 'FLOAT16',
};

/** Schema elements a footer may list: ample for the widest real tables, and it bounds the work below. */
export const MAX_SCHEMA_ELEMENTS = 100_000;

const utf8 = new TextDecoder();
const asNumber = (v: ThriftValue): number | undefined => (typeof v === 'number' ? v : undefined);
const readScalar: FieldReader = (r, t) => r.value(t);

export interface ParquetFooter {
  elements: SchemaElement[];
  numRows: number;
  rowGroups: number;
}

/** Decode the footer bytes (FileMetaData) into its schema elements. */
export function decodeParquetFooter(footer: Uint8Array): ParquetFooter {
  const r = new CompactReader(footer);
  let elements: SchemaElement[] | undefined;
  let rowGroups = 0;
  // A field whose wire type is not the one parquet.thrift declares is skipped, as generated Thrift code does.
  const meta = r.struct((id, type) => {
    if (id === 2 && type === CT.LIST) {
      return (rr) => {
        elements = decodeSchema(rr);
        return undefined;
      };
    }
    if (id === 3 && type === CT.I64) return readScalar;
    if (id === 4 && type === CT.LIST) {
      return (rr) => {
        rowGroups = rr.each((x, t) => x.skipElement(t), Infinity, 'a row group list');
        return undefined;
      };
    }
    return undefined;
  });
  if (!elements || elements.length === 0) throw new ParquetFooterError('footer has no schema');
  const numRows = asNumber(meta.get(3)) ?? 0;
  if (numRows < 0) throw new ParquetFooterError(`footer declares ${numRows} rows`);
  return { elements, numRows, rowGroups };
}

function decodeSchema(r: CompactReader): SchemaElement[] {
  const elements: SchemaElement[] = [];
  r.each(
    (x, t) => {
      if (t !== CT.STRUCT) throw new ParquetFooterError(`footer's schema list holds Thrift type ${t}, not structs`);
      elements.push(decodeSchemaElement(x));
    },
    MAX_SCHEMA_ELEMENTS,
    'a schema',
  );
  return elements;
}

function decodeSchemaElement(r: CompactReader): SchemaElement {
  let logical: LogicalType | undefined;
  const s = r.struct((id, type) => {
    if (id === 10) {
      if (type !== CT.STRUCT) return undefined;
      return (rr) => {
        logical = decodeLogicalType(rr);
        return undefined;
      };
    }
    if (id >= 1 && id <= 8) return readScalar;
    return undefined;
  });
  const name = s.get(4);
  const e: SchemaElement = { name: name instanceof Uint8Array ? utf8.decode(name) : '' };
  const set = (key: 'type' | 'repetition' | 'numChildren' | 'convertedType' | 'scale' | 'precision', id: number) => {
    const v = asNumber(s.get(id));
    if (v !== undefined) e[key] = v;
  };
  set('type', 1);
  set('repetition', 3);
  set('numChildren', 5);
  set('convertedType', 6);
  set('scale', 7);
  set('precision', 8);
  if (logical) e.logical = logical;
  return e;
}

function decodeLogicalType(r: CompactReader): LogicalType {
  let result: LogicalType = { kind: 'OTHER' };
  r.struct((id, type) => {
    if (type !== CT.STRUCT) return undefined;
    return (rr) => {
      const kind = LOGICAL_KINDS[id] ?? 'OTHER';
      let unit: LogicalType['unit'] | undefined;
      const inner = rr.struct((f, t) => {
        if (f === 2 && t === CT.STRUCT && (kind === 'TIME' || kind === 'TIMESTAMP')) {
          return (x) => {
            unit = timeUnit(x);
            return undefined;
          };
        }
        return readScalar;
      });
      result = { kind };
      if (kind === 'DECIMAL') {
        result.scale = asNumber(inner.get(1)) ?? 0;
        result.precision = asNumber(inner.get(2)) ?? 0;
      } else if (kind === 'INTEGER') {
        result.bitWidth = asNumber(inner.get(1)) ?? 32;
        result.isSigned = inner.get(2) !== false;
      } else if (unit !== undefined) {
        result.unit = unit;
      }
      return undefined;
    };
  });
  return result;
}

function timeUnit(r: CompactReader): LogicalType['unit'] {
  let unit: LogicalType['unit'] = 'MILLIS';
  r.struct((id) => (rr, t) => {
    rr.skip(t);
    unit = id === 1 ? 'MILLIS' : id === 2 ? 'MICROS' : 'NANOS';
    return undefined;
  });
  return unit;
}

// ---- schema elements -> lake types ---------------------------------------------------------------------

const REPEATED = 2;
const PT = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 };
const CONVERTED = { UTF8: 0, MAP: 1, MAP_KEY_VALUE: 2, LIST: 3, ENUM: 4, DECIMAL: 5, DATE: 6, TIME_MILLIS: 7, TIME_MICROS: 8, TIMESTAMP_MILLIS: 9, TIMESTAMP_MICROS: 10, UINT_8: 11, UINT_16: 12, UINT_32: 13, UINT_64: 14, INT_8: 15, INT_16: 16, INT_32: 17, INT_64: 18, JSON: 19, BSON: 20, INTERVAL: 21 };

/** Group levels below the root a schema may nest: real schemas (a map of lists of structs ...) use a
 * handful, and mapping and merging recurse once per level. */
export const MAX_SCHEMA_DEPTH = 64;
/** Children of one group (the table's columns or a struct's fields). */
export const MAX_COLUMNS = 10_000;

interface Node {
  element: SchemaElement;
  children: Node[];
  parent: Node | undefined;
}

/** Rebuild the tree from the depth-first element list. */
function toTree(elements: SchemaElement[]): Node {
  let i = 0;
  const build = (parent: Node | undefined, depth: number): Node => {
    const element = elements[i++];
    if (!element) throw new ParquetFooterError('schema tree is truncated');
    const node: Node = { element, children: [], parent };
    const count = element.numChildren ?? 0;
    if (count < 0) throw new ParquetFooterError(`${describe(node)} declares ${count} children`);
    if (count > 0 && depth >= MAX_SCHEMA_DEPTH) throw new ParquetFooterError(`schema nests groups deeper than ${MAX_SCHEMA_DEPTH} levels (at ${describe(node)})`);
    if (count > MAX_COLUMNS) throw new ParquetFooterError(`${describe(node)} declares ${count} children; at most ${MAX_COLUMNS} are supported`);
    // each child is at least one element: checked before looping
    if (count > elements.length - i) {
      throw new ParquetFooterError(`${describe(node)} declares ${count} children but only ${elements.length - i} elements follow`);
    }
    for (let c = 0; c < count; c++) node.children.push(build(node, depth + 1));
    return node;
  };
  const root = build(undefined, 0);
  if (i < elements.length) throw new ParquetFooterError(`schema lists ${elements.length - i} elements outside the root's tree`);
  return root;
}

/** "the schema root" or `column "a.b"` (the dotted Parquet path, names shortened), for error messages. */
function describe(n: Node): string {
  if (!n.parent) return 'the schema root';
  const names: string[] = [];
  for (let at: Node | undefined = n; at?.parent; at = at.parent) names.push(at.element.name.length > 40 ? `${at.element.name.slice(0, 40)}…` : at.element.name);
  const path = names.reverse().join('.');
  return `column ${JSON.stringify(path.length > 200 ? `…${path.slice(-200)}` : path)}`;
}

/** Lake columns of a Parquet file, from its decoded footer. */
export function parquetColumns(footer: ParquetFooter, file: string): Field[] {
  const root = toTree(footer.elements);
  return fieldsOf(root.children, { file });
}

// The footer speaks for the whole file, so every field's provenance is the file itself.
type FileProvenance = { file: string };

/** Sibling fields; names that differ only by case are one field (names.ts), joined as a merge joins them. */
function fieldsOf(nodes: Node[], provenance: FileProvenance): Field[] {
  const byKey = new Map<string, Field[]>();
  nodes.forEach((n, i) => {
    const f = field(n.element.name, repeatedAware(n, provenance), i, provenance);
    const key = fieldKey(f.name);
    const spellings = byKey.get(key);
    if (spellings) spellings.push(f);
    else byKey.set(key, [f]);
  });
  return canonicalFields([...byKey.values()].map(joinSpellings));
}

/**
 * One field from the fields of one key, by `joinFields` (so the type is the lattice join and the name the
 * preferred spelling, as when two files meet). Pairs are joined in a balanced tree: folding left over many
 * same-named structs would copy the growing struct once per spelling.
 */
function joinSpellings(fields: Field[]): Field {
  let level = fields;
  while (level.length > 1) {
    const next: Field[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1];
      next.push(b ? joinFields([a], [b])[0]! : a);
    }
    level = next;
  }
  return level[0]!;
}

/** A repeated field that is not inside a LIST/MAP annotation is itself a list (legacy layout). */
function repeatedAware(n: Node, p: FileProvenance): LakeType {
  const t = nodeType(n, p);
  return n.element.repetition === REPEATED ? T.array(t) : t;
}

function isList(e: SchemaElement): boolean {
  return e.logical?.kind === 'LIST' || e.convertedType === CONVERTED.LIST;
}

function isMap(e: SchemaElement): boolean {
  return e.logical?.kind === 'MAP' || e.convertedType === CONVERTED.MAP || e.convertedType === CONVERTED.MAP_KEY_VALUE;
}

function nodeType(n: Node, p: FileProvenance): LakeType {
  const e = n.element;
  if (e.type === undefined || n.children.length > 0) {
    if (isList(e) && n.children.length === 1) return listType(n, p);
    if (isMap(e) && n.children.length === 1) return mapType(n, p);
    return { kind: 'struct', fields: fieldsOf(n.children, p) };
  }
  return primitiveType(n);
}

/** LIST: the standard 3-level layout plus the backward-compatibility rules of the Parquet spec. */
function listType(n: Node, p: FileProvenance): LakeType {
  const repeated = n.children[0]!;
  const r = repeated.element;
  if (r.repetition !== REPEATED) return T.array(nodeType(repeated, p));
  if (repeated.children.length === 0) return T.array(primitiveType(repeated)); // repeated primitive
  if (repeated.children.length > 1 || r.name === 'array' || r.name === `${n.element.name}_tuple`) {
    return T.array({ kind: 'struct', fields: fieldsOf(repeated.children, p) });
  }
  return T.array(repeatedAware(repeated.children[0]!, p));
}

function mapType(n: Node, p: FileProvenance): LakeType {
  const kv = n.children[0]!;
  const key = kv.children[0];
  const value = kv.children[1];
  return T.map(key ? nodeType(key, p) : T.string, value ? repeatedAware(value, p) : T.null);
}

function primitiveType(n: Node): LakeType {
  const e = n.element;
  const logical = e.logical;
  const ct = e.convertedType;
  if (logical?.kind === 'DECIMAL' || ct === CONVERTED.DECIMAL) {
    const precision = logical?.precision ?? e.precision ?? 38;
    const scale = logical?.scale ?? e.scale ?? 0;
    // The Parquet format forbids these and readers refuse the column, so no published type could be
    // read: the file is refused rather than mapped to, say, string.
    if (precision < 1 || scale < 0 || scale > precision) {
      throw new ParquetFooterError(`${describe(n)} is DECIMAL(${precision},${scale}); a decimal needs precision >= 1 and 0 <= scale <= precision`);
    }
    // valid Parquet, wider than Hive's decimal: the lattice's own step past 38 digits
    return precision <= MAX_DECIMAL_PRECISION ? T.decimal(precision, scale) : T.double;
  }
  if (logical?.kind === 'UNKNOWN') return T.null;
  switch (e.type) {
    case PT.BOOLEAN:
      return T.boolean;
    case PT.INT32:
      if (logical?.kind === 'DATE' || ct === CONVERTED.DATE) return T.date;
      if ((logical?.kind === 'INTEGER' && logical.isSigned === false && logical.bitWidth === 32) || ct === CONVERTED.UINT_32) return T.bigint;
      return T.int; // INT(8|16|32), TIME_MILLIS (Hive has no time type; the stored int is kept)
    case PT.INT64:
      if (logical?.kind === 'TIMESTAMP' || ct === CONVERTED.TIMESTAMP_MILLIS || ct === CONVERTED.TIMESTAMP_MICROS) return T.timestamp;
      if ((logical?.kind === 'INTEGER' && logical.isSigned === false) || ct === CONVERTED.UINT_64) return T.decimal(20, 0);
      return T.bigint; // INT64, TIME_MICROS/NANOS
    case PT.INT96:
      return T.timestamp; // legacy Impala/Hive timestamps
    case PT.FLOAT:
      return T.float;
    case PT.DOUBLE:
      return T.double;
    case PT.BYTE_ARRAY:
      if (isText(e)) return T.string;
      return T.binary;
    case PT.FIXED_LEN_BYTE_ARRAY:
      if (logical?.kind === 'UUID') return T.string;
      if (logical?.kind === 'FLOAT16') return T.float;
      if (ct === CONVERTED.INTERVAL) return T.binary;
      return T.binary;
    default:
      return T.binary;
  }
}

function isText(e: SchemaElement): boolean {
  const k = e.logical?.kind;
  if (k === 'STRING' || k === 'ENUM' || k === 'JSON') return true;
  const ct = e.convertedType;
  return ct === CONVERTED.UTF8 || ct === CONVERTED.ENUM || ct === CONVERTED.JSON;
}

/** Inference result for one Parquet file, from its footer bytes. */
export function inferParquetFooter(footer: Uint8Array, ctx: { file: string }): InferenceResult {
  const decoded = decodeParquetFooter(footer);
  return {
    schema: { columns: parquetColumns(decoded, ctx.file) },
    records: decoded.numRows,
    corruptRecords: 0,
    corruptSamples: [],
  };
}
