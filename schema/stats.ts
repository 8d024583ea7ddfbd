// Column statistics over every record a scan reads: per column path, how many records hold a value,
// a distinct-count sketch (HyperLogLog), and min/max for numbers and dates. Mergeable and plain JSON,
// so a batch's statistics travel in its result and many batches (and files) merge into a source's.
// Each column also counts its string values that match an identifying pattern (schema/identifying.ts:
// e-mail, phone, card number, IP address), the evidence of a tag suggestion.
// Pure. The scanners feed it: infer/jsonl/stats.ts from the bytes while typing, infer/csv.ts by cell, PostgreSQL
// rows through `observe`; one StatsLog holds how every kind of value counts.

import { forEachField, type FieldAt } from './visit';
import { hashString } from './hash';
import { PATTERNS, valuePatterns, type PatternName } from './identifying';
import type { Schema } from './types';

/** HyperLogLog precision: 2^12 registers, about 1.6% standard error. */
const P = 12;
const M = 1 << P;
/** Below this many set registers a sketch is kept sparse (a list), so low-cardinality columns stay small. */
const SPARSE_LIMIT = 256;
/** In memory a sketch turns dense sooner: a sparse table past this costs as much to grow and probe as it saves. */
const DENSE_AFTER = 64;
/** Slots of a new sparse sketch's table (doubled while more than half are taken). */
const FIRST_TABLE = 16;

/** A sketch as JSON: sparse `[index << 6 | rank, …]` sorted by index, or dense base64 registers. */
export type SketchJSON = { sparse: number[] } | { dense: string };

/**
 * HyperLogLog. Registers are kept sparse in memory (an open-addressing table of index and rank) while at
 * most DENSE_AFTER are set, and dense after: a grouped scan keeps a sketch per column per slice, most of
 * them for a handful of values, so a thousand slices cost kilobytes, not 4 KB each. As JSON a sketch is
 * sparse up to SPARSE_LIMIT set registers, whichever way it is held.
 */
export class DistinctSketch {
  private registers: Uint8Array | null = null;
  /** While sparse: slot = index + 1 (0: empty) in the low 16 bits, rank above. */
  private table: Int32Array | null = new Int32Array(FIRST_TABLE);
  private used = 0; // registers set

  addHash(hash: number): void {
    const index = hash >>> (32 - P);
    const rest = (hash << P) >>> 0;
    this.setMax(index, rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1);
  }

  private setMax(index: number, rank: number): void {
    const registers = this.registers;
    if (registers !== null) {
      const had = registers[index]!;
      if (rank > had) {
        if (had === 0) this.used++;
        registers[index] = rank;
      }
      return;
    }
    const table = this.table!;
    const mask = table.length - 1;
    for (let i = index & mask; ; i = (i + 1) & mask) {
      const slot = table[i]!;
      if (slot === 0) {
        table[i] = (rank << 16) | (index + 1);
        if (++this.used > DENSE_AFTER) this.densify();
        else if (this.used * 2 > table.length) this.growTable();
        return;
      }
      if ((slot & 0xffff) === index + 1) {
        if (rank > slot >>> 16) table[i] = (rank << 16) | (index + 1);
        return;
      }
    }
  }

  private growTable(): void {
    const old = this.table!;
    const table = new Int32Array(old.length * 2);
    const mask = table.length - 1;
    for (const slot of old) {
      if (slot === 0) continue;
      let i = ((slot & 0xffff) - 1) & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = slot;
    }
    this.table = table;
  }

  private densify(): void {
    const registers = new Uint8Array(M);
    for (const slot of this.table!) if (slot !== 0) registers[(slot & 0xffff) - 1] = slot >>> 16;
    this.registers = registers;
    this.table = null;
  }

  /** The set registers as [index << 6 | rank], in index order. */
  private setRegisters(): Int32Array {
    const out = new Int32Array(this.used);
    let n = 0;
    if (this.registers !== null) {
      for (let i = 0; i < M; i++) if (this.registers[i]) out[n++] = (i << 6) | this.registers[i]!;
    } else {
      for (const slot of this.table!) if (slot !== 0) out[n++] = (((slot & 0xffff) - 1) << 6) | (slot >>> 16);
      out.sort();
    }
    return out;
  }

