// Parquet schema from the footer alone. A Parquet file ends with
//   <FileMetaData, Thrift compact protocol> <4-byte little-endian length> "PAR1"
// so a reader needs the last 8 bytes, then the footer bytes: never a data page. This file decodes the
// footer's schema elements (physical type, converted type, logical type, repetition, nesting) and maps
// them to lake types.
import { canonicalFields, field } from '../fields';
import type { InferenceResult } from '../merge';
import { T, type Field, type LakeType } from '../types';

export const PARQUET_MAGIC = 'PAR1';

export class ParquetFooterError extends Error {}

/** Length of the footer, from the file's last 8 bytes. */
export function parquetFooterLength(last8: Uint8Array): number {
  if (last8.length !== 8) throw new ParquetFooterError('need the last 8 bytes of the file');
  const magic = String.fromCharCode(last8[4]!, last8[5]!, last8[6]!, last8[7]!);
  if (magic === 'PARE') throw new ParquetFooterError('encrypted Parquet footers are not supported');
  if (magic !== PARQUET_MAGIC) throw new ParquetFooterError('not a Parquet file (no PAR1 magic at the end)');
  return (last8[0]! | (last8[1]! << 8) | (last8[2]! << 16) | (last8[3]! << 24)) >>> 0;
}

// ---- Thrift compact protocol (just what FileMetaData needs) --------------------------------------------

const CT = { STOP: 0, TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 };

type ThriftValue = boolean | number | Uint8Array | ThriftValue[] | ThriftStruct | undefined;
/** A decoded struct: field id -> value. Fields we do not need are skipped, not kept. */
type ThriftStruct = Map<number, ThriftValue>;

class CompactReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new ParquetFooterError('footer ends unexpectedly');
    return this.buf[this.pos++]!;
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
    throw new ParquetFooterError('bad varint in footer');
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** Read a struct; `keep(id)` says which fields to decode (others are skipped) and how. */
  struct(keep: (id: number) => ((r: CompactReader, type: number) => ThriftValue) | undefined): ThriftStruct {
    const out: ThriftStruct = new Map();
    let id = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === CT.STOP) return out;
      const delta = header >> 4;
      id = delta === 0 ? this.zigzag() : id + delta;
      const read = keep(id);
      if (read) out.set(id, read(this, type));
      else this.skip(type);
    }
  }

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
      case CT.BINARY: {
        const n = this.varint();
        if (this.pos + n > this.buf.length) throw new ParquetFooterError('footer ends unexpectedly');
        const bytes = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return bytes;
      }
      default:
        this.skip(type);
        return undefined;
    }
  }

  list<T>(readElement: (r: CompactReader, elementType: number) => T): T[] {
    const header = this.byte();
    let size = header >> 4;
    if (size === 15) size = this.varint();
    const elementType = header & 0x0f;
    const out: T[] = [];
    for (let i = 0; i < size; i++) out.push(readElement(this, elementType));
    return out;
  }

  skip(type: number): void {
    switch (type) {
      case CT.TRUE:
      case CT.FALSE:
        return;
      case CT.BYTE:
        this.pos++;
        return;
      case CT.I16:
      case CT.I32:
      case CT.I64:
        this.varint();
        return;
      case CT.DOUBLE:
        this.pos += 8;
        return;
      case CT.BINARY: {
        const n = this.varint(); // read before `this.pos +=` evaluates this.pos
        this.pos += n;
        return;
      }
      case CT.LIST:
      case CT.SET:
        this.list((r, t) => (t === CT.TRUE || t === CT.FALSE ? r.pos++ : r.skip(t)));
        return;
      case CT.MAP: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4);
          this.skip(kv & 0x0f);
        }
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

const utf8 = new TextDecoder();
const asNumber = (v: ThriftValue): number | undefined => (typeof v === 'number' ? v : undefined);
const readScalar = (r: CompactReader, t: number) => r.value(t);

export interface ParquetFooter {
  elements: SchemaElement[];
  numRows: number;
  rowGroups: number;
}

