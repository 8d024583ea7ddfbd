// Byte helpers of the JSON-lines scanner, and the messages of the corrupt records it reports (worded as
// JSON.parse words its errors where it rejects the line too, naming the limit where only a limit does).

export const NL = 0x0a;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

// ignoreBOM: a key may start with U+FEFF, which JSON.parse keeps.
export const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The hash a struct's slot table keys a key's bytes by (tree.ts): a rotate and an xor per byte, cheap
 * enough to take while the key is read (the scanner repeats the step inline), then mixed so that the low
 * bits spread. Bytes are compared on every hit, so collisions cost time, never correctness.
 */
export function keyHash(buf: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = ((h << 7) | (h >>> 25)) ^ buf[i]!;
  return mixKeyHash(h);
}

/** The last step of keyHash. */
export function mixKeyHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

/** buf[start, end) as a string, byte per character (ASCII). */
export function asciiText(buf: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]!);
  return text;
}

/** Why a line is not a record. */
export const enum Err {
  None,
  Token,
  End,
  ControlChar,
  BadEscape,
  BadUnicodeEscape,
  Depth,
  /** A field limit; the reason is given with it (fieldLimitReason). */
  Fields,
}

/**
 * The reason for error `err` found at byte `c`, `at` bytes into its line; `maxDepth` for Err.Depth, and
 * `fieldLimit` (from fieldLimitReason) for Err.Fields.
 */
export function errorMessage(err: Err, c: number, at: number, maxDepth: number, fieldLimit: string): string {
  switch (err) {
    case Err.ControlChar:
      return c === NL ? 'Unterminated string in JSON at end of line' : `Bad control character in string literal at position ${at}`;
    case Err.BadEscape:
      return `Bad escaped character in JSON at position ${at}`;
    case Err.BadUnicodeEscape:
      return `Bad Unicode escape in JSON at position ${at}`;
    case Err.Depth:
      return `nesting deeper than ${maxDepth} levels (maxDepth) at position ${at}`;
    case Err.Fields:
      return `${fieldLimit} at position ${at}`;
    default:
      if (c === NL) return 'Unexpected end of JSON input';
      return `Unexpected token '${c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\x' + c.toString(16)}' in JSON at position ${at}`;
  }
}

/** The reason for a line holding one JSON value that is not an object (`first`: its first byte). */
export function topLevelMessage(first: number): string {
  const what = first === 0x5b ? 'an array' : first === QUOTE ? 'a string' : first === 0x74 || first === 0x66 ? 'a boolean' : first === 0x6e ? 'null' : 'a number';
  return `top-level value is ${what}, not an object`;
}

export function longLineMessage(maxRecordBytes: number): string {
  return `line longer than ${maxRecordBytes} bytes (maxRecordBytes)`;
}

/** The reason a record may not add field `spelling`: past maxFieldsPerObject (`inObject`) or maxColumns. */
export function fieldLimitReason(spelling: string, limit: number, inObject: boolean): string {
  return inObject
    ? `record adds field ${shortText(spelling)} past the limit of ${limit} fields in one object (maxFieldsPerObject)`
    : `record adds field ${shortText(spelling)} past the limit of ${limit} columns (maxColumns)`;
}

/** At most this many characters of a key go into a reason. */
const MAX_REASON_TEXT = 64;

function shortText(text: string): string {
  return JSON.stringify(text.length > MAX_REASON_TEXT ? text.slice(0, MAX_REASON_TEXT) + '…' : text);
}
