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
//
// Grouping (option `discriminators`): records are split into slices by the values at a few field paths.
// Before a record is typed, a loose pass over its bytes finds those values (stopping as soon as all are
// seen). The record is then read once against one shared tree of keys (matched by bytes as above) and
// typed for two targets, the stream and its slice. A target keeps what it knows in flat arrays indexed
// by tree node id (type, line, position, name), so a slice touches a few cache lines per record however
// many slices there are, and each target follows exactly the rules of an ungrouped scan over its own
// records: the stream result is identical to an ungrouped scan, provenance included, and each slice is
// what an ungrouped scan of its records gives. A key that may repeat a discriminator after the point
// where the loose pass stopped (JSON.parse keeps the last duplicate) is noticed while typing, and the
// record's slice is then settled by a full pass.
import { canonicalFields, field } from '../fields';
import { joinTypes } from '../lattice';
import { keepFirstSamples, type CorruptRecord, type InferenceResult, MAX_CORRUPT_SAMPLES } from '../merge';
import { byCodeUnits, fieldKey } from '../names';
import { sliceKey, type DiscriminatorPath, type GroupedInferenceResult, type SliceResult } from '../slices';
import { T, type Field, type LakeType, type Provenance, type Schema } from '../types';
import { integerLiteralType, nineteenDigitsFitInt64, temporalTextType } from './literals';

export interface JsonLinesOptions {
  /** Type ISO dates/timestamps found in strings as date/timestamp (off by default). */
  detectTemporal?: boolean;
  /** Line number of the first line fed (when scanning a slice of a file). Default 1. */
  firstLine?: number;
  /**
   * Split records into slices by the values at these field paths (a string is a top-level key, an array
   * a path into nested objects; keys are matched exactly, as `record[key]` would). See `GroupedInferenceResult`.
   */
  discriminators?: readonly DiscriminatorPath[];
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
    /** Index into the arrays of a Target (grouped scans; there `type` and `line` are unused). */
    readonly id = 0,
  ) {}
}

class FieldNode {
  /** 3 × node.id: where the field's cells start in a Target (grouped scans). */
  readonly at: number;
  /** Its key is a discriminator key at this depth: seeing it after the loose pass stopped needs a full pass. */
  disc = false;
  constructor(
    public name: string,
    public position: number,
    public readonly node: TypeNode,
  ) {
    this.at = 3 * node.id;
  }
}

