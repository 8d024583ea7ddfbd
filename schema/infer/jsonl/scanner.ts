// JSON lines inference: a scanner that types values straight from the bytes, without building objects.
//
// Exactness: a line is accepted iff `JSON.parse` accepts it (differential fuzz tests in
// test/unit/schema/jsonl-fuzz.test.ts and, across lines and chunk boundaries, jsonl-stream-fuzz.test.ts),
// within the limits of options.ts. Lines are separated by "\n"; a line holding only whitespace is not a
// record. A top-level value that is not an object, or a line that does not parse, is a corrupt record:
// counted, sampled with file/line/reason, and kept out of the schema (changes made while scanning it are
// rolled back). An over-long line is dropped as it arrives, never buffered, whatever the chunking.
//
// Speed: values are compared against the type tree (tree.ts) by identity and keys by their bytes, so a
// record allocates nothing for keys it has seen: the key last seen at the same position is tried first,
// four bytes at a time, and a key out of place (shuffled or optional keys) is found by a hash of its bytes
// taken as it is read. Strings are read four bytes at a time. A field already widened to string is only
// validated, not typed.
//
// Memory: only the type tree (at most maxColumns fields) and a partial last line (at most maxRecordBytes)
// are kept between chunks (grouped: also a tree per slice, and records waiting for their slice, at most
// MAX_PENDING_BYTES). Key lookups are hashed, and a corrupt record's changes are undone in time linear
// in what it changed, so time stays linear in the input however many distinct keys it has.
//
// The same reading serves grouped scans (grouped.ts: it also picks up discriminator values and shows the
// record's facts) and statistics (stats.ts: it logs each key's value as it types it); infer.ts runs one over
// a whole file.
import { keepFirstSamples, type CorruptRecord, type InferenceResult, MAX_CORRUPT_SAMPLES } from '../../merge';
import { byCodeUnits } from '../../names';
import type { GroupedInferenceResult, SliceResult } from '../../slices';
import { MAX_DECIMAL_PRECISION, T, type LakeType, type Schema } from '../../types';
import { integerLiteralType, nineteenDigitsFitInt64, temporalTextType } from '../literals';
import { ENCODING_SNIFF_BYTES, foreignEncoding } from '../text';
import { EMPTY_STATS } from '../../stats';
import { PartitionKeyWatch, type PartitionKeyCheck } from '../partition-keys';
import * as bytes from './bytes';
import { Err, errorMessage, longLineMessage, topLevelMessage } from './bytes';
import { limitOption, type JsonLinesOptions } from './options';
import { RecordStats } from './stats';
import { Grouping } from './grouped';
import { MAX_PENDING_BYTES, type Facts, type PathLevel } from './grouping';
import { ARRAY_SHAPE, STRUCT_SHAPE, TreeEdits, fieldsOf, type FieldNode, type Slot, StructNode, type TypeNode } from './tree';

// Module-local copies: a property read through the CommonJS export getter on every value is measurable.
const NL = bytes.NL;
const QUOTE = bytes.QUOTE;
const BACKSLASH = bytes.BACKSLASH;
// Whitespace is at most 0x20, so `c <= 0x20 && isWs(c)` costs one comparison on the usual next byte.
const isWs = bytes.isWs;
const isDigit = bytes.isDigit;
const isHex = bytes.isHex;
const utf8 = bytes.utf8;
const mixKeyHash = bytes.mixKeyHash;
const NO_ERROR = Err.None;
const PENDING_LIMIT = MAX_PENDING_BYTES;
const BOOLEAN = T.boolean;
const DOUBLE = T.double;
const STRING = T.string;
/** The type of an integer with fewer than 19 digits (always fits in 64 bits). */
const SMALL_INTEGER = integerLiteralType(1, true);

/** Nesting deeper than this is not typed (a maxDepth above it allows it): the value is validated and the field becomes string. */
const MAX_TYPED_DEPTH = 200;

