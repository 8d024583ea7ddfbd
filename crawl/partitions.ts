// Partitions, in one place: how an object's path maps to partition keys and values (Hive `k=v` directories
// or date paths such as yyyy/MM/dd/HH), how partitions are ordered, which days a partition covers (what a
// backfill's date range selects and `lake volumes --days` counts), and how the metastore names them. Pure.
import { HIVE_NAME } from '../schema/names';

export type PartitionLayout = { kind: 'hive' } | { kind: 'date-path'; pattern: string /* e.g. 'yyyy/MM/dd/HH' */ } | { kind: 'none' };

/** Where an object sits in its source's partitions. `path` is relative to the source prefix and ends with
 * '/' ('date_id=2019-10-15/hour=20/', '2019/10/15/20/'), or is '' for an unpartitioned object. */
export interface PartitionOf {
  keys: string[];
  values: string[];
  path: string;
}

/** Why an object does not fit the source's layout (the caller adds the file). */
export interface PartitionProblem {
  reason: string;
}

/** The tokens of a date-path pattern, in the only order they may appear: yyyy[/MM[/dd[/HH]]]. */
const DATE_TOKENS = ['yyyy', 'MM', 'dd', 'HH'] as const;
type DateToken = (typeof DATE_TOKENS)[number];
const DATE_TOKEN_SYNTAX: Record<DateToken, RegExp> = {
  yyyy: /^\d{4}$/,
  MM: /^(0[1-9]|1[0-2])$/,
  dd: /^(0[1-9]|[12]\d|3[01])$/,
  HH: /^([01]\d|2[0-3])$/,
};

/** Why a date-path pattern is not usable, or undefined when it is. */
export function datePatternProblem(pattern: string): string | undefined {
  const tokens = pattern.replace(/\/+$/, '').split('/');
  const ok = tokens.length >= 1 && tokens.length <= DATE_TOKENS.length && tokens.every((t, i) => t === DATE_TOKENS[i]);
  return ok ? undefined : `date-path pattern "${pattern}" must be yyyy[/MM[/dd[/HH]]]`;
}

/**
 * The partition columns a date path maps to, so date-path and Hive sources publish alike:
 *   yyyy            → year=yyyy
 *   yyyy/MM         → month=yyyy-MM
 *   yyyy/MM/dd      → date_id=yyyy-MM-dd
 *   yyyy/MM/dd/HH   → date_id=yyyy-MM-dd, hour=HH
 */
function datePartitionColumns(parts: string[]): { keys: string[]; values: string[] } {
  const [y, m, d, h] = parts;
  switch (parts.length) {
    case 1:
      return { keys: ['year'], values: [y!] };
    case 2:
      return { keys: ['month'], values: [`${y}-${m}`] };
    case 3:
      return { keys: ['date_id'], values: [`${y}-${m}-${d}`] };
    default:
      return { keys: ['date_id', 'hour'], values: [`${y}-${m}-${d}`, h!] };
  }
}


function hiveDirectories(dirs: string[]): { keys: string[]; values: string[] } | PartitionProblem {
  const keys: string[] = [];
  const values: string[] = [];
  for (const dir of dirs) {
    const eq = dir.indexOf('=');
    if (eq < 0) return { reason: `directory "${dir}" is not a Hive partition (key=value)` };
    const key = dir.slice(0, eq).toLowerCase();
    const value = dir.slice(eq + 1);
    if (!HIVE_NAME.test(key)) return { reason: `partition key "${dir.slice(0, eq)}" is not a Hive column name (a-z 0-9 _)` };
    if (value === '') return { reason: `partition "${dir}" has an empty value (Hive writes __HIVE_DEFAULT_PARTITION__ for null)` };
    if (keys.includes(key)) return { reason: `partition key "${key}" appears twice in one path` };
    keys.push(key);
    values.push(unescapePartitionValue(value));
  }
  return { keys, values };
}

function dateDirectories(dirs: string[], pattern: string): { keys: string[]; values: string[] } | PartitionProblem {
  const problem = datePatternProblem(pattern);
  if (problem) return { reason: problem };
  const tokens = pattern.replace(/\/+$/, '').split('/') as DateToken[];
  if (dirs.length !== tokens.length) {
    return { reason: `is ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'} deep; the date-path pattern ${pattern} needs ${tokens.length}` };
  }
  for (let i = 0; i < tokens.length; i++) {
    if (!DATE_TOKEN_SYNTAX[tokens[i]!].test(dirs[i]!)) return { reason: `directory "${dirs[i]}" is not ${tokens[i]} of the date-path pattern ${pattern}` };
  }
  if (tokens.length >= 3) {
    const [y, m, d] = dirs.map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCMonth() !== m - 1) return { reason: `${dirs.slice(0, 3).join('/')} is not a calendar date` };
  }
  return datePartitionColumns(dirs);
}

/** The partition directories of `dirs` (directory names, no slashes) under a layout. */
export function partitionOfDirectories(dirs: string[], layout: PartitionLayout): { keys: string[]; values: string[] } | PartitionProblem {
  switch (layout.kind) {
    case 'none':
      return { keys: [], values: [] };
    case 'hive':
      return hiveDirectories(dirs);
    case 'date-path':
      return dateDirectories(dirs, layout.pattern);
  }
}

/**
 * The partition of an object key. Hive: every directory between the prefix and the file name must be
 * `k=v` (keys lowercased, values %XX-unescaped); no directory at all is an unpartitioned object.
 * Date-path: exactly the pattern's directories (see `datePartitionColumns` for the keys). None: no
 * partitions, whatever the directories.
 */