  add(value: string): void {
    this.addHash(hashString(value));
  }

  merge(other: DistinctSketch): void {
    if (other.registers === null) {
      for (const slot of other.table!) if (slot !== 0) this.setMax((slot & 0xffff) - 1, slot >>> 16);
      return;
    }
    if (this.registers === null) this.densify();
    const mine = this.registers!;
    const theirs = other.registers;
    for (let i = 0; i < M; i++) {
      const r = theirs[i]!;
      if (r > mine[i]!) {
        if (mine[i] === 0) this.used++;
        mine[i] = r;
      }
    }
  }

  estimate(): number {
    let sum = M - this.used; // 2^-0 for each empty register
    for (const v of this.setRegisters()) sum += 2 ** -(v & 63);
    const zeros = M - this.used;
    const alpha = 0.7213 / (1 + 1.079 / M);
    const raw = (alpha * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros)); // linear counting
    return Math.round(raw);
  }

  /** Sparse while few registers are set (low-cardinality columns stay small), dense base64 after. */
  toJSON(): SketchJSON {
    if (this.used > SPARSE_LIMIT) return { dense: Buffer.from(this.registers!).toString('base64') };
    return { sparse: Array.from(this.setRegisters()) };
  }

  static fromJSON(j: SketchJSON): DistinctSketch {
    const s = new DistinctSketch();
    if ('sparse' in j) {
      for (const v of j.sparse) s.setMax(v >>> 6, v & 63);
    } else {
      s.densify();
      s.registers!.set(Buffer.from(j.dense, 'base64'));
      for (const r of s.registers!) if (r) s.used++;
    }
    return s;
  }
}

/** One column's figures as JSON. `values`: records holding a non-null value at the path. */
export interface ColumnStatsJSON {
  values: number;
  distinct: SketchJSON;
  min?: number | string;
  max?: number | string;
  /** String values matching each identifying pattern, where any did. */
  found?: Partial<Record<PatternName, number>>;
}

/** Statistics of a scan as JSON: the records scanned and each column path's figures. */
export interface StatsJSON {
  records: number;
  columns: Record<string, ColumnStatsJSON>;
}

export const EMPTY_STATS: StatsJSON = Object.freeze({ records: 0, columns: Object.freeze({}) }) as StatsJSON;

/** The figures people see for a column. */
export interface ColumnStats {
  path: string; // 'props.name'
  nullFraction: number; // records without a value there (null or missing) / records
  distinctEstimate: number;
  min?: string;
  max?: string;
  basisRecords: number;
  values: number; // records holding a value there
  found?: Partial<Record<PatternName, number>>;
}

/** Type kinds whose values are numbers: min/max compare them as numbers. */
export const NUMERIC_KINDS: ReadonlySet<string> = new Set(['int', 'bigint', 'float', 'double', 'decimal']);

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

interface Column {
  values: number;
  distinct: DistinctSketch;
  min?: number | string;
  max?: number | string;
  found?: number[]; // by PATTERNS index
}

/** A path in the tree of observed fields: its column, and its children by key as found in the data. */
class PathNode {
  /** The number of its path in a StatsLog, -1 until it has one. */
  id = -1;
  readonly children = new Map<string, PathNode>();
  constructor(readonly path: string) {}

  child(key: string): PathNode {
    let c = this.children.get(key);
    if (!c) {
      c = new PathNode(childStatsPath(this.path, key));
      this.children.set(key, c);
    }
    return c;
  }
}

/** The statistics path of key `key` under `parent` ('' at the top): keys lowercased, joined by `.`. */
function childStatsPath(parent: string, key: string): string {
  const lower = key.toLowerCase();
  return parent ? `${parent}.${lower}` : lower;
}

/** The statistics path of a JSON path (keys from a record's top). */
export function statsPathOf(keys: readonly string[]): string {
  return keys.reduce(childStatsPath, '');
}

