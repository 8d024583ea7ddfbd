// JSON lines inference: a scanner that types values straight from the bytes, without building objects.
//
// Exactness: a line is accepted iff `JSON.parse` accepts it (differential fuzz test in
// test/unit/schema/jsonl-fuzz.test.ts). Lines are separated by "\n"; a line holding only whitespace is
// not a record. A top-level value that is not an object, or a line that does not parse, is a corrupt
// record: counted, sampled with file/line/reason, and kept out of the schema (changes made while
// scanning it are rolled back).
//
// Speed: the accumulated type tree is mutable and scanned values are compared against it by identity;
// object keys are matched by comparing bytes with the key last seen at the same position, so a record
// with the usual keys in the usual order allocates nothing. A field already widened to string is only
// validated, not typed. Widening itself always goes through `joinTypes` (lattice.ts).
//
// Memory: only the type tree and a partial last line are kept between chunks.
import { canonicalFields, field } from '../fields';
import { joinTypes } from '../lattice';
import { keepFirstSamples, type CorruptRecord, type InferenceResult, MAX_CORRUPT_SAMPLES } from '../merge';
import { fieldKey } from '../names';
import { T, type Field, type LakeType, type Provenance, type Schema } from '../types';
import { integerLiteralType, nineteenDigitsFitInt64, temporalTextType } from './literals';

export interface JsonLinesOptions {
  /** Type ISO dates/timestamps found in strings as date/timestamp (off by default). */
  detectTemporal?: boolean;
  /** Line number of the first line fed (when scanning a slice of a file). Default 1. */
  firstLine?: number;
}

// Module-local copies: a property read through the CommonJS export getter on every value is measurable.
const NULL = T.null;
const BOOLEAN = T.boolean;
const DOUBLE = T.double;
const STRING = T.string;
/** The type of an integer with fewer than 19 digits (always fits in 64 bits). */
const SMALL_INTEGER = integerLiteralType(1, true);
/** Structs with more distinct key spellings than this are searched by decoded key instead of by bytes. */
const MAX_LINEAR_SPELLINGS = 32;

// Shapes the tree compares by identity; children live in TypeNode.element / TypeNode.struct.
const ARRAY_SHAPE: LakeType = T.array(T.null);
const STRUCT_SHAPE: LakeType = { kind: 'struct', fields: [] };

/** Nesting deeper than this is not typed: the value is validated and the field becomes string. */
const MAX_TYPED_DEPTH = 200;

const NL = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class TypeNode {
  element: TypeNode | null = null;
  struct: StructNode | null = null;
  constructor(
    public type: LakeType,
    /** Line where this node's shape last changed. */
    public line: number,
  ) {}
}

class FieldNode {
  constructor(
    public name: string,
    public position: number,
    public readonly node: TypeNode,
  ) {}
}

/** A key spelling last seen at a position, with its bytes for matching. */
class Slot {
  constructor(
    public readonly bytes: Uint8Array,
    public readonly field: FieldNode,
  ) {}
}

class StructNode {
  readonly byKey = new Map<string, FieldNode>();
  readonly bySpelling = new Map<string, FieldNode>();
  /** Every key spelling seen, with its bytes (keys without escapes only). */
  readonly spellings: Slot[] = [];
  /** The spelling last seen at each position: the first guess for the next record. */
  readonly slots: (Slot | undefined)[] = [];
}

const utf8 = new TextDecoder();

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

const enum Err {
  None,
  Token,
  End,
  ControlChar,
  BadEscape,
  BadUnicodeEscape,
}

export class JsonLinesScanner {
  private readonly root = new StructNode();
  private readonly detectTemporal: boolean;
  private buf: Uint8Array = new Uint8Array(0);
  private line: number;
  private records = 0;
  private corrupt = 0;
  private readonly samples: CorruptRecord[] = [];
  private readonly undo: (() => void)[] = [];
  private carry: Uint8Array = new Uint8Array(0);
  private carryLength = 0;
  private err = Err.None;
  private errPos = 0;
  private sawEscape = false;
  // Outputs of numberEnd().
  private numDigitsStart = 0;
  private numDigits = 0;
  private numIsInteger = true;