export function parsePartition(key: string, sourcePrefix: string, layout: PartitionLayout): PartitionOf | PartitionProblem {
  if (!key.startsWith(sourcePrefix)) return { reason: `is not under the source prefix "${sourcePrefix}"` };
  const segments = key.slice(sourcePrefix.length).split('/');
  const file = segments.pop()!;
  if (file === '') return { reason: 'is a directory marker, not a file' };
  if (layout.kind === 'none') return { keys: [], values: [], path: '' };
  if (segments.some((s) => s === '')) return { reason: 'has an empty directory name (//) in its path' };
  const parsed = partitionOfDirectories(segments, layout);
  if ('reason' in parsed) return parsed;
  return { ...parsed, path: segments.length ? `${segments.join('/')}/` : '' };
}

/** The partition keys shared by all objects of a source; one table has one list of partition columns. */
export function partitionKeysOf(objects: readonly { key: string; keys: readonly string[] }[]): { keys: string[] } | { error: string; key: string } {
  const first = objects[0];
  if (!first) return { keys: [] };
  const expected = first.keys.join('/');
  const odd = objects.find((o) => o.keys.join('/') !== expected);
  if (odd) {
    const show = (keys: readonly string[]) => (keys.length ? `[${keys.join(', ')}]` : 'no partition keys');
    return {
      key: odd.key,
      error: `inconsistent partition keys: ${odd.key} has ${show(odd.keys)} but ${first.key} has ${show(first.keys)}`,
    };
  }
  return { keys: [...first.keys] };
}

/** Orders partition paths oldest first: segment by segment, numbers by value (hour=9 before hour=10). */
export function comparePartitionPaths(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i] ?? '';
    const y = sb[i] ?? '';
    if (x === y) continue;
    const vx = x.slice(x.indexOf('=') + 1);
    const vy = y.slice(y.indexOf('=') + 1);
    if (/^\d+$/.test(vx) && /^\d+$/.test(vy) && x.slice(0, x.indexOf('=') + 1) === y.slice(0, y.indexOf('=') + 1)) {
      const d = Number(vx) - Number(vy);
      if (d !== 0) return d;
    }
    return x < y ? -1 : 1;
  }
  return 0;
}

// ---- metastore names -------------------------------------------------------------------------------

// Hive escapes these characters in partition path names (FileUtils.escapePathName).
const ESCAPED = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '\u007F', '{', '[', ']', '^']);

export function escapePartitionValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || ESCAPED.has(ch) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

/** Hive writes special characters of partition values as %XX in paths; values are kept unescaped. */
export function unescapePartitionValue(value: string): string {
  return value.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** `date_id=2019-10-15/hour=20`, as the metastore names partitions. */
export function partitionName(keys: string[], values: string[]): string {
  return keys.map((k, i) => `${escapePartitionValue(k.toLowerCase())}=${escapePartitionValue(values[i])}`).join('/');
}

export function partitionValuesFromName(name: string): string[] {
  return name.split('/').map((part) => unescapePartitionValue(part.slice(part.indexOf('=') + 1)));
}

// ---- dates -----------------------------------------------------------------------------------------

/** The days a partition covers, first and last inclusive, as yyyy-MM-dd. */
export interface PartitionDays {
  first: string;
  last: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const YEAR = /^\d{4}$/;
const pad = (n: number) => String(n).padStart(2, '0');
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

function isCalendarDay(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function monthDays(y: number, m: number): PartitionDays {
  return { first: `${y}-${pad(m)}-01`, last: `${y}-${pad(m)}-${pad(daysInMonth(y, m))}` };
}

/**
 * The days a partition covers, from its keys and values, whatever the layout named them: a value that is
 * a calendar day (date_id=2019-10-15, dt=…, a yyyy/MM/dd[/HH] path), else a month (month=2019-10, a yyyy/MM
 * path), else year[/month[/day]] keys (year=2019/month=10/day=15, a yyyy path). Undefined when no key
 * says: such a partition holds no date.
 */
export function partitionDays(keys: readonly string[], values: readonly string[]): PartitionDays | undefined {
  for (const v of values) {
    const d = DAY.exec(v);
    if (d && isCalendarDay(Number(d[1]), Number(d[2]), Number(d[3]))) return { first: v, last: v };
  }
  for (const v of values) {
    const m = MONTH.exec(v);
    if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return monthDays(Number(m[1]), Number(m[2]));
  }
  const at = (k: string) => values[keys.indexOf(k)];
  const year = at('year');
  if (year === undefined || !YEAR.test(year)) return undefined;
  const y = Number(year);
  const month = at('month');
  if (month === undefined || !/^\d{1,2}$/.test(month) || Number(month) < 1 || Number(month) > 12) return { first: `${y}-01-01`, last: `${y}-12-31` };
  const m = Number(month);
  const day = at('day');
  if (day !== undefined && /^\d{1,2}$/.test(day) && isCalendarDay(y, m, Number(day))) return { first: `${y}-${pad(m)}-${pad(Number(day))}`, last: `${y}-${pad(m)}-${pad(Number(day))}` };
  return monthDays(y, m);
}

/** Whether a partition covers some day of `range` (yyyy-MM-dd, inclusive); a partition with no date does not. */
export function partitionInRange(keys: readonly string[], values: readonly string[], range: { from: string; to: string }): boolean {
  const days = partitionDays(keys, values);
  return days !== undefined && days.first <= range.to && days.last >= range.from;
}

/** The days of a partition path (relative to its source's prefix) under a layout, or undefined. */
export function partitionPathDays(path: string, layout: PartitionLayout): PartitionDays | undefined {
  const dirs = path.split('/').filter(Boolean);
  if (dirs.length === 0) return undefined;
  const parsed = partitionOfDirectories(dirs, layout);
  return 'reason' in parsed ? undefined : partitionDays(parsed.keys, parsed.values);
}