/**
 * The column path (schema/fields.ts) of each statistics path of a schema's columns: statistics are kept
 * by the keys as found (so they merge across crawls whatever Hive names the keys get), and shown, tagged
 * and masked by column path. Arrays are values to statistics: only columns reached through structs.
 */
export function columnPathsOfStats(schema: Schema): Map<string, string> {
  const out = new Map<string, string>();
  const statsPaths = new Map<FieldAt, string>();
  forEachField(schema, (at) => {
    if (at.via !== '' || (at.parent !== null && !statsPaths.has(at.parent))) return;
    const path = childStatsPath(at.parent === null ? '' : statsPaths.get(at.parent)!, at.field.name);
    statsPaths.set(at, path);
    if (!out.has(path)) out.set(path, at.path);
  });
  return out;
}

/** Statistics without the min and max of the given statistics paths (identifying columns: values in clear). */
export function withoutValues(stats: StatsJSON, paths: ReadonlySet<string>): StatsJSON {
  if (paths.size === 0) return stats;
  const columns: Record<string, ColumnStatsJSON> = {};
  for (const [path, c] of Object.entries(stats.columns)) {
    if (paths.has(path) && c.min !== undefined) {
      const { min: _min, max: _max, ...rest } = c;
      columns[path] = rest;
    } else columns[path] = c;
  }
  return { records: stats.records, columns };
}

/** A value that may be a date or timestamp: starts yyyy-MM-dd (checked fully by DATE_LIKE only then). */
export function mayBeDate(s: string): boolean {
  const c = s.charCodeAt(4);
  return s.length >= 10 && s.length <= 35 && c === 45 /* - */ && DATE_LIKE.test(s);
}

function newColumn(): Column {
  return { values: 0, distinct: new DistinctSketch() };
}

/** A value of another kind (an array), by the hash of its JSON text. */
function addOther(c: Column, hash: number): void {
  c.values++;
  c.distinct.addHash(hash);
}

/** A number, with the hash of its spelling (what distinct counts). */
function addNumber(c: Column, value: number, hash: number): void {
  c.values++;
  c.distinct.addHash(hash);
  // a column that holds numbers compares them (a number replaces a date string seen before); -0 is 0
  if (Number.isFinite(value)) {
    if (value === 0) value = 0;
    if (c.min === undefined || typeof c.min === 'string' || value < c.min) c.min = value;
    if (c.max === undefined || typeof c.max === 'string' || value > c.max) c.max = value;
  }
}

/** Counts a string's identifying patterns (PATTERN_BIT bits). */
function addPatterns(c: Column, bits: number): void {
  const found = (c.found ??= new Array<number>(PATTERNS.length).fill(0));
  for (let i = 0; i < PATTERNS.length; i++) if (bits & (1 << i)) found[i]!++;
}

/** A string with its hash; `date` is the string when it may be a date (min/max), else undefined. */
function addString(c: Column, hash: number, date: string | undefined): void {
  c.values++;
  c.distinct.addHash(hash);
  if (date !== undefined && typeof c.min !== 'number') {
    if (c.min === undefined || date < c.min) c.min = date;
    if (c.max === undefined || date > (c.max as string)) c.max = date;
  }
}

/** Merges column `o` into `c`. */
function mergeColumn(c: Column, o: Column): void {
  c.values += o.values;
  c.distinct.merge(o.distinct);
  c.min = minOf(c.min, o.min, (p, q) => p < q);
  c.max = minOf(c.max, o.max, (p, q) => p > q);
  if (o.found) {
    const found = (c.found ??= new Array<number>(PATTERNS.length).fill(0));
    o.found.forEach((n, i) => (found[i]! += n));
  }
}

function columnJSON(c: Column): ColumnStatsJSON {
  const found: Partial<Record<PatternName, number>> = {};
  c.found?.forEach((n, i) => n > 0 && (found[PATTERNS[i]!] = n));
  return {
    values: c.values,
    distinct: c.distinct.toJSON(),
    ...(c.min !== undefined ? { min: c.min, max: c.max } : {}),
    ...(Object.keys(found).length ? { found } : {}),
  };
}

