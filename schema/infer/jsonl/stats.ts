// Statistics (option `stats`) taken while the stream's tree types a record: each key's value is logged
// for its column path as `JSON.parse` would give it (see logValue), into a StatsLog (schema/stats.ts) that
// learns the record's slice when it ends. A record whose values the typed pass cannot give as JSON.parse
// does (a repeated key, a key with escapes, an object the tree does not descend into) is parsed and
// observed instead. Differential property test in jsonl-stats.test.ts.
import * as hash from '../../hash';
import * as identifying from '../../identifying';
import * as stats from '../../stats';
import { StatsLog, type StatsJSON } from '../../stats';
import * as bytes from './bytes';
import type { Slot, TypeNode } from './tree';

// Module-local copies: a property read through the CommonJS export getter on every value is measurable.
const QUOTE = bytes.QUOTE;
const BACKSLASH = bytes.BACKSLASH;
const isDigit = bytes.isDigit;
const asciiText = bytes.asciiText;
const utf8 = bytes.utf8;
const hashBytes = hash.hashBytes;
const finaliseHash = hash.finalise;
const hashString = hash.hashString;
const FNV_OFFSET = hash.FNV_OFFSET;
const FNV_PRIME = hash.FNV_PRIME;
const mayBeDate = stats.mayBeDate;
const TRUE_HASH = stats.TRUE_HASH;
const FALSE_HASH = stats.FALSE_HASH;
const CHAR_CLASS = identifying.CHAR_CLASS;
const mayMatchPattern = identifying.mayMatchPattern;
const valuePatterns = identifying.valuePatterns;
const bytePatterns = identifying.bytePatterns;
const MIN_PATTERN_LENGTH = identifying.MIN_PATTERN_LENGTH;
const MAX_PATTERN_LENGTH = identifying.MAX_PATTERN_LENGTH;

/** The statistics of one scan, record by record. */
export class RecordStats {
  private readonly log = new StatsLog();
  private ended: { stream: StatsJSON; slices: StatsJSON[] } | null = null;
  /** Where the record being typed starts in the log. */
  private mark = 0;
  /** The record being typed, numbered: a Slot stamped with it has been logged in this record. */
  private stamp = 0;
  /** The record's values cannot all be logged as typed: it is parsed and observed when it ends. */
  fallback = false;

  startRecord(): void {
    this.stamp++;
    this.mark = this.log.mark();
    this.fallback = false;
  }

  /** The record being typed is corrupt: what it logged goes. */
  dropRecord(): void {
    this.log.truncate(this.mark);
  }

  /** The record buf[start, end) just typed is slice number `slice`'s: its values logged, or (fallback) its parse observed. */
  endRecord(buf: Uint8Array, slice: number, start: number, end: number): void {
    if (!this.fallback) {
      this.log.endRecord(this.mark, slice);
      return;
    }
    this.log.truncate(this.mark);
    this.log.observe(JSON.parse(utf8.decode(buf.subarray(start, end))) as Record<string, unknown>, slice);
  }