/** Decode the footer bytes (FileMetaData) into its schema elements. */
export function decodeParquetFooter(footer: Uint8Array): ParquetFooter {
  const r = new CompactReader(footer);
  const meta = r.struct((id) => {
    if (id === 2) return (rr) => rr.list((x) => decodeSchemaElement(x)) as unknown as ThriftValue;
    if (id === 3) return readScalar;
    if (id === 4) return (rr) => rr.list((x, t) => (x.skip(t), 0));
    return undefined;
  });
  const elements = meta.get(2) as unknown as SchemaElement[] | undefined;
  if (!elements || elements.length === 0) throw new ParquetFooterError('footer has no schema');
  return { elements, numRows: asNumber(meta.get(3)) ?? 0, rowGroups: (meta.get(4) as unknown[] | undefined)?.length ?? 0 };
}

function decodeSchemaElement(r: CompactReader): SchemaElement {
  const s = r.struct((id) => {
    if (id === 10) return (rr) => decodeLogicalType(rr) as unknown as ThriftValue;
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
  const logical = s.get(10) as unknown as LogicalType | undefined;
  if (logical) e.logical = logical;
  return e;
}

function decodeLogicalType(r: CompactReader): LogicalType {
  let result: LogicalType = { kind: 'OTHER' };
  r.struct((id) => (rr, type) => {
    const kind = LOGICAL_KINDS[id] ?? 'OTHER';
    if (type !== CT.STRUCT) {
      rr.skip(type);
      return undefined;
    }
    const inner = rr.struct((f) => (f === 2 && (kind === 'TIME' || kind === 'TIMESTAMP') ? (x) => timeUnit(x) as unknown as ThriftValue : readScalar));
    result = { kind };
    if (kind === 'DECIMAL') {
      result.scale = asNumber(inner.get(1)) ?? 0;
      result.precision = asNumber(inner.get(2)) ?? 0;
    } else if (kind === 'INTEGER') {
      result.bitWidth = asNumber(inner.get(1)) ?? 32;
      result.isSigned = inner.get(2) !== false;
    } else if (kind === 'TIME' || kind === 'TIMESTAMP') {
      const unit = inner.get(2);
      if (unit !== undefined) result.unit = unit as unknown as LogicalType['unit'];
    }
    return undefined;
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

interface Node {
  element: SchemaElement;
  children: Node[];
}

/** Rebuild the tree from the depth-first element list. */
function toTree(elements: SchemaElement[]): Node {
  let i = 0;
  const build = (): Node => {
    const element = elements[i++];
    if (!element) throw new ParquetFooterError('schema tree is truncated');
    const children: Node[] = [];
    for (let c = 0; c < (element.numChildren ?? 0); c++) children.push(build());
    return { element, children };
  };
  return build();
}

/** Lake columns of a Parquet file, from its decoded footer. */
export function parquetColumns(footer: ParquetFooter, file: string): Field[] {
  const root = toTree(footer.elements);
  return fieldsOf(root.children, { file });
}

// The footer speaks for the whole file, so every field's provenance is the file itself.
type FileProvenance = { file: string };

function fieldsOf(nodes: Node[], provenance: FileProvenance): Field[] {
  return canonicalFields(nodes.map((n, i) => field(n.element.name, repeatedAware(n, provenance), i, provenance)));
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
  return primitiveType(e);
}

/** LIST: the standard 3-level layout plus the backward-compatibility rules of the Parquet spec. */
function listType(n: Node, p: FileProvenance): LakeType {
  const repeated = n.children[0]!;
  const r = repeated.element;
  if (r.repetition !== REPEATED) return T.array(nodeType(repeated, p));
  if (repeated.children.length === 0) return T.array(primitiveType(r)); // repeated primitive
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

function primitiveType(e: SchemaElement): LakeType {
  const logical = e.logical;
  const ct = e.convertedType;
  if (logical?.kind === 'DECIMAL' || ct === CONVERTED.DECIMAL) {
    const precision = logical?.precision ?? e.precision ?? 38;
    const scale = logical?.scale ?? e.scale ?? 0;
    return precision <= 38 ? T.decimal(precision, scale) : T.double;
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