function columnOfJSON(j: ColumnStatsJSON): Column {
  return {
    values: j.values,
    distinct: DistinctSketch.fromJSON(j.distinct),
    ...(j.min !== undefined ? { min: j.min, max: j.max } : {}),
    ...(j.found ? { found: PATTERNS.map((p) => j.found![p] ?? 0) } : {}),
  };
}

/** Statistics as JSON from columns by path. */
function statsJSON(records: number, byPath: Map<string, Column>): StatsJSON {
  const columns: Record<string, ColumnStatsJSON> = {};
  for (const path of [...byPath.keys()].sort()) columns[path] = columnJSON(byPath.get(path)!);
  return { records, columns };
}

/**
 * Collects statistics value by value, for one stream of records (call `endRecord` after each record's
 * values), by column path: the CSV scanner's cells and PostgreSQL rows. See StatsLog.
 */
export class StatsAccumulator {
  private readonly log = new StatsLog();

  /** A path seen with null: known to the statistics, no value. */
  nullAt(path: string): void {
    this.log.nullAt(this.log.pathId(path));
  }

  /** A number at `path`; `text` is its spelling (what distinct counts). */
  numberAt(path: string, value: number, text: string): void {
    this.log.numberAt(this.log.pathId(path), value, hashString(text));
  }

  /** A string (or a boolean, as its text) at `path`; dates and timestamps also give min/max. */
  stringAt(path: string, value: string): void {
    this.log.stringAt(this.log.pathId(path), hashString(value), mayBeDate(value) ? value : undefined, valuePatterns(value));
  }

  /** A value of another kind (an array): counted and sketched by its JSON text. */
  otherAt(path: string, json: string): void {
    this.log.otherAt(this.log.pathId(path), hashString(json));
  }

  endRecord(): void {
    this.log.endRecord(0, 0);
  }

  /**
   * Every leaf of a parsed record (objects descend to `a.b`; arrays are values). `numeric` names paths
   * whose values are numbers even when a driver hands them over as text (PostgreSQL bigint, numeric).
   */
  observe(record: unknown, numeric?: ReadonlySet<string>): void {
    this.log.observe(record, 0, numeric);
  }

  toJSON(): StatsJSON {
    return this.log.end().stream;
  }
}

function minOf(a: number | string | undefined, b: number | string | undefined, pick: (x: number | string, y: number | string) => boolean) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a !== typeof b) return typeof a === 'number' ? a : b; // a column that holds numbers compares them
  return pick(a, b) ? a : b;
}

/** Statistics of two scans together (files of a batch, batches of a crawl). */
export function mergeStats(a: StatsJSON, b: StatsJSON): StatsJSON {
  if (a.records === 0 && Object.keys(a.columns).length === 0) return b;
  if (b.records === 0 && Object.keys(b.columns).length === 0) return a;
  const columns: Record<string, ColumnStatsJSON> = {};
  for (const path of [...new Set([...Object.keys(a.columns), ...Object.keys(b.columns)])].sort()) {
    const x = a.columns[path];
    const y = b.columns[path];
    if (!x || !y) {
      columns[path] = (x ?? y)!;
      continue;
    }
    const c = columnOfJSON(x);
    mergeColumn(c, columnOfJSON(y));
    columns[path] = columnJSON(c);
  }
  return { records: a.records + b.records, columns };
}

/** The figures of each column, in path order. */
export function columnStatsOf(stats: StatsJSON): ColumnStats[] {
  const n = stats.records;
  return Object.entries(stats.columns).map(([path, c]) => ({
    path,
    nullFraction: n ? Math.max(0, n - c.values) / n : 0,
    distinctEstimate: Math.min(DistinctSketch.fromJSON(c.distinct).estimate(), c.values),
    ...(c.min !== undefined ? { min: String(c.min), max: String(c.max) } : {}),
    basisRecords: n,
    values: c.values,
    ...(c.found ? { found: c.found } : {}),
  }));
}