// Codes of value types in facts: the common ones fixed (set on the hot path without a lookup), the
// others (dates, integers past int64) numbered after them. Kept with codeOfValue, which reads numberEnd's
// outputs: a const enum read from another module is a property lookup per value.
const enum Code {
  Null,
  String,
  Boolean,
  Double,
  SmallInteger,
  Struct,
  Array,
}
const OTHER_CODES = new Map<LakeType, number>([T.date, T.timestamp, ...Array.from({ length: MAX_DECIMAL_PRECISION + 1 }, (_, p) => integerLiteralType(p, false))].map((t, i) => [t, Code.Array + 1 + i]));
// Slot.factAt packs a code in 6 bits, 63 meaning none.
if (Code.Array + OTHER_CODES.size >= 63) throw new Error('too many type codes');

/** The code of the type a value was typed as. */
function codeOf(t: LakeType): number {
  if (t === STRING) return Code.String;
  if (t === DOUBLE) return Code.Double;
  if (t === SMALL_INTEGER) return Code.SmallInteger;
  const code = OTHER_CODES.get(t);
  if (code === undefined) throw new Error(`no code for ${t.kind}`);
  return code;
}

export class JsonLinesScanner {
  private readonly root = new StructNode();
  private readonly detectTemporal: boolean;
  private buf: Uint8Array = new Uint8Array(0);
  /** Over buf, for reading four bytes at a time (keys, and grouped scans). */
  private view = new DataView(this.buf.buffer);
  private line: number;
  private records = 0;
  private corrupt = 0;
  /** The first bytes, until there are enough to judge their encoding; null after. */
  private head: Uint8Array[] | null = [];
  private headBytes = 0;
  /** The text is not UTF-8: reported once, the rest ignored. */
  private foreign = false;
  private readonly samples: CorruptRecord[] = [];
  /** Changes to the trees, undone for a corrupt record. */
  private readonly edits: TreeEdits;
  private carry: Uint8Array = new Uint8Array(0);
  private carryLength = 0;
  /** Inside a line longer than maxRecordBytes: its bytes are dropped up to the next "\n". */
  private skippingLongLine = false;
  private readonly maxRecordBytes: number;
  private readonly maxDepth: number;
  private err: Err = NO_ERROR;
  private errPos = 0;
  private sawEscape = false;
  // Outputs of numberEnd().
  private numDigitsStart = 0;
  private numDigits = 0;
  private numIsInteger = true;
  private readonly grouping: Grouping | null;
  /** Statistics (option `stats`), and whether the value being read is logged (not inside an array, which is one value). */
  private readonly stats: RecordStats | null;
  private statsOn = false;
  /**
   * Where the facts of the record go while typing the stream of a grouped scan; null otherwise, and once
   * the record shows something that is not tracked (it is then typed again for its slice).
   */
  private facts: Facts | null = null;
  /** Option `partition`. */
  private readonly partitionWatch: PartitionKeyWatch | null;

  constructor(
    readonly file: string,
    options: JsonLinesOptions = {},
  ) {
    this.detectTemporal = options.detectTemporal ?? false;
    this.line = options.firstLine ?? 1;
    this.grouping = options.discriminators ? new Grouping(options.discriminators) : null;
    this.stats = options.stats ? new RecordStats() : null;
    this.partitionWatch = options.partition?.keys.length ? new PartitionKeyWatch(options.partition.keys, options.partition.values) : null;
    this.maxRecordBytes = limitOption(options, 'maxRecordBytes');
    this.maxDepth = limitOption(options, 'maxDepth');
    this.edits = new TreeEdits(limitOption(options, 'maxFieldsPerObject'), limitOption(options, 'maxColumns'));
  }