  /**
   * Logs the value buf[start, end) of a key (its slot: undefined for a key with escapes) whose tree node
   * is `node`, as StatsAccumulator would take it from JSON.parse's record: strings unescaped, numbers as
   * String(number) spells them, booleans as text, arrays by their JSON.stringify text; objects descend.
   */
  logValue(buf: Uint8Array, slot: Slot | undefined, node: TypeNode, start: number, end: number): void {
    if (slot === undefined || slot.stamp === this.stamp) {
      this.fallback = true; // JSON.parse keeps a repeated key's last value; escapes: no slot to tell
      return;
    }
    slot.stamp = this.stamp;
    const c = buf[start]!;
    if (c === 0x7b) return;
    const log = this.log;
    let path = node.statsPath;
    if (path < 0) path = node.statsPath = log.pathId(node.path);
    if (c === QUOTE) {
      // ASCII without escapes: its bytes are its UTF-16 code units (hashed as they are read, and their
      // character classes OR-ed: the identifying patterns are looked for only in a value that may match)
      let h = FNV_OFFSET;
      let classes = 0;
      let plain = true;
      for (let i = start + 1; i < end - 1; i++) {
        const b = buf[i]!;
        if (b >= 0x80 || b === BACKSLASH) {
          plain = false;
          break;
        }
        h = Math.imul(h ^ b, FNV_PRIME);
        classes |= CHAR_CLASS[b]!;
      }
      if (plain) {
        const length = end - start - 2;
        const text = length >= 10 && length <= 35 && buf[start + 5] === 0x2d ? asciiText(buf, start + 1, end - 1) : undefined;
        const date = text !== undefined && mayBeDate(text) ? text : undefined;
        const patterns =
          date === undefined && length >= MIN_PATTERN_LENGTH && length <= MAX_PATTERN_LENGTH && mayMatchPattern(classes) ? bytePatterns(buf, start + 1, end - 1, classes) : 0;
        log.stringAt(path, finaliseHash(h), date, patterns);
      } else {
        const text = JSON.parse(utf8.decode(buf.subarray(start, end))) as string;
        const date = mayBeDate(text) ? text : undefined;
        log.stringAt(path, hashString(text), date, date === undefined ? valuePatterns(text) : 0);
      }
    } else if (c === 0x74) log.stringAt(path, TRUE_HASH, undefined);
    else if (c === 0x66) log.stringAt(path, FALSE_HASH, undefined);
    else if (c === 0x6e) log.nullAt(path);
    else if (c === 0x5b) {
      const json = isCanonicalArray(buf, start, end) ? null : JSON.stringify(JSON.parse(utf8.decode(buf.subarray(start, end))));
      log.otherAt(path, json === null ? hashBytes(buf, start, end) : hashString(json));
    } else {
      const value = canonicalNumber(buf, start, end);
      if (value !== null) log.numberAt(path, value, hashBytes(buf, start, end));
      else {
        const n = Number(asciiText(buf, start, end));
        log.numberAt(path, n, hashString(String(n)));
      }
    }
  }

  /** The statistics of the whole scan, once it is finished: the stream's, and by slice number each slice's. */
  result(): { stream: StatsJSON; slices: StatsJSON[] } {
    return (this.ended ??= this.log.end());
  }
}

/**
 * The value of the number buf[start, end) when String(value) spells it exactly as written, else null:
 * up to 15 digits (distinct such decimals are distinct doubles, so the shortest spelling of the value
 * is the written one), no exponent, no zero ending a fraction, not -0, not below 1e-6. Its digits are
 * then an exact integer and its value digits / 10^fraction, one correctly rounded division, as
 * Number() parses it.
 */
function canonicalNumber(buf: Uint8Array, start: number, end: number): number | null {
  let i = start;
  const negative = buf[i] === 0x2d;
  if (negative) i++;
  let digits = 0;
  let fraction = -1; // digits after the point, -1 without one
  let mantissa = 0;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === 0x2e) {
      fraction = 0;
      continue;
    }
    if (b < 0x30 || b > 0x39) return null; // an exponent
    digits++;
    if (fraction >= 0) fraction++;
    mantissa = mantissa * 10 + (b - 0x30);
  }
  if (digits > 15) return null;
  if (fraction >= 0) {
    if (buf[end - 1] === 0x30) return null; // 1.50 is spelled 1.5
    if (mantissa < 10 ** (fraction - 6)) return null; // below 1e-6 is spelled with an exponent
  }
  if (negative && mantissa === 0) return null; // -0 is spelled 0
  const value = fraction > 0 ? mantissa / 10 ** fraction : mantissa;
  return negative ? -value : value;
}

/**
 * Whether the array buf[start, end) is written exactly as JSON.stringify writes it back (no whitespace;
 * strings of printable ASCII without escapes; integers of up to 15 digits; no objects), so that its
 * bytes are the text statistics count.
 */
function isCanonicalArray(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; ) {
    const b = buf[i]!;
    if (b === 0x5b || b === 0x5d || b === 0x2c) i++;
    else if (b === QUOTE) {
      for (i++; buf[i] !== QUOTE; i++) if (buf[i]! < 0x20 || buf[i]! >= 0x80 || buf[i] === BACKSLASH) return false;
      i++;
    } else if (b === 0x74 || b === 0x6e) i += 4;
    else if (b === 0x66) i += 5;
    else if (b === 0x2d || isDigit(b)) {
      const digits = b === 0x2d ? i + 1 : i;
      let j = digits;
      while (isDigit(buf[j]!)) j++;
      const next = buf[j];
      if (j - digits > 15 || next === 0x2e || next === 0x65 || next === 0x45 || (b === 0x2d && j - digits === 1 && buf[digits] === 0x30)) return false;
      i = j;
    } else return false;
  }
  return true;
}
