// Identifying columns: which tags make a column identifying (its values are never kept in clear by the
// catalog), and how a crawl finds candidates by name and by value. Pure. The value detectors run on every
// string a scan reads (schema/stats.ts counts matches per column), so each rejects ordinary text within
// its first characters; the name rules run once per column.

/** Tags that make a column identifying: samples and statistics never keep its values in clear. */
export const IDENTIFYING_TAGS: readonly string[] = ['pii', 'identified'];

/** The tag a suggestion proposes. */
export const SUGGESTED_TAG = 'pii';

/** What an identifying value is stored and shown as. */
export const MASK = '***';

export function isIdentifying(tags: readonly string[] | null | undefined): boolean {
  return (tags ?? []).some((t) => IDENTIFYING_TAGS.includes(t));
}

/**
 * Whether the column at `path` is masked by `masked` (identifying column paths): it is one, or lies
 * inside one (a tagged struct masks every field of it).
 */
export function isMaskedColumn(masked: ReadonlySet<string>, path: string): boolean {
  if (masked.size === 0) return false;
  if (masked.has(path)) return true;
  for (let i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) {
    const parent = path.slice(0, i);
    if (masked.has(parent.endsWith('[]') ? parent.slice(0, -2) : parent)) return true;
  }
  return false;
}

// ---- values ----------------------------------------------------------------------------------------

/** The value patterns counted per column, in the order of their bits. */
export const PATTERNS = ['email', 'phone', 'card', 'ipv4', 'ipv6'] as const;
export type PatternName = (typeof PATTERNS)[number];
export const PATTERN_BIT: Readonly<Record<PatternName, number>> = { email: 1, phone: 2, card: 4, ipv4: 8, ipv6: 16 };

/** How evidence names a pattern. */
const PATTERN_LABEL: Readonly<Record<PatternName, string>> = {
  email: 'e-mail pattern',
  phone: 'phone pattern',
  card: 'card number (Luhn)',
  ipv4: 'IPv4 address',
  ipv6: 'IPv6 address',
};

// Character classes of ASCII bytes, so a scanner can tell from one pass (OR-ing the classes of a value's
// bytes) whether a value may match any pattern at all: it holds an `@`, or nothing but digits, hex
// letters and the separators of phone numbers and addresses.
export const CLASS_DIGIT = 1;
const CLASS_HEX = 2;
export const CLASS_AT = 4;
const CLASS_COLON = 8;
const CLASS_DOT = 16;
const CLASS_SEPARATOR = 32; // space - ( )
const CLASS_PLUS = 64;
export const CLASS_OTHER = 128;

/** The class of each byte (non-ASCII bytes: other). */
export const CHAR_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(CLASS_OTHER);
  for (let c = 0x30; c <= 0x39; c++) t[c] = CLASS_DIGIT;
  for (const c of 'abcdefABCDEF') t[c.charCodeAt(0)] = CLASS_HEX;
  t[0x40] = CLASS_AT;
  t[0x3a] = CLASS_COLON;
  t[0x2e] = CLASS_DOT;
  for (const c of ' -()') t[c.charCodeAt(0)] = CLASS_SEPARATOR;
  t[0x2b] = CLASS_PLUS;
  return t;
})();

/** Shortest and longest values a pattern can match (an IPv6 `::1`, an e-mail address of RFC 5321's length). */
export const MIN_PATTERN_LENGTH = 3;
export const MAX_PATTERN_LENGTH = 254;

/** Whether a value whose byte classes OR to `classes` may match any pattern (see CHAR_CLASS). */
export function mayMatchPattern(classes: number): boolean {
  return (classes & CLASS_AT) !== 0 || ((classes & CLASS_OTHER) === 0 && (classes & CLASS_DIGIT) !== 0);
}

/** An ASCII string's bytes for bytePatterns (a string that may match a pattern is ASCII). */
let scratch = new Uint8Array(MAX_PATTERN_LENGTH);

/** The patterns `s` matches, as PATTERN_BIT bits (0 for nearly every string, found within a few characters). */
export function valuePatterns(s: string): number {
  const n = s.length;
  if (n < MIN_PATTERN_LENGTH || n > MAX_PATTERN_LENGTH) return 0;
  let classes = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return 0;
    scratch[i] = c;
    const k = CHAR_CLASS[c]!;
    // ordinary text: done at its first letter past f, unless an @ follows (then all of it is read)
    if (k === CLASS_OTHER && (classes & CLASS_AT) === 0 && s.indexOf('@', i) < 0) return 0;
    classes |= k;
  }
  return bytePatterns(scratch, 0, n, classes);
}

/**
 * The patterns the ASCII bytes buf[start, end) match, as PATTERN_BIT bits. `classes`: their classes OR-ed
 * (CHAR_CLASS), which the scanner has as it hashes a value and calls this only when they say it may match
 * (mayMatchPattern). Hand-written scans, no regular expressions or strings, an e-mail address read once:
 * this runs for every such value of every record.
 */