  /** Feed the next chunk of the file. Chunks may split lines (and UTF-8 sequences) anywhere. */
  push(chunk: Uint8Array): void {
    if (this.head !== null) {
      // the first bytes are held back until they tell UTF-8 from UTF-16 (schema/infer/text.ts)
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= ENCODING_SNIFF_BYTES) this.releaseHead();
      return;
    }
    if (this.foreign) return;
    this.pushBytes(chunk);
  }

  /** Judges the encoding from the bytes held back, then scans them (or reports the file once). */
  private releaseHead(): void {
    const head = this.head!.length === 1 ? this.head![0]! : Buffer.concat(this.head!);
    this.head = null;
    const reason = foreignEncoding(head.subarray(0, ENCODING_SNIFF_BYTES));
    if (reason !== undefined) {
      this.foreign = true;
      this.recordCorrupt(reason, this.grouping === null ? -1 : 0);
      return;
    }
    if (head.length > 0) this.pushBytes(head);
  }

  private pushBytes(chunk: Uint8Array): void {
    let start = 0;
    if (this.carryLength > 0 || this.skippingLongLine) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.carryOrSkip(chunk);
        return;
      }
      if (this.skippingLongLine) this.endLongLine();
      else if (this.carryLength + nl > this.maxRecordBytes) {
        this.carryLength = 0;
        this.endLongLine();
      } else {
        this.appendCarry(chunk.subarray(0, nl + 1));
        this.scanRegion(this.carry, 0, this.carryLength);
        this.carryLength = 0;
      }
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) {
      this.scanRegion(chunk, start, last + 1);
      start = last + 1;
    }
    if (start < chunk.length) this.carryOrSkip(chunk.subarray(start));
  }

  /** Keeps the start of a line for the next chunk, unless the line is already longer than maxRecordBytes. */
  private carryOrSkip(bytes: Uint8Array): void {
    if (this.skippingLongLine) return;
    if (this.carryLength + bytes.length <= this.maxRecordBytes) {
      this.appendCarry(bytes);
      return;
    }
    this.carryLength = 0;
    if (this.carry.length > 1 << 16) this.carry = new Uint8Array(0);
    this.skippingLongLine = true;
  }

  /** The "\n" (or the end) of a line longer than maxRecordBytes: one corrupt record, counted in the remainder when grouped (its values are gone). */
  private endLongLine(): void {
    this.skippingLongLine = false;
    this.recordCorrupt(this.longLineReason(), this.grouping === null ? -1 : 0);
    this.line++;
  }

  private longLineReason(): string {
    return longLineMessage(this.maxRecordBytes);
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
    if (this.head !== null) this.releaseHead();
    if (this.skippingLongLine) this.endLongLine();
    else if (this.carryLength > 0) {
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
    const stats = this.stats === null ? null : this.stats.result();
    return {
      schema: { columns: fieldsOf(this.root, this.file) } satisfies Schema,
      records: this.records,
      corruptRecords: this.corrupt,
      corruptSamples: keepFirstSamples([...this.samples]),
      ...(stats !== null ? { stats: stats.stream } : {}),
    };
  }

  /** The stream (exactly `result()`), each slice with at least one record (in key order), and the remainder. */
  groupedResult(): GroupedInferenceResult {
    const g = this.grouping;
    if (g === null) throw new Error('groupedResult() needs a scanner made with discriminators');
    this.typePending(g);
    const stats = this.stats === null ? null : this.stats.result();
    const sliceResult = (number: number): InferenceResult => ({
      schema: { columns: fieldsOf(g.slices[number]!.root, this.file) },
      records: g.counts.records(number),
      corruptRecords: g.corrupt[number]!,
      corruptSamples: keepFirstSamples([...g.corruptSamples[number]!]),
      ...(stats !== null ? { stats: stats.slices[number] ?? EMPTY_STATS } : {}),
    });
    const slices: Record<string, SliceResult> = {};
    for (const key of [...g.sliceNumbers.keys()].sort(byCodeUnits)) {
      const number = g.sliceNumbers.get(key)!;
      if (g.counts.records(number) > 0 || g.corrupt[number]! > 0) slices[key] = { values: [...g.slices[number]!.values], result: sliceResult(number) };
    }
    return { stream: this.result(), slices, remainder: sliceResult(0) };
  }

  private appendCarry(bytes: Uint8Array): void {
    const needed = this.carryLength + bytes.length;
    if (needed > this.carry.length) {
      // a line and its "\n" at most (carryOrSkip drops longer ones)
      const grown = new Uint8Array(Math.min(Math.max(needed, this.carry.length * 2, 1024), this.maxRecordBytes + 1));
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
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = start;
    while (pos < end) {
      const lineStart = pos;
      let c = buf[pos]!;
      while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
      if (c === NL) {
        // as long as a line the carry would have dropped: the same verdict however the bytes are chunked
        if (pos - lineStart > this.maxRecordBytes) this.recordCorrupt(this.longLineReason(), this.grouping === null ? -1 : 0);
        pos++;
        this.line++;
        continue;
      }
      if (c === 0x7b) {
        const g = this.grouping;
        if (g !== null) {
          g.startRecord();
          this.facts = g.facts;
        }
        const st = this.stats;
        if (st !== null) {
          st.startRecord();
          this.statsOn = true;
        }
        const p = this.parseRecord(this.root, pos, g === null ? null : g.top);
        this.statsOn = false;
        if (p - lineStart > this.maxRecordBytes) {
          if (st !== null) st.dropRecord();
          this.edits.rollback();
          this.recordCorrupt(this.longLineReason(), g === null ? -1 : 0);
          pos = p + 1;
          this.line++;
          continue;
        }
        if (p >= 0) {
          this.records++;
          this.edits.commit();
          const slice = g !== null ? this.addToSlice(g, pos, p + 1) : 0;
          if (st !== null) st.endRecord(buf, slice, pos, p);
          if (this.partitionWatch !== null) this.partitionWatch.record(this.root.byKey, buf, pos, p, this.line);
          pos = p + 1;
          this.line++;
          continue;
        }
        if (st !== null) st.dropRecord();
        this.edits.rollback();
        const end = buf.indexOf(NL, pos);
        if (end - lineStart > this.maxRecordBytes) this.recordCorrupt(this.longLineReason(), g === null ? -1 : 0);
        else {
          if (g !== null) this.facts = null;
          this.recordCorrupt(this.describeError(lineStart), g === null ? -1 : g.sliceOfCorruptLine(buf, this.view, pos));
        }
        pos = end + 1;
      } else {
        const end = buf.indexOf(NL, pos);
        // not an object: no discriminator values, so the remainder's
        this.recordCorrupt(end - lineStart > this.maxRecordBytes ? this.longLineReason() : this.describeTopLevel(pos, lineStart), this.grouping === null ? -1 : 0);
        pos = end + 1;
      }
      this.line++;
    }
    this.buf = new Uint8Array(0);
  }

  /** Records whose own partition key values differ from their path's (option `partition`). */
  partitionKeys(): PartitionKeyCheck | undefined {
    return this.partitionWatch?.result();
  }

  /** Type one record (pos at "{") into the tree at `root`; returns the position of its line's "\n" or -1. */
  private parseRecord(root: StructNode, pos: number, level: PathLevel | null): number {
    const buf = this.buf;
    this.err = NO_ERROR;
    this.edits.startRecord();
    let p = this.parseObject(root, pos, 1, level);
    if (p < 0) return -1;
    let c = buf[p]!;
    while (c <= 0x20 && isWs(c)) c = buf[++p]!;
    return c === NL ? p : this.fail(p);
  }

  /** Counts a corrupt line on the stream and (grouped) on slice number `slice`. */
  private recordCorrupt(reason: string, slice: number): void {
    this.corrupt++;
    const sample = { file: this.file, line: this.line, reason };
    if (this.samples.length < MAX_CORRUPT_SAMPLES) this.samples.push(sample);
    if (slice >= 0) this.grouping!.countCorrupt(slice, sample);
  }

  private describeTopLevel(pos: number, lineStart: number): string {
    const buf = this.buf;
    this.err = NO_ERROR;
    let p = this.skipValue(pos, Infinity); // not a record either way: no limit to report
    if (p >= 0) {
      let c = buf[p]!;
      while (c <= 0x20 && isWs(c)) c = buf[++p]!;
      if (c === NL) return topLevelMessage(buf[pos]!);
      this.fail(p);
    }
    return this.describeError(lineStart);
  }

  private describeError(lineStart: number): string {
    return errorMessage(this.err, this.buf[this.errPos]!, this.errPos - lineStart, this.maxDepth, this.edits.fieldLimit);
  }

  private fail(pos: number, err: Err = Err.Token): number {
    if (this.err === NO_ERROR) {
      this.err = err;
      this.errPos = pos;
    }
    return -1;
  }

  // ---- typed scanning --------------------------------------------------------------------------------
  //
  // One reading for every tree: the stream's, and (grouped) a slice's when a record of a new shape is
  // typed again for it. `level` is the discriminator level of the object being read (stream pass only).

  /** pos is at "{". Returns the position after "}" or -1. */
  private parseObject(s: StructNode, pos: number, depth: number, level: PathLevel | null): number {
    const buf = this.buf;
    let c = buf[++pos]!;
    while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
    if (c === 0x7d) return pos + 1;
    let index = 0;
    for (;;) {
      if (c !== QUOTE) return this.fail(pos);
      const keyStart = pos + 1;
      let f: FieldNode | undefined;
      const slot = s.slots[index];
      if (slot !== undefined && this.keyIs(slot, keyStart)) {
        f = slot.field;
        pos = keyStart + slot.size;
        // Slots are a cache that rollback does not restore, so the position may still need lowering.
        if (index < f.position) this.edits.moveField(f, index);
      }
      if (f === undefined) {
        // Not the key last seen here: hash its bytes as they are read, and look its slot up by the hash.
        let h = 0;
        let p = keyStart;
        let b = buf[p]!;
        while (b > BACKSLASH || (b >= 0x20 && b !== QUOTE && b !== BACKSLASH)) {
          h = ((h << 7) | (h >>> 25)) ^ b; // keyHash's step
          b = buf[++p]!;
        }
        if (b === QUOTE) {
          h = mixKeyHash(h);
          const n = p - keyStart;
          for (let known = s.chain(h); known !== null; known = known.next) {
            if (known.hash !== h || known.size !== n + 1 || !this.keyIs(known, keyStart)) continue;
            f = known.field;
            this.edits.placeSlot(s, index, known);
            pos = p + 1;
            if (index < f.position) this.edits.moveField(f, index);
            break;
          }
        }
      }
      if (f === undefined) {
        this.sawEscape = false;
        pos = this.scanString(keyStart);
        if (pos < 0) return -1;
        f = this.edits.lookupField(s, index, this.keyText(keyStart, pos - 1, this.sawEscape), this.sawEscape ? null : buf.subarray(keyStart, pos - 1), this.line);
        if (f === undefined) return this.fail(keyStart - 1, Err.Fields);
      }
      const keyEnd = pos - 1;
      c = buf[pos]!;
      while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
      if (c !== 0x3a) return this.fail(pos);
      c = buf[++pos]!;
      while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
      const valueStart = pos;
      const node = f.node;
      if (level !== null || this.facts !== null) pos = this.parseValueOfKey(s, f, index, keyStart, keyEnd, pos, depth, level);
      // parseValue's commonest cases inline (a call per value was about a tenth of a flat record's scan):
      // a string in a field already string, and a number (c <= 0x39 and not a quote: numberEnd reports
      // anything else there as parseValue would).
      else if (c === QUOTE) pos = node.type === STRING ? this.scanString(pos + 1) : this.parseValue(node, pos, depth, null);
      else if (c <= 0x39) pos = this.typeNumber(node, pos);
      else pos = this.parseValue(node, pos, depth, null);
      if (pos < 0) return -1;
      if (this.statsOn) this.stats!.logValue(buf, s.slots[index], node, valueStart, pos);
      c = buf[pos]!;
      while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
      if (c === 0x2c) {
        c = buf[++pos]!;
        while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
        index++;
        continue;
      }
      if (c === 0x7d) return pos + 1;
      return this.fail(pos);
    }
  }

  /**
   * Whether buf[keyStart...] is the key of `slot` and its closing quote: four bytes at a time where the
   * buffer has room, the first and last words (which cover keys of up to 7 bytes) before any between.
   */
  private keyIs(slot: Slot, keyStart: number): boolean {
    const n = slot.size;
    const buf = this.buf;
    if (n >= 4 && keyStart + n <= buf.length) {
      const view = this.view;
      if (view.getInt32(keyStart, true) !== slot.first || view.getInt32(keyStart + n - 4, true) !== slot.last) return false;
      if (n <= 8) return true;
      const words = slot.words;
      for (let w = 1, k = words.length - 1; w < k; w++) if (view.getInt32(keyStart + 4 * w, true) !== words[w]) return false;
      return true;
    }
    const kb = slot.bytes;
    for (let i = 0; i < n - 1; i++) if (buf[keyStart + i] !== kb[i]) return false;
    return buf[keyStart + n - 1] === QUOTE;
  }

  /** pos is at "[". */
  private parseArray(element: TypeNode, pos: number, depth: number): number {
    const buf = this.buf;
    let c = buf[++pos]!;
    while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
    if (c === 0x5d) return pos + 1;
    for (;;) {
      pos = this.facts === null ? this.parseValue(element, pos, depth, null) : this.parseElementWithFacts(element, pos, depth);
      if (pos < 0) return -1;
      c = buf[pos]!;
      while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
      if (c === 0x2c) {
        c = buf[++pos]!;
        while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
        continue;
      }
      if (c === 0x5d) return pos + 1;
      return this.fail(pos);
    }
  }

  /**
   * pos is at the first character of a value (whitespace skipped). `level` is the discriminator level
   * inside the value when it is an object.
   */
  private parseValue(node: TypeNode, pos: number, depth: number, level: PathLevel | null): number {
    const buf = this.buf;
    const c = buf[pos]!;
    if (c === QUOTE) {
      if (node.type === STRING || !this.detectTemporal) {
        const end = this.scanString(pos + 1);
        if (end >= 0 && node.type !== STRING) this.edits.observe(node, STRING, this.line);
        return end;
      }
      this.sawEscape = false;
      const end = this.scanString(pos + 1);
      if (end >= 0) this.edits.observe(node, this.stringType(pos + 1, end - 1, this.sawEscape), this.line);
      return end;
    }
    if (c === 0x7b) {
      if (depth >= this.maxDepth) return this.fail(pos, Err.Depth);
      if (node.struct === null) {
        if (node.type !== STRING) this.edits.observe(node, depth < MAX_TYPED_DEPTH ? STRUCT_SHAPE : STRING, this.line);
        if (node.struct === null) return this.skipUntyped(pos, depth, level);
      }
      return this.parseObject(node.struct!, pos, depth + 1, level);
    }
    if (c === 0x5b) {
      if (depth >= this.maxDepth) return this.fail(pos, Err.Depth);
      if (node.element === null) {
        if (node.type !== STRING) this.edits.observe(node, depth < MAX_TYPED_DEPTH ? ARRAY_SHAPE : STRING, this.line);
        if (node.element === null) return this.skipUntyped(pos, depth, null);
      }
      const statsOn = this.statsOn;
      this.statsOn = false;
      const end = this.parseArray(node.element!, pos, depth + 1);
      this.statsOn = statsOn;
      return end;
    }
    if (c === 0x74) {
      if (buf[pos + 1] !== 0x72 || buf[pos + 2] !== 0x75 || buf[pos + 3] !== 0x65) return this.failLiteral(pos, 'true');
      if (node.type !== BOOLEAN) this.edits.observe(node, BOOLEAN, this.line);
      return pos + 4;
    }
    if (c === 0x66) {
      if (buf[pos + 1] !== 0x61 || buf[pos + 2] !== 0x6c || buf[pos + 3] !== 0x73 || buf[pos + 4] !== 0x65)
        return this.failLiteral(pos, 'false');
      if (node.type !== BOOLEAN) this.edits.observe(node, BOOLEAN, this.line);
      return pos + 5;
    }
    if (c === 0x6e) {
      if (buf[pos + 1] !== 0x75 || buf[pos + 2] !== 0x6c || buf[pos + 3] !== 0x6c) return this.failLiteral(pos, 'null');
      return pos + 4; // null joins anything: nothing to record
    }
    return this.typeNumber(node, pos);
  }

  /** parseValue for a number (or what is not a value: -1): pos is at its first character. */
  private typeNumber(node: TypeNode, pos: number): number {
    const end = this.numberEnd(pos);
    if (end < 0) return -1;
    if (node.type !== STRING) {
      const t = this.numIsInteger ? (this.numDigits < 19 ? SMALL_INTEGER : this.integerType()) : DOUBLE;
      if (node.type !== t) this.edits.observe(node, t, this.line);
    }
    return end;
  }

  /**
   * An object or array the tree does not descend into (it is string there): validated only. The record's
   * facts are then not all known, and discriminators inside are found by a loose pass.
   */
  private skipUntyped(pos: number, depth: number, level: PathLevel | null): number {
    this.facts = null;
    // statistics descend into every object: this one's values need the record parsed
    if (this.buf[pos] === 0x7b && this.statsOn) this.stats!.fallback = true;
    if (level !== null) this.grouping!.findValues(this.buf, level, pos);
    return this.skipValue(pos, this.maxDepth - depth);
  }

  /**
   * The type code of the value buf[start, end) parseValue just read: what a tree that can still take it
   * types it as (an object or array the stream skipped has already left the record's facts untracked).
   */
  private codeOfValue(start: number, end: number): number {
    const buf = this.buf;
    const c = buf[start]!;
    if (c === QUOTE) return this.detectTemporal ? codeOf(this.stringType(start + 1, end - 1, null)) : Code.String;
    if (c === 0x7b) return Code.Struct;
    if (c === 0x5b) return Code.Array;
    if (c === 0x74 || c === 0x66) return Code.Boolean;
    if (c === 0x6e) return Code.Null;
    // A number: numberEnd's outputs still describe it.
    return !this.numIsInteger ? Code.Double : this.numDigits < 19 ? Code.SmallInteger : codeOf(this.integerType());
  }

  /**
   * parseValue for the value of key buf[keyStart, keyEnd) of `s` (field `f`, position `index`) while the
   * stream of a grouped scan is typed: also picks up discriminator values (`level`: the discriminator
   * level of `s`) and shows the key's fact.
   */
  private parseValueOfKey(s: StructNode, f: FieldNode, index: number, keyStart: number, keyEnd: number, pos: number, depth: number, level: PathLevel | null): number {
    // Matching leaves the key's slot at its position (none for a key with escapes, see lookupField).
    const slot = s.slots[index];
    let entry = -1;
    let inner: PathLevel | null = null;
    if (level !== null) {
      entry = slot !== undefined ? slot.entryIn(level) : level.keys.indexOf(this.keyText(keyStart, keyEnd, true));
      if (entry >= 0) {
        inner = level.children[entry]!;
        // Paths through this key: forget what an earlier duplicate said (paths ending here are set below).
        if (inner !== null) this.grouping!.forget(level, entry);
      }
    }
    const end = this.parseValue(f.node, pos, depth, inner);
    if (end < 0) return -1;
    if (entry >= 0) this.grouping!.setValue(level!, entry, this.buf[pos]!, pos, end);
    if (this.facts !== null && !this.facts.showKey(slot, index, this.codeOfValue(pos, end))) this.facts = null;
    return end;
  }

  /** parseValue for an array element while the stream of a grouped scan is typed: also shows its fact. */
  private parseElementWithFacts(element: TypeNode, pos: number, depth: number): number {
    const end = this.parseValue(element, pos, depth, null);
    if (end >= 0 && this.facts !== null && !this.facts.showElement(element, this.codeOfValue(pos, end))) this.facts = null;
    return end;
  }

  private integerType(): LakeType {
    const digits = this.numDigits;
    const start = this.numDigitsStart;
    const buf = this.buf;
    const fits = digits < 19 || (digits === 19 && nineteenDigitsFitInt64((i) => buf[start + i]!, buf[start - 1] === 0x2d));
    return integerLiteralType(digits, fits);
  }

  /** The type of the string between quotes at buf[start - 1] and buf[end]; `escaped`: whether it has escapes (null: look). */
  private stringType(start: number, end: number, escaped: boolean | null): LakeType {
    if (end - start < 10 || end - start > 35) return STRING;
    if (escaped ?? this.buf.subarray(start, end).includes(BACKSLASH)) return STRING;
    return temporalTextType(bytes.asciiText(this.buf, start, end)) ?? STRING;
  }

  /** A key as JSON.parse gives it: buf[start, end) between its quotes, `escaped` when it has escapes. */
  private keyText(start: number, end: number, escaped: boolean): string {
    const buf = this.buf;
    return escaped ? (JSON.parse(utf8.decode(buf.subarray(start - 1, end + 1))) as string) : utf8.decode(buf.subarray(start, end));
  }

  // ---- validation ------------------------------------------------------------------------------------

  /** pos is just after the opening quote. Returns the position after the closing quote or -1. */
  private scanString(pos: number): number {
    const buf = this.buf;
    const view = this.view;
    const lastWord = buf.length - 4;
    for (;;) {
      // Four bytes at a time while none is below 0x20, a quote or a backslash (each test is exact for
      // "some byte is": a borrow into a byte's top bit only happens past a byte that matched). The lowest
      // bit set is therefore the first such byte: go straight to it (usually the closing quote).
      while (pos <= lastWord) {
        const x = view.getInt32(pos, true);
        const q = x ^ 0x22222222;
        const b = x ^ 0x5c5c5c5c;
        const m = (((x - 0x20202020) & ~x) | ((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b)) & 0x80808080;
        if (m !== 0) {
          pos += (31 - Math.clz32(m & -m)) >> 3;
          break;
        }
        pos += 4;
      }
      // (byte by byte only in the last bytes of the buffer: after a jump the byte is one of those)
      let c = buf[pos]!;
      while (c > BACKSLASH || (c >= 0x20 && c !== QUOTE && c !== BACKSLASH)) c = buf[++pos]!;
      if (c === QUOTE) return pos + 1;
      if (c !== BACKSLASH) return this.fail(pos, Err.ControlChar);
      pos = this.escapeEnd(pos);
      if (pos < 0) return -1;
    }
  }

  /**
   * The position after the escape at pos (a backslash), or -1. Out of scanString, which stays small
   * enough to be inlined where it is called.
   */
  private escapeEnd(pos: number): number {
    const buf = this.buf;
    this.sawEscape = true;
    const e = buf[pos + 1]!;
    if (e === 0x75) {
      for (let i = 2; i < 6; i++) if (!isHex(buf[pos + i]!)) return this.fail(pos + i, Err.BadUnicodeEscape);
      return pos + 6;
    }
    if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) return pos + 2;
    return this.fail(pos + 1, Err.BadEscape);
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

  /**
   * Validate one value without typing it; `room`: how many levels of nesting it may have (itself
   * included, when it is an object or array). Iterative, so any room is safe.
   */
  private skipValue(pos: number, room: number): number {
    const buf = this.buf;
    const stack: boolean[] = []; // true = inside an object
    let c: number;
    for (;;) {
      // A value starts at pos.
      c = buf[pos]!;
      if (c === QUOTE) {
        pos = this.scanString(pos + 1);
      } else if (c === 0x7b || c === 0x5b) {
        if (stack.length >= room) return this.fail(pos, Err.Depth);
        const isObject = c === 0x7b;
        c = buf[++pos]!;
        while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
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
        while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
        const inObject = stack[stack.length - 1]!;
        if (c === 0x2c) {
          c = buf[++pos]!;
          while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
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
    while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
    if (c !== 0x3a) return this.fail(pos);
    c = buf[++pos]!;
    while (c <= 0x20 && isWs(c)) c = buf[++pos]!;
    return pos;
  }

  // ---- grouped scanning ------------------------------------------------------------------------------
  //
  // The steps that drive the parse functions (typing a slice's records) stay here; grouped.ts has the rest.

  /**
   * After the stream took the record at pos ("{"): count it in its slice, and type it there unless the
   * slice has absorbed all its facts. Returns the slice's number.
   */
  private addToSlice(g: Grouping, start: number, end: number): number {
    const slice = g.sliceOf(this.buf, this.view);
    if (g.countRecord(slice, this.facts)) {
      if (g.pending.used + end - start > PENDING_LIMIT) this.typePending(g);
      g.pending.add(slice, this.line, this.buf, start, end);
    }
    return slice;
  }

  /**
   * Types the pending records into their slices' trees (the stream pass accepted them, so they parse),
   * slice by slice so that a slice's tree stays in cache, each slice's records in line order.
   */
  private typePending(g: Grouping): void {
    const { buf, view, line } = this;
    const pending = g.pending;
    this.buf = pending.bytes;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.facts = null;
    this.edits.typingStream = false;
    const entries = pending.entries;
    const order = Array.from({ length: pending.count }, (_, i) => 4 * i).sort((a, b) => entries[a]! - entries[b]! || a - b);
    for (const e of order) {
      this.line = entries[e + 1]!;
      const p = this.parseRecord(g.slices[entries[e]!]!.root, entries[e + 2]!, null);
      this.edits.commit();
      if (p < 0) throw new Error(`${this.file}:${this.line}: a record the stream accepted failed in its slice`);
    }
    pending.clear();
    this.buf = buf;
    this.view = view;
    this.line = line;
    this.edits.typingStream = true;
  }
}