/** A key spelling last seen at a position, with its bytes for matching. */
class Slot {
  constructor(
    public readonly bytes: Uint8Array,
    public readonly field: FieldNode,
    public readonly spelling: string,
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

// ---- grouping --------------------------------------------------------------------------------------

/** One object level of the discriminator paths. */
class PathLevel {
  readonly keys: string[] = [];
  readonly keyBytes: Uint8Array[] = [];
  /** Discriminators whose path ends at keys[i]. */
  readonly leaves: number[][] = [];
  /** Discriminators whose path goes through keys[i] (reset when the key repeats: the last one counts). */
  readonly under: number[][] = [];
  readonly children: (PathLevel | null)[] = [];

  entry(key: string): number {
    let i = this.keys.indexOf(key);
    if (i < 0) {
      i = this.keys.push(key) - 1;
      this.keyBytes.push(new TextEncoder().encode(key));
      this.leaves.push([]);
      this.under.push([]);
      this.children.push(null);
    }
    return i;
  }
}

/** What the loose pass found at one discriminator path. */
const enum Found {
  Missing, // absent or null: the record goes to the remainder
  String,
  Literal, // number, true or false: keyed by its JSON text
  NonScalar, // object or array: the record goes to the remainder
}

/**
 * What the stream or one slice knows about the shared key tree, by node id; `types[id]` undefined means
 * the target has not seen that node. Each target follows the ungrouped scanner's rules for its records
 * (TypeNode.type/line, FieldNode.name/position there): identical types compare by identity, objects
 * and arrays are STRUCT_SHAPE and ARRAY_SHAPE.
 */
class Target {
  /** By node id, three cells: [3 id] type (LakeType | undefined), [3 id + 1] position, [3 id + 2] name
   * (fields only). One array, so a record's nodes, whose ids are mostly consecutive, share cache lines. */
  cells: unknown[] = [];
  /** By node id: the line where the type last changed (read only when it changes, and for the result). */
  lines: number[] = [];
  records = 0;
  constructor(readonly values: string[]) {}

  /** Makes the arrays hold node `id` (filled with undefined, so neither goes sparse). */
  reserve(id: number): void {
    if (id < this.lines.length) return;
    const n = Math.max(id + 1, this.lines.length * 2, 64);
    while (this.lines.length < n) this.lines.push(0);
    while (this.cells.length < 3 * n) this.cells.push(undefined);
  }
}

/** A discriminator value seen before, by its raw token bytes. */
interface KnownValue {
  token: Uint8Array;
  id: number;
}

/** Past this many cached tokens per discriminator, new ones are decoded every time (a runaway discriminator). */
const MAX_TOKEN_CACHE = 100_000;
/** The loose pass stopped early because every discriminator was found. */
const FOUND_ALL = -2;

class Grouping {
  readonly paths: string[][];
  readonly top = new PathLevel();
  /** Lowercased discriminator keys by object depth - 1, for marking FieldNodes. */
  readonly keysAtDepth: Set<string>[] = [];
  readonly found: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly slices = new Map<string, Target>();
  /** Per discriminator: raw tokens by hash, value ids by text, texts by id. */
  readonly tokens: Map<number, KnownValue[]>[];
  readonly tokenCount: number[];
  readonly idsByText: Map<string, number>[];
  readonly texts: string[][];
  /** Slices by value ids: trie[id0][id1]…[idn-1] (arrays indexed by id, dense because ids are). */
  readonly trie: unknown[] = [];
  readonly ids: Int32Array;
  readonly remainder = new Target([]);
  readonly stream = new Target([]);
  readonly root = new StructNode();
  nodeCount = 0;

  constructor(discriminators: readonly DiscriminatorPath[]) {
    this.paths = discriminators.map((d) => (typeof d === 'string' ? [d] : [...d]));
    this.paths.forEach((path, d) => {
      if (path.length === 0 || path.some((k) => typeof k !== 'string')) throw new Error(`discriminator ${d + 1} must be a key or a non-empty path of keys`);
      let level = this.top;
      path.forEach((key, depth) => {
        (this.keysAtDepth[depth] ??= new Set()).add(fieldKey(key));
        const i = level.entry(key);
        level.under[i]!.push(d);
        if (depth === path.length - 1) level.leaves[i]!.push(d);
        else level = level.children[i] ??= new PathLevel();
      });
    });
    const n = this.paths.length;
    this.found = new Uint8Array(n);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.ids = new Int32Array(n);
    this.tokens = this.paths.map(() => new Map());
    this.tokenCount = this.paths.map(() => 0);
    this.idsByText = this.paths.map(() => new Map());
    this.texts = this.paths.map(() => []);
  }

  node(line: number): TypeNode {
    return new TypeNode(NULL, line, this.nodeCount++);
  }

  allFound(): boolean {
    const found = this.found;
    for (let d = 0; d < found.length; d++) if (found[d] === Found.Missing) return false;
    return true;
  }
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
  // Grouping state (null when ungrouped): where the loose pass stopped, and whether a record needs a full one.
  private readonly grouping: Grouping | null;
  private discScanEnd = Infinity;
  private discRecheck = false;
  /** The slice of the record being typed (grouped scans). */
  private slice: Target | null = null;

  constructor(
    readonly file: string,
    options: JsonLinesOptions = {},
  ) {
    this.detectTemporal = options.detectTemporal ?? false;
    this.line = options.firstLine ?? 1;
    this.grouping = options.discriminators ? new Grouping(options.discriminators) : null;
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

  /** Finish (scans a last line without a trailing newline) and return the result (the stream's, when grouped). */
  end(): InferenceResult {
    this.flush();
    return this.result();
  }

  /** Finish and return the grouped result; only for a scanner made with `discriminators`. */
  endGrouped(): GroupedInferenceResult {
    this.flush();
    return this.groupedResult();
  }

  private flush(): void {
    if (this.carryLength > 0) {
      this.appendCarry(new Uint8Array([NL]));
      this.scanRegion(this.carry, 0, this.carryLength);
      this.carryLength = 0;
    }
    this.carry = new Uint8Array(0);
  }

  /** Number of lines consumed so far (to shift provenance of a later slice of the same file). */
  get linesScanned(): number {
    return this.line - 1;
  }

  result(): InferenceResult {
    const g = this.grouping;
    return {
      schema: { columns: g === null ? this.fieldsOf(this.root) : this.fieldsOfTarget(g.stream, g.root) } satisfies Schema,
      records: this.records,
      corruptRecords: this.corrupt,
      corruptSamples: keepFirstSamples([...this.samples]),
    };
  }

  /** The stream (exactly `result()`), each slice with at least one record (in key order), and the remainder. */
  groupedResult(): GroupedInferenceResult {
    const g = this.grouping;
    if (g === null) throw new Error('groupedResult() needs a scanner made with discriminators');
    const sliceResult = (s: Target): InferenceResult => ({
      schema: { columns: this.fieldsOfTarget(s, g.root) },
      records: s.records,
      corruptRecords: 0,
      corruptSamples: [],
    });
    const slices: Record<string, SliceResult> = {};
    for (const key of [...g.slices.keys()].sort(byCodeUnits)) {
      const s = g.slices.get(key)!;
      if (s.records > 0) slices[key] = { values: [...s.values], result: sliceResult(s) };
    }
    return { stream: this.result(), slices, remainder: sliceResult(g.remainder) };
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
      if (c === 0x7b) {
        let slice: Target | null = null;
        let p: number;
        if (this.grouping === null) p = this.parseRecord(pos);
        else {
          slice = this.slice = this.sliceOf(pos, true);
          p = this.parseRecordGrouped(pos);
          if (this.discRecheck) {
            // A discriminator key came again after the loose pass stopped: settle the slice with a full pass.
            this.discRecheck = false;
            if (p >= 0) {
              const exact = this.sliceOf(pos, false);
              if (exact !== slice) {
                this.rollback();
                slice = this.slice = exact;
                p = this.parseRecordGrouped(pos);
              }
            }
          }
        }
        if (p >= 0) {
          this.records++;
          if (slice !== null) slice.records++;
          if (this.undo.length > 0) this.undo.length = 0;
          pos = p + 1;
          this.line++;
          continue;
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

  /** Type one record (pos at "{"); returns the position of its line's "\n" or -1. */
  private parseRecord(pos: number): number {
    const buf = this.buf;
    this.err = Err.None;
    let p = this.parseObject(this.root, pos, 1);
    if (p < 0) return -1;
    let c = buf[p]!;
    while (isWs(c)) c = buf[++p]!;
    return c === NL ? p : this.fail(p);
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
        const created = new Slot(raw.slice(), f, spelling);
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

  // ---- grouping -------------------------------------------------------------------------------------
  //
  // The loose pass reads valid JSON exactly but does not validate: on a line JSON.parse rejects it may
  // pick any slice, which does not matter because typing then fails and the record is corrupt (counted
  // on the stream only). Every loop stops at the line's "\n".

  /** The slice of the record at pos ("{"); with `early`, stops reading once every discriminator is found. */
  private sliceOf(pos: number, early: boolean): Target {
    const g = this.grouping!;
    g.found.fill(Found.Missing);
    this.discScanEnd = Infinity;
    if (g.paths.length > 0 && this.findValues(g, g.top, pos, early) === -1) return g.remainder;
    return this.sliceOfFound(g);
  }

  /**
   * Reads the object at pos ("{") for the keys of `level`. Returns the position after it, FOUND_ALL when
   * it stopped early (discScanEnd is then where), or -1 when the line is not JSON.
   */
  private findValues(g: Grouping, level: PathLevel, pos: number, early: boolean): number {
    const buf = this.buf;
    let c = buf[++pos]!;
    while (isWs(c)) c = buf[++pos]!;
    if (c === 0x7d) return pos + 1;
    for (;;) {
      if (c !== QUOTE) return -1;
      const keyStart = pos + 1;
      let escaped = false;
      let p = keyStart;
      for (;;) {
        c = buf[p]!;
        if (c === QUOTE) break;
        if (c === NL) return -1;
        if (c === BACKSLASH) {
          escaped = true;
          if (buf[p + 1] === NL) return -1;
          p += 2;
        } else p++;
      }
      const k = this.pathEntry(level, keyStart, p, escaped);
      pos = p + 1;
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c !== 0x3a) return -1;
      c = buf[++pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (k < 0) {
        pos = this.skipLoose(pos);
        if (pos < 0) return -1;
      } else {
        // The last occurrence of a key is the one JSON.parse keeps: forget what an earlier one said.
        const under = level.under[k]!;
        for (let u = 0; u < under.length; u++) g.found[under[u]!] = Found.Missing;
        const leaves = level.leaves[k]!;
        const start = pos;
        let kind: Found;
        if (c === QUOTE) {
          pos = this.skipLooseString(pos + 1);
          kind = Found.String;
        } else if (c === 0x7b || c === 0x5b) {
          kind = Found.NonScalar;
          const child = level.children[k]!;
          if (c === 0x7b && child !== null) {
            pos = this.findValues(g, child, pos, early);
            if (pos === FOUND_ALL) {
              for (const d of leaves) g.found[d] = kind; // a path ending here as well as going on
              return FOUND_ALL;
            }
          } else pos = this.skipLoose(pos);
        } else {
          pos = this.skipLoose(pos);
          kind = c === 0x6e ? Found.Missing : Found.Literal; // null reads as missing, as in Hive
        }
        if (pos < 0) return -1;
        for (let u = 0; u < leaves.length; u++) {
          const d = leaves[u]!;
          g.found[d] = kind;
          g.start[d] = start;
          g.end[d] = pos;
        }
        if (early && leaves.length > 0 && g.allFound()) {
          this.discScanEnd = pos;
          return FOUND_ALL;
        }
      }
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c === 0x2c) {
        c = buf[++pos]!;
        while (isWs(c)) c = buf[++pos]!;
        continue;
      }
      return c === 0x7d ? pos + 1 : -1;
    }
  }

  /** Index of the key buf[start, end) among the level's keys, or -1. */
  private pathEntry(level: PathLevel, start: number, end: number, escaped: boolean): number {
    const buf = this.buf;
    const n = end - start;
    if (!escaped) {
      const all = level.keyBytes;
      for (let i = 0; i < all.length; i++) {
        const kb = all[i]!;
        if (kb.length !== n) continue;
        let j = 0;
        while (j < n && buf[start + j] === kb[j]) j++;
        if (j === n) return i;
      }
      return -1;
    }
    let key: string;
    try {
      key = JSON.parse(utf8.decode(buf.subarray(start - 1, end + 1))) as string;
    } catch {
      return -1; // a bad escape: the line is corrupt anyway
    }
    return level.keys.indexOf(key);
  }

  /** pos just after an opening quote; the position after the closing quote, or -1. */
  private skipLooseString(pos: number): number {
    const buf = this.buf;
    for (;;) {
      let c = buf[pos]!;
      while (c > BACKSLASH || (c !== QUOTE && c !== BACKSLASH && c !== NL)) c = buf[++pos]!;
      if (c === QUOTE) return pos + 1;
      if (c === NL || buf[pos + 1] === NL) return -1;
      pos += 2; // an escape
    }
  }

  /** Skips one value at pos without validating it; the position after it, or -1. */
  private skipLoose(pos: number): number {
    const buf = this.buf;
    let c = buf[pos]!;
    if (c === QUOTE) return this.skipLooseString(pos + 1);
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      for (;;) {
        if (c === QUOTE) {
          pos = this.skipLooseString(pos + 1);
          if (pos < 0) return -1;
        } else {
          if (c === 0x7b || c === 0x5b) depth++;
          else if (c === 0x7d || c === 0x5d) {
            if (--depth === 0) return pos + 1;
          } else if (c === NL) return -1;
          pos++;
        }
        c = buf[pos]!;
      }
    }
    // A number or literal: up to the next delimiter.
    while (c !== 0x2c && c !== 0x7d && c !== 0x5d && c !== NL && !isWs(c)) c = buf[++pos]!;
    return pos;
  }

  /** The slice for the values the loose pass found (the remainder when one is missing or not a scalar). */
  private sliceOfFound(g: Grouping): Target {
    const n = g.paths.length;
    for (let d = 0; d < n; d++) {
      const kind = g.found[d]!;
      if (kind === Found.Missing || kind === Found.NonScalar) return g.remainder;
    }
    if (n === 0) return (g.trie[0] as Target | undefined) ?? (g.trie[0] = this.newSlice(g));
    let level = g.trie;
    for (let d = 0; d < n - 1; d++) {
      const id = (g.ids[d] = this.valueId(g, d));
      level = (level[id] as unknown[] | undefined) ?? (level[id] = []);
    }
    const id = (g.ids[n - 1] = this.valueId(g, n - 1));
    return (level[id] as Target | undefined) ?? (level[id] = this.newSlice(g));
  }

  private newSlice(g: Grouping): Target {
    const values = Array.from(g.ids, (id, d) => g.texts[d]![id]!);
    const slice = new Target(values);
    g.slices.set(sliceKey(values), slice);
    return slice;
  }

  /** A small id for the value of discriminator d (equal ids for equal values, however written). */
  private valueId(g: Grouping, d: number): number {
    const buf = this.buf;
    const start = g.start[d]!;
    const end = g.end[d]!;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h &= 0x3fffffff;
    const tokens = g.tokens[d]!;
    const known = tokens.get(h);
    if (known !== undefined) {
      for (const v of known) {
        const t = v.token;
        if (t.length !== end - start) continue;
        let i = 0;
        while (i < t.length && buf[start + i] === t[i]) i++;
        if (i === t.length) return v.id;
      }
    }
    const text = this.valueText(g.found[d] as Found, start, end);
    const byText = g.idsByText[d]!;
    let id = byText.get(text);
    if (id === undefined) {
      id = g.texts[d]!.push(text) - 1;
      byText.set(text, id);
    }
    if (g.tokenCount[d]! < MAX_TOKEN_CACHE) {
      g.tokenCount[d]!++;
      const v = { token: buf.slice(start, end), id };
      if (known === undefined) tokens.set(h, [v]);
      else known.push(v);
    }
    return id;
  }

  // ---- grouped typing ---------------------------------------------------------------------------------
  //
  // The same reading as parseObject/parseArray/parseValue, against the shared key tree, for two targets:
  // bit 1 of `live` is the stream, bit 2 the slice. A target is live inside a value while its type there
  // is STRUCT_SHAPE or ARRAY_SHAPE, exactly when an ungrouped scan of its records would descend; when the
  // slice is not, the value is only validated.
  //
  // Only the slice is checked on the hot path. Where the stream is live it already holds everything the
  // slice holds (types at least as wide, positions and names at most as large), so a value or key that
  // changes nothing in the slice changes nothing in the stream; when the slice changes, the same change is
  // offered to the stream. (Where the stream is live the slice is too: a slice that is string at a node
  // makes the stream string there.)

  /** Type one record (pos at "{") for the stream and this.slice; returns the position of its "\n" or -1. */
  private parseRecordGrouped(pos: number): number {
    const buf = this.buf;
    const g = this.grouping!;
    this.err = Err.None;
    let p = this.parseObjectG(g.root, pos, 1, 3);
    if (p < 0) return -1;
    let c = buf[p]!;
    while (isWs(c)) c = buf[++p]!;
    return c === NL ? p : this.fail(p);
  }

  private parseObjectG(s: StructNode, pos: number, depth: number, live: number): number {
    const buf = this.buf;
    let c = buf[++pos]!;
    while (isWs(c)) c = buf[++pos]!;
    if (c === 0x7d) return pos + 1;
    const stream = this.grouping!.stream;
    const slice = this.slice!;
    let index = 0;
    for (;;) {
      if (c !== QUOTE) return this.fail(pos);
      const keyStart = pos + 1;
      let slot = s.slots[index];
      if (slot !== undefined) {
        const kb = slot.bytes;
        const n = kb.length;
        let i = 0;
        while (i < n && buf[keyStart + i] === kb[i]) i++;
        if (i === n && buf[keyStart + n] === QUOTE) pos = keyStart + n + 1;
        else slot = undefined;
      }
      if (slot === undefined && s.spellings.length <= MAX_LINEAR_SPELLINGS) {
        const known = s.spellings;
        for (let j = 0; j < known.length; j++) {
          const candidate = known[j]!;
          const kb = candidate.bytes;
          const n = kb.length;
          if (buf[keyStart + n] !== QUOTE) continue;
          let i = 0;
          while (i < n && buf[keyStart + i] === kb[i]) i++;
          if (i === n) {
            slot = s.slots[index] = candidate;
            pos = keyStart + n + 1;
            break;
          }
        }
      }
      let f: FieldNode;
      let spelling: string;
      if (slot !== undefined) {
        f = slot.field;
        spelling = slot.spelling;
      } else {
        this.sawEscape = false;
        pos = this.scanString(keyStart);
        if (pos < 0) return -1;
        const raw = buf.subarray(keyStart, pos - 1);
        spelling = this.sawEscape ? (JSON.parse(utf8.decode(buf.subarray(keyStart - 1, pos))) as string) : utf8.decode(raw);
        f = this.keyField(s, index, spelling, this.sawEscape ? null : raw, depth);
        // The slot's copy of the spelling, so the name checks below compare one string object with itself.
        if (!this.sawEscape) spelling = s.slots[index]!.spelling;
      }
      if (f.disc && pos > this.discScanEnd) this.discRecheck = true;
      const at = f.at;
      const cells = slice.cells;
      if (cells[at] === undefined) {
        this.addField(slice, at, spelling, index);
        if ((live & 1) !== 0) this.fieldInStream(at, spelling, index);
      } else {
        if (index < (cells[at + 1] as number)) {
          this.setCell(slice, at + 1, index);
          if ((live & 1) !== 0 && index < (stream.cells[at + 1] as number)) this.setCell(stream, at + 1, index);
        }
        if (cells[at + 2] !== spelling && spelling < (cells[at + 2] as string)) {
          this.setCell(slice, at + 2, spelling);
          if ((live & 1) !== 0 && spelling < (stream.cells[at + 2] as string)) this.setCell(stream, at + 2, spelling);
        }
      }
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c !== 0x3a) return this.fail(pos);
      c = buf[++pos]!;
      while (isWs(c)) c = buf[++pos]!;
      pos = this.parseValueG(f.node, pos, depth, live);
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

  private parseArrayG(element: TypeNode, pos: number, depth: number, live: number): number {
    const buf = this.buf;
    let c = buf[++pos]!;
    while (isWs(c)) c = buf[++pos]!;
    if (c === 0x5d) return pos + 1;
    for (;;) {
      pos = this.parseValueG(element, pos, depth, live);
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

  private parseValueG(node: TypeNode, pos: number, depth: number, live: number): number {
    const buf = this.buf;
    const lt = this.slice!.cells;
    const at = 3 * node.id;
    const c = buf[pos]!;
    if (c === QUOTE) {
      const old = lt[at];
      if (old === STRING) return this.scanString(pos + 1);
      let t = STRING;
      let end: number;
      if (this.detectTemporal) {
        this.sawEscape = false;
        end = this.scanString(pos + 1);
        if (end >= 0) t = this.stringType(pos + 1, end - 1);
      } else end = this.scanString(pos + 1);
      if (end >= 0 && old !== t) this.observeGrouped(node, t, live);
      return end;
    }
    if (c === 0x7b || c === 0x5b) {
      const shape = c === 0x7b ? STRUCT_SHAPE : ARRAY_SHAPE;
      const old = lt[at];
      if (old !== shape) {
        if (old === STRING) return this.skipValue(pos);
        this.observeGrouped(node, depth < MAX_TYPED_DEPTH ? shape : STRING, live);
        if (lt[at] !== shape) return this.skipValue(pos);
      }
      const inner = (live & 1) !== 0 && this.grouping!.stream.cells[at] === shape ? 3 : 2;
      return c === 0x7b ? this.parseObjectG(node.struct!, pos, depth + 1, inner) : this.parseArrayG(node.element!, pos, depth + 1, inner);
    }
    let t: LakeType;
    let end: number;
    if (c === 0x74) {
      if (buf[pos + 1] !== 0x72 || buf[pos + 2] !== 0x75 || buf[pos + 3] !== 0x65) return this.failLiteral(pos, 'true');
      t = BOOLEAN;
      end = pos + 4;
    } else if (c === 0x66) {
      if (buf[pos + 1] !== 0x61 || buf[pos + 2] !== 0x6c || buf[pos + 3] !== 0x73 || buf[pos + 4] !== 0x65) return this.failLiteral(pos, 'false');
      t = BOOLEAN;
      end = pos + 5;
    } else if (c === 0x6e) {
      if (buf[pos + 1] !== 0x75 || buf[pos + 2] !== 0x6c || buf[pos + 3] !== 0x6c) return this.failLiteral(pos, 'null');
      return pos + 4; // null joins anything: nothing to record
    } else {
      end = this.numberEnd(pos);
      if (end < 0) return -1;
      const old = lt[at];
      if (old === STRING) return end;
      t = this.numIsInteger ? (this.numDigits < 19 ? SMALL_INTEGER : this.integerType()) : DOUBLE;
    }
    const old = lt[at];
    if (old !== t && old !== STRING) this.observeGrouped(node, t, live);
    return end;
  }

  /** A value of type `t` at `node` changes the slice; offer it to the stream where the stream is live. */
  private observeGrouped(node: TypeNode, t: LakeType, live: number): void {
    this.observeIn(this.slice!, node, t);
    if ((live & 1) === 0) return;
    // An ungrouped scan does not observe an object or array where the node already has that shape or is
    // string: joining a shape again would count as a change.
    const old = this.grouping!.stream.cells[3 * node.id];
    if ((t === STRUCT_SHAPE || t === ARRAY_SHAPE) && (old === t || old === STRING)) return;
    this.observeIn(this.grouping!.stream, node, t);
  }

  /** A field new to the slice, offered to the stream (`at` is 3 × its node id). */
  private fieldInStream(at: number, spelling: string, index: number): void {
    const stream = this.grouping!.stream;
    const cells = stream.cells;
    if (cells[at] === undefined) this.addField(stream, at, spelling, index);
    else {
      if (index < (cells[at + 1] as number)) this.setCell(stream, at + 1, index);
      if (spelling < (cells[at + 2] as string)) this.setCell(stream, at + 2, spelling);
    }
  }

  /** The key tree's field for a key not matched by its slot (no undo: the tree only caches keys seen). */
  private keyField(s: StructNode, index: number, spelling: string, raw: Uint8Array | null, depth: number): FieldNode {
    let f = s.bySpelling.get(spelling);
    if (f === undefined) {
      const key = fieldKey(spelling);
      f = s.byKey.get(key);
      if (f === undefined) {
        const g = this.grouping!;
        f = new FieldNode(spelling, index, g.node(this.line));
        f.disc = g.keysAtDepth[depth - 1]?.has(key) ?? false;
        s.byKey.set(key, f);
      }
      s.bySpelling.set(spelling, f);
    }
    if (raw !== null) {
      let slot = s.spellings.find((x) => x.field === f && bytesEqual(x.bytes, raw));
      if (slot === undefined) {
        slot = new Slot(raw.slice(), f, spelling);
        s.spellings.push(slot);
      }
      s.slots[index] = slot;
    }
    return f;
  }

  /** A field new to the target (`at` is 3 × its node id). */
  private addField(target: Target, at: number, spelling: string, index: number): void {
    target.reserve(at / 3);
    const cells = target.cells;
    cells[at] = NULL;
    cells[at + 1] = index;
    cells[at + 2] = spelling;
    target.lines[at / 3] = this.line;
    this.undo.push(() => (cells[at] = undefined));
  }

  private setCell(target: Target, at: number, value: unknown): void {
    const cells = target.cells;
    const old = cells[at];
    cells[at] = value;
    this.undo.push(() => (cells[at] = old));
  }

  /** `observe` for one target: widen its type at `node` to hold `t`. */
  private observeIn(target: Target, node: TypeNode, t: LakeType): void {
    const id = node.id;
    const cells = target.cells;
    const old = cells[3 * id] as LakeType;
    const joined = joinTypes(old, t);
    if (joined === old || (joined.kind === 'decimal' && old.kind === 'decimal' && joined.precision === old.precision && joined.scale === old.scale))
      return;
    const lines = target.lines;
    const line = lines[id]!;
    this.undo.push(() => {
      cells[3 * id] = old;
      lines[id] = line;
    });
    cells[3 * id] = joined;
    lines[id] = this.line;
    if (joined === ARRAY_SHAPE) {
      const element = (node.element ??= this.grouping!.node(this.line));
      const e = element.id;
      target.reserve(e);
      const before = target.cells[3 * e];
      const beforeLine = target.lines[e]!;
      target.cells[3 * e] = NULL; // a fresh element, as an ungrouped scan makes one
      target.lines[e] = this.line;
      this.undo.push(() => {
        target.cells[3 * e] = before;
        target.lines[e] = beforeLine;
      });
    } else if (joined === STRUCT_SHAPE) {
      node.struct ??= new StructNode();
    }
  }

  /** The fields a target has under `s`, as `fieldsOf` gives them for an ungrouped scan. */
  private fieldsOfTarget(target: Target, s: StructNode): Field[] {
    const fields: Field[] = [];
    for (const f of s.byKey.values()) {
      const at = 3 * f.node.id;
      if (target.cells[at] === undefined) continue;
      fields.push(field(target.cells[at + 2] as string, this.typeOfTarget(target, f.node), target.cells[at + 1] as number, this.provenanceOfTarget(target, f.node)));
    }
    return canonicalFields(fields);
  }

  private typeOfTarget(target: Target, node: TypeNode): LakeType {
    const t = target.cells[3 * node.id] as LakeType;
    if (t === STRUCT_SHAPE) return { kind: 'struct', fields: this.fieldsOfTarget(target, node.struct!) };
    if (t === ARRAY_SHAPE) return T.array(this.typeOfTarget(target, node.element!));
    return t;
  }

  private provenanceOfTarget(target: Target, node: TypeNode): Provenance {
    let line = target.lines[node.id]!;
    for (let n = node; target.cells[3 * n.id] === ARRAY_SHAPE; ) {
      n = n.element!;
      line = Math.max(line, target.lines[n.id]!);
    }
    return { file: this.file, line };
  }

  /** A discriminator value as JSON.parse gives it: strings unescaped, numbers and literals as written. */
  private valueText(kind: Found, start: number, end: number): string {
    const token = this.buf.subarray(start, end);
    if (kind === Found.String) {
      if (token.indexOf(BACKSLASH) < 0) return utf8.decode(token.subarray(1, token.length - 1));
      try {
        return JSON.parse(utf8.decode(token)) as string;
      } catch {
        return utf8.decode(token); // a bad escape: the line is corrupt and no slice keeps it
      }
    }
    return utf8.decode(token);
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

type Grouped = { discriminators: readonly DiscriminatorPath[] };
type Ungrouped = { discriminators?: undefined };

/** Infer the schema of one JSON lines file from its (already decompressed) chunks; grouped when given discriminators. */
export async function inferJsonLines(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ctx: { file: string } & JsonLinesOptions & Grouped): Promise<GroupedInferenceResult>;
export async function inferJsonLines(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ctx: { file: string } & JsonLinesOptions & Ungrouped): Promise<InferenceResult>;
export async function inferJsonLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ctx: { file: string } & JsonLinesOptions,
): Promise<InferenceResult | GroupedInferenceResult>;
export async function inferJsonLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ctx: { file: string } & JsonLinesOptions,
): Promise<InferenceResult | GroupedInferenceResult> {
  const scanner = new JsonLinesScanner(ctx.file, ctx);
  for await (const chunk of chunks) scanner.push(chunk);
  return ctx.discriminators ? scanner.endGrouped() : scanner.end();
}

/** Convenience for text already in memory. */
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions & Grouped): GroupedInferenceResult;
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions & Ungrouped): InferenceResult;
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions): InferenceResult | GroupedInferenceResult;
export function inferJsonLinesText(text: string, ctx: { file: string } & JsonLinesOptions): InferenceResult | GroupedInferenceResult {
  const scanner = new JsonLinesScanner(ctx.file, ctx);
  scanner.push(new TextEncoder().encode(text));
  return ctx.discriminators ? scanner.endGrouped() : scanner.end();
}