export function bytePatterns(buf: Uint8Array, start: number, end: number, classes: number): number {
  const n = end - start;
  if (n < MIN_PATTERN_LENGTH || n > MAX_PATTERN_LENGTH) return 0;
  if (classes & CLASS_AT) return isEmail(buf, start, end) ? PATTERN_BIT.email : 0;
  if (classes & CLASS_OTHER || (classes & CLASS_DIGIT) === 0) return 0;
  let digits = 0;
  let dots = 0;
  let separators = 0; // space - ( )
  for (let i = start; i < end; i++) {
    const k = CHAR_CLASS[buf[i]!]!;
    if (k === CLASS_DIGIT) digits++;
    else if (k === CLASS_DOT) dots++;
    else if (k === CLASS_SEPARATOR) separators++;
  }
  if (classes & CLASS_COLON) return isIPv6(buf, start, end) ? PATTERN_BIT.ipv6 : 0;
  if (classes & CLASS_HEX) return 0;
  if (dots === 3 && digits + dots === n && isIPv4(buf, start, end)) return PATTERN_BIT.ipv4;
  if (startsWithDate(buf, start, end)) return 0; // 2019-10-15: eight digits and separators, not a phone number
  let bits = 0;
  if (digits >= 13 && digits <= 19 && dots === 0 && (classes & CLASS_PLUS) === 0 && isCardNumber(buf, start, end)) bits |= PATTERN_BIT.card;
  if (digits >= 7 && digits <= 15 && isPhoneNumber(buf, start, end, dots, separators)) bits |= PATTERN_BIT.phone;
  return bits;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;

/** yyyy-MM-dd at the start. */
function startsWithDate(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 10 || buf[start + 4] !== 0x2d || buf[start + 7] !== 0x2d) return false;
  for (let i = start; i < start + 10; i++) if (i !== start + 4 && i !== start + 7 && !isDigit(buf[i]!)) return false;
  return true;
}

/**
 * local@domain.tld: a local part of letters, digits and . _ % + ' -; a domain of two or more labels of
 * letters, digits and inner dashes, the last one letters only (at least two).
 */
function isEmail(buf: Uint8Array, start: number, end: number): boolean {
  let at = start;
  for (; at < end; at++) {
    const c = buf[at]!;
    if (c === 0x40) break;
    if (!(isAlpha(c) || isDigit(c) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x27 || c === 0x2d)) return false;
  }
  if (at === start || at === end) return false;
  let labels = 0;
  let labelStart = at + 1;
  let lettersOnly = true;
  for (let i = at + 1; i <= end; i++) {
    const c = i < end ? buf[i]! : 0x2e;
    if (c === 0x2e) {
      if (i === labelStart || buf[labelStart] === 0x2d || buf[i - 1] === 0x2d) return false;
      labels++;
      if (i === end) return labels >= 2 && lettersOnly && i - labelStart >= 2;
      labelStart = i + 1;
      lettersOnly = true;
    } else if (isAlpha(c)) continue;
    else if (isDigit(c) || c === 0x2d) lettersOnly = false;
    else return false;
  }
  return false;
}

/** 13-19 digits (the caller counted them), optionally grouped by spaces or dashes, passing Luhn. */
function isCardNumber(buf: Uint8Array, start: number, end: number): boolean {
  if (!isDigit(buf[start]!) || !isDigit(buf[end - 1]!)) return false;
  let sum = 0;
  let double = false;
  for (let i = end - 1; i >= start; i--) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0x2d) continue;
    if (!isDigit(c)) return false;
    let d = c - 0x30;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Luhn's checksum over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * E.164-ish: 7-15 digits (the caller counted them), a `+` only in front, separated by spaces, dashes,
 * dots or parentheses, ending on a digit. Bare digits count only after a `+` (`+821012345678`): without
 * one they are as likely an id. Dots alone must split at least three groups (`555.123.4567`), or a
 * decimal would pass.
 */
function isPhoneNumber(buf: Uint8Array, start: number, end: number, dots: number, separators: number): boolean {
  const first = buf[start]!;
  if (!(first === 0x2b || first === 0x28 || isDigit(first)) || !isDigit(buf[end - 1]!)) return false;
  for (let i = start + 1; i < end; i++) if (buf[i] === 0x2b) return false;
  return first === 0x2b || separators > 0 || dots >= 2;
}

/** Four decimal octets 0-255 without leading zeros, in buf[start, end). */
function isIPv4(buf: Uint8Array, start: number, end: number): boolean {
  let parts = 0;
  let value = 0;
  let len = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? buf[i]! : 0x2e;
    if (c === 0x2e) {
      if (len === 0 || value > 255 || (len > 1 && buf[i - len] === 0x30)) return false;
      parts++;
      value = len = 0;
    } else if (isDigit(c) && len < 3) {
      value = value * 10 + c - 0x30;
      len++;
    } else return false;
  }
  return parts === 4;
}

/**
 * Eight groups of 1-4 hex digits split by colons, one `::` standing for one or more groups of zeros, and
 * an IPv4 address in place of the last two (`::ffff:10.0.0.1`), in buf[start, end).
 */
