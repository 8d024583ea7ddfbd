// Records that repeat their partition keys: `{"date_id":"2019-10-15","hour":20,…}` under
// `date_id=2019-10-15/hour=20/` is what Spark and Kafka Connect writers produce. The table publishes the
// key once, as the partition column, so engines read the path's value; a record whose own value differs
// is counted here (and shown), never silently replaced.
//
// The JSON lines scanner hands over each record it accepts, once a record holding one of the keys (up to
// case) at its top level has been seen: records of a source that never repeats its keys (most) cost
// nothing here. The record's top level is then walked for each key's value (a key nested deeper is not
// the partition key). The value agrees when it is the path's text, or a number equal to the path's number.
// A null or a missing key claims nothing. A corrupt line is quarantined by the scanner and claims nothing:
// engines do not read it either.
import { fieldKey } from '../names';

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
const utf8 = new TextDecoder();

/** Counts the records whose own partition key values differ from their path's. */
export class PartitionKeyWatch {
  /** The keys as the scanner's tree files them (up to case): a record can hold one only once one is there. */
  private readonly fieldKeys: readonly string[];
  /** Whether an accepted record held one of the keys at its top level yet. */
  private held = false;
  private mismatches = 0;
  private first: PartitionKeyMismatch | undefined;

  constructor(
    private readonly keys: readonly string[],
    private readonly values: readonly string[],
  ) {
    this.fieldKeys = keys.map(fieldKey);
  }

  /**
   * The record on buf[start, end), accepted by the scanner, on line `line`; `top` is the tree's top-level
   * fields by key, this record's included. Until one of the keys is there, no record held one.
   */
  record(top: ReadonlyMap<string, unknown>, buf: Uint8Array, start: number, end: number, line: number): void {
    if (!this.held) {
      for (const key of this.fieldKeys) if (top.has(key)) this.held = true;
      if (!this.held) return;
    }
    this.check(buf, start, end, line);
  }

  /** The record on buf[start, end), on line `line`. */
  check(buf: Uint8Array, start: number, end: number, line: number): void {
    for (let k = 0; k < this.keys.length; k++) {
      const token = topLevelValue(buf, start, end, this.keys[k]!);
      if (token === undefined || agrees(token, this.values[k]!)) continue;
      this.mismatches++;
      this.first ??= { line, key: this.keys[k]!, value: token.length > 200 ? `${token.slice(0, 199)}…` : token, path: this.values[k]! };
      return; // a record counts once, however many of its keys differ
    }
  }

  result(): PartitionKeyCheck {
    return this.first ? { mismatches: this.mismatches, first: this.first } : { mismatches: this.mismatches };
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