  constructor(
    readonly file: string,
    options: JsonLinesOptions = {},
  ) {
    this.detectTemporal = options.detectTemporal ?? false;
    this.line = options.firstLine ?? 1;
  }

  /** Feed the next chunk of the file. Chunks may split lines (and UTF-8 sequences) anywhere. */
  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.carryLength > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.appendCarry(chunk);
        return;
      }
      this.appendCarry(chunk.subarray(0, nl + 1));
      this.scanRegion(this.carry, 0, this.carryLength);
      this.carryLength = 0;
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) {
      this.scanRegion(chunk, start, last + 1);
      start = last + 1;
    }
    if (start < chunk.length) this.appendCarry(chunk.subarray(start));
  }

  /** Finish (scans a last line without a trailing newline) and return the result. */
  end(): InferenceResult {
    if (this.carryLength > 0) {
      this.appendCarry(new Uint8Array([NL]));
      this.scanRegion(this.carry, 0, this.carryLength);
      this.carryLength = 0;
    }
    this.carry = new Uint8Array(0);
    return this.result();
  }

  /** Number of lines consumed so far (to shift provenance of a later slice of the same file). */
  get linesScanned(): number {
    return this.line - 1;
  }

  result(): InferenceResult {
    return {
      schema: { columns: this.fieldsOf(this.root) } satisfies Schema,
      records: this.records,
      corruptRecords: this.corrupt,
      corruptSamples: keepFirstSamples([...this.samples]),
    };
  }

  private appendCarry(bytes: Uint8Array): void {
    const needed = this.carryLength + bytes.length;
    if (needed > this.carry.length) {
      const grown = new Uint8Array(Math.max(needed, this.carry.length * 2, 1024));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(bytes, this.carryLength);
    this.carryLength = needed;
  }

  // ---- lines ----------------------------------------------------------------------------------------

  /** Scan complete lines in buf[start, end); buf[end - 1] is "\n", which bounds every inner loop. */
  private scanRegion(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    let pos = start;
    while (pos < end) {
      const lineStart = pos;
      let c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c === NL) {
        pos++;
        this.line++;
        continue;
      }
      let p: number;
      if (c === 0x7b) {
        this.err = Err.None;
        p = this.parseObject(this.root, pos, 1);
        if (p >= 0) {
          c = buf[p]!;
          while (isWs(c)) c = buf[++p]!;
          if (c === NL) {
            this.records++;
            if (this.undo.length > 0) this.undo.length = 0;
            pos = p + 1;
            this.line++;
            continue;
          }
          this.fail(p);
        }
        this.rollback();
        this.recordCorrupt(this.describeError(lineStart));
      } else {
        this.recordCorrupt(this.describeTopLevel(pos, lineStart));
      }
      pos = buf.indexOf(NL, lineStart) + 1;
      this.line++;
    }
    this.buf = new Uint8Array(0);
  }

  private recordCorrupt(reason: string): void {
    this.corrupt++;
    if (this.samples.length < MAX_CORRUPT_SAMPLES) this.samples.push({ file: this.file, line: this.line, reason });
  }

  private rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
  }

  private describeTopLevel(pos: number, lineStart: number): string {
    const buf = this.buf;
    this.err = Err.None;
    let p = this.skipValue(pos);
    if (p >= 0) {
      let c = buf[p]!;
      while (isWs(c)) c = buf[++p]!;
      if (c === NL) {
        const first = buf[pos];
        const what =
          first === 0x5b ? 'an array' : first === QUOTE ? 'a string' : first === 0x74 || first === 0x66 ? 'a boolean' : first === 0x6e ? 'null' : 'a number';
        return `top-level value is ${what}, not an object`;
      }
      this.fail(p);
    }
    return this.describeError(lineStart);
  }

  private describeError(lineStart: number): string {
    const buf = this.buf;
    const at = this.errPos - lineStart;
    const c = buf[this.errPos]!;
    switch (this.err) {
      case Err.ControlChar:
        return c === NL ? 'Unterminated string in JSON at end of line' : `Bad control character in string literal at position ${at}`;
      case Err.BadEscape:
        return `Bad escaped character in JSON at position ${at}`;
      case Err.BadUnicodeEscape:
        return `Bad Unicode escape in JSON at position ${at}`;
      default:
        if (c === NL) return 'Unexpected end of JSON input';
        return `Unexpected token '${c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\x' + c.toString(16)}' in JSON at position ${at}`;
    }
  }

  private fail(pos: number, err: Err = Err.Token): number {
    if (this.err === Err.None) {
      this.err = err;
      this.errPos = pos;
    }
    return -1;
  }

  // ---- typed scanning --------------------------------------------------------------------------------

  /** pos is at "{". Returns the position after "}" or -1. */
  private parseObject(s: StructNode, pos: number, depth: number): number {
    const buf = this.buf;
    let c = buf[++pos]!;
    while (isWs(c)) c = buf[++pos]!;
    if (c === 0x7d) return pos + 1;
    let index = 0;
    for (;;) {
      if (c !== QUOTE) return this.fail(pos);
      const keyStart = pos + 1;
      let f: FieldNode | undefined;
      const slot = s.slots[index];
      if (slot !== undefined) {
        const kb = slot.bytes;
        const n = kb.length;
        let i = 0;
        while (i < n && buf[keyStart + i] === kb[i]) i++;
        if (i === n && buf[keyStart + n] === QUOTE) {
          f = slot.field;
          pos = keyStart + n + 1;
          // Slots are a cache that rollback does not restore, so the position may still need lowering.
          if (index < f.position) this.moveField(f, index);
        }
      }
      if (f === undefined && s.spellings.length <= MAX_LINEAR_SPELLINGS) {
        const known = s.spellings;
        for (let j = 0; j < known.length; j++) {
          const candidate = known[j]!;
          const kb = candidate.bytes;
          const n = kb.length;
          if (buf[keyStart + n] !== QUOTE) continue;
          let i = 0;
          while (i < n && buf[keyStart + i] === kb[i]) i++;
          if (i === n) {
            f = candidate.field;
            s.slots[index] = candidate;
            pos = keyStart + n + 1;
            if (index < f.position) this.moveField(f, index);
            break;
          }
        }
      }
      if (f === undefined) {
        this.sawEscape = false;
        pos = this.scanString(keyStart);
        if (pos < 0) return -1;
        f = this.lookupField(s, index, keyStart, pos - 1);
      }
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c !== 0x3a) return this.fail(pos);
      c = buf[++pos]!;
      while (isWs(c)) c = buf[++pos]!;
      pos = this.parseValue(f.node, pos, depth);
      if (pos < 0) return -1;
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c === 0x2c) {
        c = buf[++pos]!;
        while (isWs(c)) c = buf[++pos]!;
        index++;
        continue;
      }
      if (c === 0x7d) return pos + 1;
      return this.fail(pos);
    }
  }

  /** pos is at "[". */
  private parseArray(element: TypeNode, pos: number, depth: number): number {
    const buf = this.buf;
    let c = buf[++pos]!;
    while (isWs(c)) c = buf[++pos]!;
    if (c === 0x5d) return pos + 1;
    for (;;) {
      pos = this.parseValue(element, pos, depth);
      if (pos < 0) return -1;
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c === 0x2c) {
        c = buf[++pos]!;
        while (isWs(c)) c = buf[++pos]!;
        continue;
      }
      if (c === 0x5d) return pos + 1;
      return this.fail(pos);
    }
  }

  /** pos is at the first character of a value (whitespace skipped). */
  private parseValue(node: TypeNode, pos: number, depth: number): number {
    const buf = this.buf;
    const c = buf[pos]!;
    if (c === QUOTE) {
      if (node.type === STRING || !this.detectTemporal) {
        const end = this.scanString(pos + 1);
        if (end >= 0 && node.type !== STRING) this.observe(node, STRING);
        return end;
      }
      this.sawEscape = false;
      const end = this.scanString(pos + 1);
      if (end >= 0) this.observe(node, this.stringType(pos + 1, end - 1));
      return end;
    }
    if (c === 0x7b) {
      if (node.struct === null) {
        if (node.type !== STRING) this.observe(node, depth < MAX_TYPED_DEPTH ? STRUCT_SHAPE : STRING);
        if (node.struct === null) return this.skipValue(pos);
      }
      return this.parseObject(node.struct!, pos, depth + 1);
    }
    if (c === 0x5b) {
      if (node.element === null) {
        if (node.type !== STRING) this.observe(node, depth < MAX_TYPED_DEPTH ? ARRAY_SHAPE : STRING);
        if (node.element === null) return this.skipValue(pos);
      }
      return this.parseArray(node.element!, pos, depth + 1);
    }
    if (c === 0x74) {
      if (buf[pos + 1] !== 0x72 || buf[pos + 2] !== 0x75 || buf[pos + 3] !== 0x65) return this.failLiteral(pos, 'true');
      if (node.type !== BOOLEAN) this.observe(node, BOOLEAN);
      return pos + 4;
    }
    if (c === 0x66) {
      if (buf[pos + 1] !== 0x61 || buf[pos + 2] !== 0x6c || buf[pos + 3] !== 0x73 || buf[pos + 4] !== 0x65)
        return this.failLiteral(pos, 'false');
      if (node.type !== BOOLEAN) this.observe(node, BOOLEAN);
      return pos + 5;
    }
    if (c === 0x6e) {
      if (buf[pos + 1] !== 0x75 || buf[pos + 2] !== 0x6c || buf[pos + 3] !== 0x6c) return this.failLiteral(pos, 'null');
      return pos + 4; // null joins anything: nothing to record
    }
    const end = this.numberEnd(pos);
    if (end < 0) return -1;
    if (node.type !== STRING) {
      const t = this.numIsInteger ? (this.numDigits < 19 ? SMALL_INTEGER : this.integerType()) : DOUBLE;
      if (node.type !== t) this.observe(node, t);
    }
    return end;
  }

  private integerType(): LakeType {
    const digits = this.numDigits;
    const start = this.numDigitsStart;
    const buf = this.buf;
    const fits = digits < 19 || (digits === 19 && nineteenDigitsFitInt64((i) => buf[start + i]!, buf[start - 1] === 0x2d));
    return integerLiteralType(digits, fits);
  }

  private stringType(start: number, end: number): LakeType {
    if (this.sawEscape || end - start < 10 || end - start > 35) return STRING;
    let text = '';
    for (let i = start; i < end; i++) text += String.fromCharCode(this.buf[i]!);
    return temporalTextType(text) ?? STRING;
  }

  /** Widen `node` to hold a value of type `t` (the slow path: only when the type differs). */
  private observe(node: TypeNode, t: LakeType): void {
    const old = node.type;
    const joined = joinTypes(old, t);
    if (joined === old || (joined.kind === 'decimal' && old.kind === 'decimal' && joined.precision === old.precision && joined.scale === old.scale))
      return;
    const { element, struct, line } = node;
    this.undo.push(() => {
      node.type = old;
      node.element = element;
      node.struct = struct;
      node.line = line;
    });
    node.type = joined;
    node.line = this.line;
    if (joined.kind === 'array') {
      node.element ??= new TypeNode(NULL, this.line);
    } else if (joined.kind === 'struct') {
      node.struct ??= new StructNode();
    } else {
      node.element = null;
      node.struct = null;
    }
  }

  /** The field for a key not matched by its slot; creates it on first sight. */
  private lookupField(s: StructNode, index: number, start: number, end: number): FieldNode {
    const raw = this.buf.subarray(start, end);
    const spelling = this.sawEscape ? (JSON.parse(utf8.decode(this.buf.subarray(start - 1, end + 1))) as string) : utf8.decode(raw);
    let f = s.bySpelling.get(spelling);
    if (f === undefined) {
      const key = fieldKey(spelling);
      f = s.byKey.get(key);
      if (f === undefined) {
        const created = new FieldNode(spelling, index, new TypeNode(NULL, this.line));
        s.byKey.set(key, created);
        this.undo.push(() => s.byKey.delete(key));
        f = created;
      } else if (spelling < f.name) {
        const known = f;
        const old = known.name;
        known.name = spelling;
        this.undo.push(() => (known.name = old));
      }
      s.bySpelling.set(spelling, f);
      this.undo.push(() => s.bySpelling.delete(spelling));
    }
    if (index < f.position) this.moveField(f, index);
    if (!this.sawEscape) {
      let slot = s.spellings.find((x) => x.field === f && bytesEqual(x.bytes, raw));
      if (slot === undefined) {
        const created = new Slot(raw.slice(), f);
        s.spellings.push(created);
        this.undo.push(() => {
          s.spellings.splice(s.spellings.indexOf(created), 1);
          for (let k = 0; k < s.slots.length; k++) if (s.slots[k] === created) s.slots[k] = undefined;
        });
        slot = created;
      }
      s.slots[index] = slot;
    }
    return f;
  }

  private moveField(f: FieldNode, index: number): void {
    const old = f.position;
    f.position = index;
    this.undo.push(() => (f.position = old));
  }

  // ---- validation ------------------------------------------------------------------------------------

  /** pos is just after the opening quote. Returns the position after the closing quote or -1. */
  private scanString(pos: number): number {
    const buf = this.buf;
    for (;;) {
      let c = buf[pos]!;
      while (c > BACKSLASH || (c >= 0x20 && c !== QUOTE && c !== BACKSLASH)) c = buf[++pos]!;
      if (c === QUOTE) return pos + 1;
      if (c === BACKSLASH) {
        this.sawEscape = true;
        const e = buf[pos + 1]!;
        if (e === 0x75) {
          for (let i = 2; i < 6; i++) if (!isHex(buf[pos + i]!)) return this.fail(pos + i, Err.BadUnicodeEscape);
          pos += 6;
        } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          pos += 2;
        } else {
          return this.fail(pos + 1, Err.BadEscape);
        }
        continue;
      }
      return this.fail(pos, Err.ControlChar);
    }
  }

  /** End of a JSON number starting at pos, or -1; sets numDigits/numDigitsStart/numIsInteger. */
  private numberEnd(pos: number): number {
    const buf = this.buf;
    let c = buf[pos]!;
    if (c === 0x2d) c = buf[++pos]!;
    const digitsStart = pos;
    if (c === 0x30) {
      c = buf[++pos]!;
    } else if (c >= 0x31 && c <= 0x39) {
      do c = buf[++pos]!;
      while (isDigit(c));
    } else {
      return this.fail(pos);
    }
    this.numDigitsStart = digitsStart;
    this.numDigits = pos - digitsStart;
    this.numIsInteger = true;
    if (c === 0x2e) {
      this.numIsInteger = false;
      c = buf[++pos]!;
      if (!isDigit(c)) return this.fail(pos);
      do c = buf[++pos]!;
      while (isDigit(c));
    }
    if (c === 0x65 || c === 0x45) {
      this.numIsInteger = false;
      c = buf[++pos]!;
      if (c === 0x2b || c === 0x2d) c = buf[++pos]!;
      if (!isDigit(c)) return this.fail(pos);
      do c = buf[++pos]!;
      while (isDigit(c));
    }
    return pos;
  }

  private failLiteral(pos: number, literal: string): number {
    const buf = this.buf;
    for (let i = 1; i < literal.length; i++) if (buf[pos + i] !== literal.charCodeAt(i)) return this.fail(pos + i);
    return this.fail(pos);
  }

  /** Validate one value without typing it (iterative, so nesting depth is unlimited like JSON.parse). */
  private skipValue(pos: number): number {
    const buf = this.buf;
    const stack: boolean[] = []; // true = inside an object
    let c: number;
    for (;;) {
      // A value starts at pos.
      c = buf[pos]!;
      if (c === QUOTE) {
        pos = this.scanString(pos + 1);
      } else if (c === 0x7b || c === 0x5b) {
        const isObject = c === 0x7b;
        c = buf[++pos]!;
        while (isWs(c)) c = buf[++pos]!;
        if (c === (isObject ? 0x7d : 0x5d)) {
          pos++;
        } else {
          stack.push(isObject);
          if (isObject) {
            pos = this.skipKey(pos);
            if (pos < 0) return -1;
          }
          continue;
        }
      } else if (c === 0x74) {
        pos = buf[pos + 1] === 0x72 && buf[pos + 2] === 0x75 && buf[pos + 3] === 0x65 ? pos + 4 : this.failLiteral(pos, 'true');
      } else if (c === 0x66) {
        pos =
          buf[pos + 1] === 0x61 && buf[pos + 2] === 0x6c && buf[pos + 3] === 0x73 && buf[pos + 4] === 0x65
            ? pos + 5
            : this.failLiteral(pos, 'false');
      } else if (c === 0x6e) {
        pos = buf[pos + 1] === 0x75 && buf[pos + 2] === 0x6c && buf[pos + 3] === 0x6c ? pos + 4 : this.failLiteral(pos, 'null');
      } else {
        pos = this.numberEnd(pos);
      }
      if (pos < 0) return -1;
      // A value ended: close containers until another value is expected.
      for (;;) {
        if (stack.length === 0) return pos;
        c = buf[pos]!;
        while (isWs(c)) c = buf[++pos]!;
        const inObject = stack[stack.length - 1]!;
        if (c === 0x2c) {
          c = buf[++pos]!;
          while (isWs(c)) c = buf[++pos]!;
          if (inObject) {
            pos = this.skipKey(pos);
            if (pos < 0) return -1;
          }
          break;
        }
        if (c === (inObject ? 0x7d : 0x5d)) {
          pos++;
          stack.pop();
          continue;
        }
        return this.fail(pos);
      }
    }
  }

  /** pos at a key's opening quote; returns the position of the value after the colon. */
  private skipKey(pos: number): number {
    const buf = this.buf;
    if (buf[pos] !== QUOTE) return this.fail(pos);
    pos = this.scanString(pos + 1);
    if (pos < 0) return -1;
    let c = buf[pos]!;
    while (isWs(c)) c = buf[++pos]!;
    if (c !== 0x3a) return this.fail(pos);
    c = buf[++pos]!;
    while (isWs(c)) c = buf[++pos]!;
    return pos;
  }

  // ---- output ----------------------------------------------------------------------------------------

  private fieldsOf(s: StructNode): Field[] {
    const fields: Field[] = [];
    for (const f of s.byKey.values()) fields.push(field(f.name, this.typeOf(f.node), f.position, this.provenanceOf(f.node)));
    return canonicalFields(fields);
  }

  private typeOf(node: TypeNode): LakeType {
    if (node.struct !== null) return { kind: 'struct', fields: this.fieldsOf(node.struct) };
    if (node.element !== null) return T.array(this.typeOf(node.element));
    return node.type;
  }

  /** The line that last changed this field's shape, looking through array elements (struct fields carry their own). */
  private provenanceOf(node: TypeNode): Provenance {
    let line = node.line;
    for (let n = node.element; n !== null; n = n.element) line = Math.max(line, n.line);
    return { file: this.file, line };
  }
}

/** Infer the schema of one JSON lines file from its (already decompressed) chunks. */
export async function inferJsonLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ctx: { file: string } & JsonLinesOptions,
): Promise<InferenceResult> {
  const scanner = new JsonLinesScanner(ctx.file, ctx);
  for await (const chunk of chunks) scanner.push(chunk);
  return scanner.end();
}

/** Convenience for text already in memory. */
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions): InferenceResult {
  const scanner = new JsonLinesScanner(ctx.file, ctx);
  scanner.push(new TextEncoder().encode(text));
  return scanner.end();
}