/** What a logged value is (see StatsLog). */
const enum Kind {
  Null,
  Number,
  String,
  Date, // a string that may be a date: its text is in `dates` at index `num`
  Other,
}

export const TRUE_HASH = hashString('true');
export const FALSE_HASH = hashString('false');

/** Entries a slice's log holds before they are applied to its columns (four numbers each). */
const SLICE_LOG_ENTRIES = 512;

/** Values of one slice waiting to be applied: [path, kind, hash, number] per value, and date texts.
 *  A string's number is the identifying patterns it matches (PATTERN_BIT bits). */
class SliceLog {
  entries = new Float64Array(4 * 16);
  count = 0;
  dates: string[] = [];
  records = 0;
  readonly columns: (Column | undefined)[] = [];
}

/**
 * Statistics of a stream per slice (one slice, 0, when it is not grouped), fed value by value: by the
 * JSON-lines scanner straight from its bytes, or from a parsed record (`observe`). A record's values are
 * staged until it ends (`endRecord`, which names its slice) or turns out corrupt (`truncate`), then moved
 * to its slice's log, which is applied to the slice's columns when full: a grouped stream so updates a
 * slice's columns in runs, not jumping between a thousand slices' columns value by value. The stream's
 * figures are the slices' merged: every record is observed once.
 */
export class StatsLog {
  private readonly root = new PathNode('');
  private readonly paths: string[] = [];
  private readonly pathIds = new Map<string, number>();
  private readonly slices: SliceLog[] = [];
  private staged = new Float64Array(4 * 64);
  private count = 0;
  private dates: string[] = [];

  /** The number of a column path (`props.name`, keys lowercased). */
  pathId(path: string): number {
    let id = this.pathIds.get(path);
    if (id === undefined) this.pathIds.set(path, (id = this.paths.push(path) - 1));
    return id;
  }

  /** Where the record being read starts. */
  mark(): number {
    return this.count;
  }

  /** Drops what was logged since `mark` (a corrupt record, or one read again by `observe`). */
  truncate(mark: number): void {
    this.count = mark;
  }

  nullAt(path: number): void {
    this.log(path, Kind.Null, 0, 0);
  }

  numberAt(path: number, value: number, hash: number): void {
    this.log(path, Kind.Number, hash, value);
  }

  /** A string by its hash; `date` is its text when it may be a date (see mayBeDate), else undefined;
   *  `patterns` the identifying patterns it matches (valuePatterns; a date matches none). */
  stringAt(path: number, hash: number, date: string | undefined, patterns = 0): void {
    if (date !== undefined) this.log(path, Kind.Date, hash, this.dates.push(date) - 1);
    else this.log(path, Kind.String, hash, patterns);
  }

  /** An array, by the hash of its JSON text. */
  otherAt(path: number, hash: number): void {
    this.log(path, Kind.Other, hash, 0);
  }

  /** The record whose values were logged since `mark` is slice number `slice`'s. */
  endRecord(mark: number, slice: number): void {
    while (this.slices.length <= slice) this.slices.push(new SliceLog());
    const to = this.slices[slice]!;
    to.records++;
    const staged = this.staged;
    for (let e = 4 * mark; e < 4 * this.count; e += 4) {
      if (to.count === SLICE_LOG_ENTRIES) this.apply(to);
      let at = 4 * to.count++;
      if (at === to.entries.length) {
        const grown = new Float64Array(to.entries.length * 2);
        grown.set(to.entries);
        to.entries = grown;
      }
      const kind = staged[e + 1]!;
      to.entries[at++] = staged[e]!;
      to.entries[at++] = kind;
      to.entries[at++] = staged[e + 2]!;
      to.entries[at] = kind === Kind.Date ? to.dates.push(this.dates[staged[e + 3]!]!) - 1 : staged[e + 3]!;
    }
    this.count = mark;
    if (mark === 0) this.dates.length = 0;
  }

