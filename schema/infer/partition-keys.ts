// Records that repeat their partition keys: `{"date_id":"2019-10-15","hour":20,…}` under
// `date_id=2019-10-15/hour=20/` is what Spark and Kafka Connect writers produce. The table publishes the
// key once, as the partition column, so engines read the path's value; a record whose own value differs
// is counted here (and shown), never silently replaced.
//
// Fed the same decompressed chunks as the scanner. A line is only looked at when it holds a key's bytes
// in quotes; then its top level is walked to find the key's value (a key nested deeper is not the
// partition key). The value agrees when it is the path's text, or a number equal to the path's number.
// A null or a missing key claims nothing. Lines are not validated here (the scanner quarantines corrupt
// ones): a corrupt line whose key and value come before the break is read like any other.

export interface PartitionKeyMismatch {
  line: number;
  key: string;
  /** The record's value as written (a JSON token, at most 200 characters). */
  value: string;
  /** The path's value. */
  path: string;
}

export interface PartitionKeyCheck {
  /** Records (lines) whose own value of some partition key differs from their path's. */
  mismatches: number;
  /** The first of them, to show where to look. */
  first?: PartitionKeyMismatch;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NL = 0x0a;
const utf8 = new TextDecoder();

export class PartitionKeyChecker {
  private readonly needles: Buffer[];
  private carry: Buffer = Buffer.alloc(0);
  private line: number;
  private mismatches = 0;
  private first: PartitionKeyMismatch | undefined;

  constructor(
    private readonly keys: readonly string[],
    private readonly values: readonly string[],
    firstLine = 1,
  ) {
    // the key's text and closing quote: JSON is full of quotes, and a needle starting with one makes the
    // search stop at every string (a quarter to a half of its speed); the opening quote is checked after
    this.needles = keys.map((k) => Buffer.from(JSON.stringify(k).slice(1)));
    this.line = firstLine;
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (this.carry.length) {
      // only the carried line's end is joined to it: copying the whole chunk behind it costs a pass
      const nl = buf.indexOf(NL);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, buf]);
        return;
      }
      const line = Buffer.concat([this.carry, buf.subarray(0, nl)]);
      this.checkLines(line, 0, line.length);
      start = nl + 1;
    }
    const last = buf.lastIndexOf(NL);
    if (last >= start) {
      this.checkLines(buf, start, last);
      start = last + 1;
    }
    // copied: the caller may reuse its chunk
    this.carry = Buffer.from(buf.subarray(start));
  }

  end(): PartitionKeyCheck {
    if (this.carry.length) this.checkLine(this.carry, 0, this.carry.length, this.needles.map(() => -2));
    this.carry = Buffer.alloc(0);
    return this.first ? { mismatches: this.mismatches, first: this.first } : { mismatches: this.mismatches };
  }

  /**
   * The lines of buf[start, end], each ending at a "\n" or (the last) at `end`. Each
   * key's next occurrence is searched once and kept until the lines pass it: a search per line would run
   * to the end of the buffer whenever a key is absent, quadratic in the chunk's size.
   */
  private checkLines(buf: Buffer, start: number, end: number): void {
    const next = this.needles.map(() => -2); // -2: not searched yet; -1: not in the rest of buf
    for (;;) {
      let nl = buf.indexOf(NL, start);
      if (nl < 0 || nl > end) nl = end;
      this.checkLine(buf, start, nl, next);
      this.line++;
      if (nl >= end) break;
      start = nl + 1;
    }
  }

  /** `next`: each key's next occurrence in buf at or after some earlier line's start (-2: not searched). */
  private checkLine(buf: Buffer, start: number, end: number, next: number[]): void {
    for (let k = 0; k < this.needles.length; k++) {
      let at = next[k]!;
      if (at === -2 || (at >= 0 && at < start)) {
        at = buf.indexOf(this.needles[k]!, start);
        while (at >= 0 && (at === 0 || buf[at - 1] !== QUOTE)) at = buf.indexOf(this.needles[k]!, at + 1);
        next[k] = at;
      }
      // a key's quoted text holds no raw "\n", so an occurrence before the line's end lies in the line
      if (at < 0 || at >= end) continue;
      const token = topLevelValue(buf, start, end, this.keys[k]!);
      if (token === undefined || agrees(token, this.values[k]!)) continue;
      this.mismatches++;
      this.first ??= { line: this.line, key: this.keys[k]!, value: token.length > 200 ? `${token.slice(0, 199)}…` : token, path: this.values[k]! };
      return; // a record counts once, however many of its keys differ
    }
  }
}

function agrees(token: string, path: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(token);
  } catch {
    return true; // not a value JSON.parse reads: the line is corrupt, which the scanner reports
  }
  if (value === null) return true;
  if (typeof value === 'string') return value === path;
  if (typeof value === 'number') return String(value) === path || (path.trim() !== '' && Number(path) === value);
  if (typeof value === 'boolean') return String(value) === path;
  return false; // an object or array is never a partition value
}

/**
 * The JSON token of `key`'s value among the top-level members of the object on buf[start, end), the last
 * one when the key repeats (as JSON.parse keeps it); undefined when absent or the line is not an object.
 */
export function topLevelValue(buf: Uint8Array, start: number, end: number, key: string): string | undefined {
  let pos = skipWs(buf, start, end);
  if (buf[pos] !== 0x7b) return undefined;
  pos = skipWs(buf, pos + 1, end);
  let found: string | undefined;
  while (pos < end && buf[pos] === QUOTE) {
    const keyEnd = stringEnd(buf, pos, end);
    if (keyEnd < 0) return found;
    const name = readKey(buf, pos, keyEnd);
    pos = skipWs(buf, keyEnd, end);
    if (buf[pos] !== 0x3a) return found;
    const valueStart = skipWs(buf, pos + 1, end);
    const valueEnd = skipValue(buf, valueStart, end);
    if (valueEnd < 0) return found;
    if (name === key) found = utf8.decode(buf.subarray(valueStart, valueEnd));
    pos = skipWs(buf, valueEnd, end);
    if (buf[pos] !== 0x2c) return found;
    pos = skipWs(buf, pos + 1, end);
  }
  return found;
}

function readKey(buf: Uint8Array, start: number, end: number): string {
  const raw = utf8.decode(buf.subarray(start, end));
  if (!raw.includes('\\')) return raw.slice(1, -1);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return '';
  }
}

function skipWs(buf: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const c = buf[pos]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    pos++;
  }
  return pos;
}

/** The position after the string starting at pos (a quote), or -1 when it does not end on the line. */
function stringEnd(buf: Uint8Array, pos: number, end: number): number {
  for (let p = pos + 1; p < end; p++) {
    const c = buf[p];
    if (c === BACKSLASH) p++;
    else if (c === QUOTE) return p + 1;
  }
  return -1;
}

/** The position after the value starting at pos, or -1. Nested objects and arrays are skipped by depth. */
function skipValue(buf: Uint8Array, pos: number, end: number): number {
  const c = buf[pos];
  if (c === QUOTE) return stringEnd(buf, pos, end);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let p = pos; p < end; p++) {
      const d = buf[p];
      if (d === QUOTE) {
        p = stringEnd(buf, p, end) - 1;
        if (p < 0) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return p + 1;
      }
    }
    return -1;
  }
  let p = pos;
  while (p < end) {
    const d = buf[p]!;
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x09 || d === 0x0d || d === 0x0a) break;
    p++;
  }
  return p > pos ? p : -1;
}