function isIPv6(buf: Uint8Array, start: number, end: number): boolean {
  let groups = 0;
  let len = 0; // hex digits of the current group
  let compressed = false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x3a) {
      if (i + 1 < end && buf[i + 1] === 0x3a) {
        if (compressed) return false;
        compressed = true;
        if (len > 0) groups++;
        len = 0;
        i++;
        if (i + 1 < end && buf[i + 1] === 0x3a) return false;
        continue;
      }
      if (len === 0) return false; // a lone colon after nothing
      groups++;
      len = 0;
    } else if (c === 0x2e) {
      // the last part is an IPv4 address: it starts after the last colon
      let from = i;
      while (from > start && buf[from - 1] !== 0x3a) from--;
      if (from === start || !isIPv4(buf, from, end)) return false;
      groups += 2;
      return compressed ? groups < 8 : groups === 8;
    } else if (CHAR_CLASS[c] === CLASS_DIGIT || CHAR_CLASS[c] === CLASS_HEX) {
      if (++len > 4) return false;
    } else return false;
  }
  if (len > 0) groups++;
  else if (!compressed || (end - start >= 2 && (buf[end - 1] !== 0x3a || buf[end - 2] !== 0x3a))) return false; // ends on a lone colon
  return compressed ? groups < 8 : groups === 8;
}

// ---- names -----------------------------------------------------------------------------------------

/** Name rules: the rule's name, and word sequences any of which found in a column's name matches it. */
const NAME_RULES: readonly { rule: string; words: readonly (readonly string[])[]; whole?: readonly (readonly string[])[] }[] = [
  { rule: 'email', words: [['email'], ['e', 'mail'], ['emailaddress'], ['mail', 'address']], whole: [['mail']] },
  { rule: 'phone', words: [['phone'], ['phonenumber'], ['telephone'], ['tel'], ['mobile'], ['msisdn'], ['cellphone'], ['cell', 'phone']] },
  {
    rule: 'name',
    words: [['first', 'name'], ['firstname'], ['last', 'name'], ['lastname'], ['full', 'name'], ['fullname'], ['given', 'name'], ['family', 'name'], ['middle', 'name'], ['surname']],
    whole: [['name']],
  },
  { rule: 'ssn', words: [['ssn'], ['social', 'security']] },
  { rule: 'passport', words: [['passport']] },
  { rule: 'ip', words: [['ip'], ['ipaddress'], ['ipaddr'], ['ipv4'], ['ipv6'], ['remote', 'addr']] },
  { rule: 'device id', words: [['device', 'id'], ['deviceid'], ['idfa'], ['idfv'], ['gaid'], ['adid'], ['android', 'id'], ['imei'], ['udid']] },
  { rule: 'address', words: [['address'], ['street'], ['postal', 'code'], ['postcode'], ['zip', 'code'], ['zipcode']] },
  { rule: 'birth date', words: [['birth', 'date'], ['birthdate'], ['date', 'of', 'birth'], ['dob'], ['birthday'], ['birth', 'day']] },
];

/** The words of a name: split at anything but letters and digits, and where camelCase turns (`E-Mail`, `firstName` → e mail, first name). */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function holds(words: readonly string[], seq: readonly string[]): boolean {
  outer: for (let i = 0; i + seq.length <= words.length; i++) {
    for (let j = 0; j < seq.length; j++) if (words[i + j] !== seq[j]) continue outer;
    return true;
  }
  return false;
}

/** The name rule a column's name (its last key, as found in the data) matches, or undefined. */
export function identifyingName(name: string): string | undefined {
  const words = nameWords(name);
  for (const r of NAME_RULES) {
    if (r.words.some((seq) => holds(words, seq))) return r.rule;
    if (r.whole?.some((seq) => seq.length === words.length && holds(words, seq))) return r.rule;
  }
  return undefined;
}

// ---- suggestions -----------------------------------------------------------------------------------

/** Share of a column's values that must match a pattern for it to be suggested. */
export const PATTERN_SHARE = 0.5;

/** What a column offers to the suggestion: its path and name, and the values its statistics counted. */
export interface SuggestionInput {
  path: string;
  name: string;
  values?: number;
  found?: Partial<Record<PatternName, number>>;
}

export interface TagSuggestion {
  path: string;
  tag: string;
  /** Why, as people read it: "name matches 'email'", "e-mail pattern in 98% of 1,204 values". */
  evidence: string[];
}

const count = (n: number) => n.toLocaleString('en-US');

/** The identifying tag suggested for each column that looks identifying by name or by its values. */
export function suggestTags(columns: readonly SuggestionInput[]): TagSuggestion[] {
  const out: TagSuggestion[] = [];
  for (const c of columns) {
    const evidence: string[] = [];
    const rule = identifyingName(c.name);
    if (rule !== undefined) evidence.push(`name matches '${rule}'`);
    const values = c.values ?? 0;
    for (const p of PATTERNS) {
      const n = c.found?.[p] ?? 0;
      if (n > 0 && values > 0 && n / values >= PATTERN_SHARE) evidence.push(`${PATTERN_LABEL[p]} in ${Math.floor((100 * n) / values)}% of ${count(values)} values`);
    }
    if (evidence.length) out.push({ path: c.path, tag: SUGGESTED_TAG, evidence });
  }
  return out;
}