  /**
   * A parsed record of slice number `slice`: every leaf (objects descend to `a.b`; arrays are values).
   * `numeric` names paths whose values are numbers even when a driver hands them over as text.
   */
  observe(record: unknown, slice: number, numeric?: ReadonlySet<string>): void {
    const mark = this.count;
    if (record !== null && typeof record === 'object' && !Array.isArray(record)) this.visit(record as Record<string, unknown>, this.root, numeric);
    this.endRecord(mark, slice);
  }

  private visit(record: Record<string, unknown>, node: PathNode, numeric: ReadonlySet<string> | undefined): void {
    for (const k in record) {
      const v = record[k];
      const at = node.child(k);
      const path = (at.id = at.id < 0 ? this.pathId(at.path) : at.id);
      if (v === null || v === undefined) this.nullAt(path);
      else if (typeof v === 'string') {
        if (numeric?.has(at.path) && v.trim() !== '' && !Number.isNaN(Number(v))) this.numberAt(path, Number(v), hashString(v));
        else this.stringAt(path, hashString(v), mayBeDate(v) ? v : undefined, valuePatterns(v));
      } else if (typeof v === 'number') this.numberAt(path, v, hashString(String(v)));
      else if (typeof v === 'boolean') this.stringAt(path, v ? TRUE_HASH : FALSE_HASH, undefined);
      else if (typeof v === 'bigint') this.numberAt(path, Number(v), hashString(v.toString()));
      else if (v instanceof Date) {
        const text = v.toISOString();
        this.stringAt(path, hashString(text), mayBeDate(text) ? text : undefined);
      } else if (typeof v === 'object' && !Array.isArray(v)) this.visit(v as Record<string, unknown>, at, numeric);
      else this.otherAt(path, hashString(JSON.stringify(v)));
    }
  }

  private log(path: number, kind: Kind, hash: number, num: number): void {
    let e = 4 * this.count++;
    if (e === this.staged.length) {
      const grown = new Float64Array(this.staged.length * 2);
      grown.set(this.staged);
      this.staged = grown;
    }
    const staged = this.staged;
    staged[e++] = path;
    staged[e++] = kind;
    staged[e++] = hash;
    staged[e] = num;
  }

  /** Applies a slice's log to its columns, in the order the values were read. */
  private apply(slice: SliceLog): void {
    const entries = slice.entries;
    const columns = slice.columns;
    for (let e = 0; e < 4 * slice.count; e += 4) {
      const path = entries[e]! | 0;
      let c = columns[path];
      if (c === undefined) {
        while (columns.length < path) columns.push(undefined);
        columns[path] = c = newColumn();
      }
      const kind = entries[e + 1]! as Kind;
      const hash = entries[e + 2]!;
      if (kind === Kind.String) {
        addString(c, hash, undefined);
        const patterns = entries[e + 3]!;
        if (patterns !== 0) addPatterns(c, patterns);
      }
      else if (kind === Kind.Date) addString(c, hash, slice.dates[entries[e + 3]! | 0]);
      else if (kind === Kind.Number) addNumber(c, entries[e + 3]!, hash);
      else if (kind === Kind.Other) addOther(c, hash);
    }
    slice.count = 0;
    slice.dates.length = 0;
  }

  /** Each slice's statistics (by slice number) and the stream's, the slices' merged (one slice's are the stream's). */
  end(): { stream: StatsJSON; slices: StatsJSON[] } {
    const bySlice = this.slices.map((slice) => {
      this.apply(slice);
      const byPath = new Map<string, Column>();
      slice.columns.forEach((c, p) => c !== undefined && byPath.set(this.paths[p]!, c));
      return byPath;
    });
    const slices = bySlice.map((byPath, s) => statsJSON(this.slices[s]!.records, byPath));
    if (slices.length === 1) return { stream: slices[0]!, slices };
    const stream = new Map<string, Column>();
    for (const byPath of bySlice) {
      for (const [path, c] of byPath) {
        let into = stream.get(path);
        if (into === undefined) stream.set(path, (into = newColumn()));
        mergeColumn(into, c);
      }
    }
    return { stream: statsJSON(this.slices.reduce((n, s) => n + s.records, 0), stream), slices };
  }
}
