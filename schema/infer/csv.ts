// CSV inference: RFC 4180 rows (quoted fields may hold delimiters, newlines and doubled quotes), the
// delimiter and the header detected from the first rows, every row typed. An empty cell (quoted or not)
// is null. A row with a different number of fields than the header, or with broken quoting, is a
// corrupt record (file, line, reason); the other records of the file still count.
//
// Hostile input stays bounded. A record longer than `maxRecordBytes` (an unclosed quote, a file without
// line breaks, /dev/zero) is one corrupt record, its rest dropped unread. After it, and after broken
// quoting that spans lines, reading resumes at the line after the one where the record started: a stray
// quote costs its own line, not the rows it ran over. The reader keeps its state across chunks, so each
// character is read once (the later lines of such a record twice). UTF-16 text is one corrupt record
// saying so, not one per line; a UTF-8 byte order mark is dropped.
// Memory: the rows sniffed for each candidate delimiter, one record (at most maxRecordBytes), one chunk.
import { canonicalFields, field } from '../fields';
import { joinTypes } from '../lattice';
import { keepFirstSamples, MAX_CORRUPT_SAMPLES, type CorruptRecord, type InferenceResult } from '../merge';
import { fieldKey } from '../names';
import { T, type LakeType } from '../types';
import { numberTextType, temporalTextType } from './literals';
import { ENCODING_SNIFF_BYTES, foreignEncoding } from './text';
import { NUMERIC_KINDS, StatsAccumulator, statsPathOf } from '../stats';

export const CSV_DELIMITERS = [',', '\t', '|', ';'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** Default of `CsvOptions.maxRecordBytes`: far above real rows, small enough to hold a few at once. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

export interface CsvOptions {
  /** Force the delimiter instead of detecting it. */
  delimiter?: CsvDelimiter;
  /** Force whether the first row is a header instead of detecting it. */
  header?: boolean;
  /** Type ISO dates/timestamps as date/timestamp (off by default). */
  detectTemporal?: boolean;
  /** Collect column statistics over every record (`result().stats`). */
  stats?: boolean;
  /**
   * Longest record read, in UTF-8 bytes without its final line break (default 1 MiB; Infinity for no
   * limit). A longer one is a corrupt record and reading resumes at the line after the one where it started.
   */
  maxRecordBytes?: number;
}

/** How a CSV file is written: what engines must be told to read it as it was inferred. */
export interface CsvDialect {
  delimiter: CsvDelimiter;
  header: boolean;
}

/** Rows looked at to detect the delimiter and the header. */
const SNIFF_ROWS = 50;
/** Text of the rows looked at, at most (about): rows of many kilobytes decide sooner. */
const SNIFF_BYTES = 64 * 1024;
/** Rows kept while sniffing when most are blank or corrupt: the decision is not put off for ever. */
const MAX_SNIFF_ROWS_KEPT = SNIFF_ROWS * 20;

type Cell = string | null;

interface Row {
  cells: Cell[];
  line: number;
  error?: string;
  /** An empty line: not a record. */
  blank?: boolean;
}

type Emit = (row: Row) => void;

/** Type of one cell. */
export function csvCellType(cell: Cell, detectTemporal = false): LakeType {
  if (cell === null) return T.null;
  const lower = cell.length <= 5 ? cell.toLowerCase() : '';
  if (lower === 'true' || lower === 'false') return T.boolean;
  const number = numberTextType(cell);
  if (number) return number;
  if (detectTemporal) return temporalTextType(cell) ?? T.string;
  return T.string;
}

/** Delimiter whose field count is most consistent (and largest) over the sample rows; ',' when none splits. */
export function detectDelimiter(sample: string): CsvDelimiter {
  return chooseDelimiter(CSV_DELIMITERS.map((d) => ({ delimiter: d, rows: rowsOf(sample, d, true, SNIFF_ROWS) })));
}

function chooseDelimiter(candidates: readonly { delimiter: CsvDelimiter; rows: readonly Row[] }[]): CsvDelimiter {
  let best: CsvDelimiter = candidates.length === 1 ? candidates[0]!.delimiter : ',';
  let bestScore = 0;
  for (const { delimiter, rows } of candidates) {
    // A record cut short by maxRecordBytes has no cells to count.
    const counts = rows
      .filter((r) => !isBlank(r) && r.cells.length > 0)
      .slice(0, SNIFF_ROWS)
      .map((r) => r.cells.length);
    if (counts.length === 0) continue;
    const mode = modeOf(counts);
    if (mode < 2) continue;
    const consistency = counts.filter((c) => c === mode).length / counts.length;
    const score = consistency * 1000 + Math.min(mode, 999);
    if (score > bestScore) {
      best = delimiter;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The first row is a header when its cells are text (not numbers, booleans, dates) and the rows below do
 * not contradict it: some column below holds typed values, or none of the header's names appears again
 * in its own column. Empty names (pandas' unnamed index column, a trailing delimiter) and repeated names
 * are allowed, as long as at least half of the cells are named: a mostly empty row is more likely data.
 */
export function detectHeader(rows: Row[], detectTemporal = false): boolean {
  const [first, ...rest] = rows;
  if (!first) return false;
  let named = 0;
  for (const cell of first.cells) {
    if (cell === null) continue;
    if (csvCellType(cell, detectTemporal) !== T.string) return false;
    if (cell.trim() !== '') named++;
  }
  if (named === 0 || named * 2 < first.cells.length) return false;
  if (rest.length === 0) return true;
  const typedBelow = first.cells.some((_, i) =>
    rest.some((r) => r.cells[i] !== undefined && r.cells[i] !== null && csvCellType(r.cells[i]!, detectTemporal) !== T.string),
  );
  if (typedBelow) return true;
  return !first.cells.some((h, i) => h !== null && rest.some((r) => r.cells[i] === h));
}

/**
 * Header cells made into column names, distinct case-insensitively (names differing only by case are one
 * column to the schema): an empty name becomes col<position> (1-based, as for a file without header), a
 * name already taken gets _2, _3, … (the first free one), so `a,A,` gives a, A_2, col3.
 */
export function columnNames(header: Cell[] | undefined, width: number): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  // Per base name, the suffix to try first: names taken stay taken, so the smaller ones are never free
  // again, and a header of one name repeated takes linear time.
  const nextSuffix = new Map<string, number>();
  for (let i = 0; i < width; i++) {
    const raw = header?.[i]?.trim();
    const base = raw ? raw : `col${i + 1}`;
    let name = base;
    if (seen.has(fieldKey(name))) {
      let n = nextSuffix.get(fieldKey(base)) ?? 2;
      while (seen.has(fieldKey(`${base}_${n}`))) n++;
      name = `${base}_${n}`;
      nextSuffix.set(fieldKey(base), n + 1);
    }
    seen.add(fieldKey(name));
    names.push(name);
  }
  return names;
}

/**
 * Column names from a header row. A header written with a trailing delimiter over data rows without one
 * (`a,b,` above `1,2`) loses its last, empty cell, so the data rows are not all one field short.
 */
function headerNames(cells: Cell[], dataWidth: number | undefined): string[] {
  const width = dataWidth === cells.length - 1 && cells[cells.length - 1] === null ? dataWidth : cells.length;
  return columnNames(cells, width);
}

export class CsvScanner {
  private readonly decoder = new TextDecoder(); // drops a UTF-8 byte order mark
  /** The first bytes, held until the encoding is known; undefined once it is. */
  private head: Uint8Array[] | undefined = [];
  private headBytes = 0;
  private textStarted = false;
  private unreadable = false;
  /** One reader per possible delimiter while the dialect is undecided, each keeping the rows it read. */
  private candidates: Candidate[] | undefined;
  private reader: RowReader | undefined;
  private decided: CsvDialect | undefined;
  private dataWidth: number | undefined;
  private names: string[] | undefined;
  private types: LakeType[] = [];
  private changedAt: number[] = [];
  private records = 0;
  private corrupt = 0;
  private readonly samples: CorruptRecord[] = [];
  private readonly stats: StatsAccumulator | undefined;
  private found: CsvDialect | undefined;
  private paths: string[] = [];
  private readonly onRow: Emit = (row) => this.addRow(row);

  constructor(
    readonly file: string,
    private readonly options: CsvOptions = {},
  ) {
    const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (typeof max !== 'number' || !(max === Infinity || (Number.isInteger(max) && max > 0)))
      throw new Error(`CsvOptions.maxRecordBytes must be a positive integer or Infinity, got ${String(max)}`);
    this.stats = options.stats ? new StatsAccumulator() : undefined;
    this.candidates = (options.delimiter ? [options.delimiter] : CSV_DELIMITERS).map((d) => new Candidate(d, max));
  }

  push(chunk: Uint8Array | string): void {
    if (this.unreadable) return;
    if (typeof chunk === 'string') {
      this.endHead();
      this.text(chunk);
      return;
    }
    if (chunk.length === 0) return;
    if (this.head) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= ENCODING_SNIFF_BYTES) this.endHead();
      return;
    }
    this.text(this.decoder.decode(chunk, { stream: true }));
  }

  end(): InferenceResult {
    this.endHead();
    if (!this.unreadable) {
      this.text(this.decoder.decode());
      if (this.candidates) {
        for (const c of this.candidates) c.reader.end(c.keep);
        this.decide();
      } else {
        this.reader!.end(this.onRow);
      }
    }
    return this.result();
  }

  /** The delimiter and header the file was read with (detected or forced); undefined before a readable row. */
  dialect(): CsvDialect | undefined {
    return this.found;
  }

  result(): InferenceResult {
    const names = this.names ?? [];
    const fields = names.map((name, i) =>
      field(name, this.types[i] ?? T.null, i, { file: this.file, line: this.changedAt[i] ?? 1 }),
    );
    return {
      schema: { columns: canonicalFields(fields) },
      records: this.records,
      corruptRecords: this.corrupt,
      corruptSamples: keepFirstSamples([...this.samples]),
      ...(this.stats ? { stats: this.stats.toJSON() } : {}),
    };
  }

  /** Decide the encoding from the bytes held back, then read them. */
  private endHead(): void {
    const head = this.head;
    if (!head) return;
    this.head = undefined;
    if (head.length === 0) return;
    const first = new Uint8Array(Math.min(this.headBytes, ENCODING_SNIFF_BYTES));
    let at = 0;
    for (const chunk of head) {
      if (at >= first.length) break;
      const part = chunk.subarray(0, first.length - at);
      first.set(part, at);
      at += part.length;
    }
    const foreign = foreignEncoding(first);
    if (foreign !== undefined) {
      // Read as UTF-8 every line would be corrupt; one record that says why is more use.
      this.unreadable = true;
      this.markCorrupt(1, foreign);
      return;
    }
    for (const chunk of head) this.text(this.decoder.decode(chunk, { stream: true }));
  }

  private text(text: string): void {
    if (text === '') return;
    if (!this.textStarted) {
      this.textStarted = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark pushed as a string
    }
    if (this.reader) return this.reader.push(text, this.onRow);
    // Sniffing: feed the candidates piece by piece, so that however large the chunk, they keep only
    // about the rows the decision needs.
    const candidates = this.candidates!;
    for (let at = 0; at < text.length; at += SNIFF_BYTES) {
      const piece = at === 0 && text.length <= SNIFF_BYTES ? text : text.slice(at, at + SNIFF_BYTES);
      for (const c of candidates) c.reader.push(piece, c.keep);
      if (candidates.every((c) => c.enough())) {
        this.decide();
        if (at + SNIFF_BYTES < text.length) this.reader!.push(text.slice(at + SNIFF_BYTES), this.onRow);
        return;
      }
    }
  }

  /** Detect delimiter and header from the rows the candidates read, keep the chosen reader, replay its rows. */
  private decide(): void {
    const candidates = this.candidates!;
    this.candidates = undefined;
    const delimiter = chooseDelimiter(candidates);
    const chosen = candidates.find((c) => c.delimiter === delimiter)!;
    this.reader = chosen.reader;
    const probe = chosen.rows.filter((r) => !isBlank(r) && r.error === undefined).slice(0, SNIFF_ROWS);
    const header = this.options.header ?? detectHeader(probe, this.options.detectTemporal);
    this.decided = { delimiter, header };
    if (header && probe.length > 1) this.dataWidth = modeOf(probe.slice(1).map((r) => r.cells.length));
    for (const row of chosen.rows) this.addRow(row);
  }

  private addRow(row: Row): void {
    if (isBlank(row)) return;
    if (row.error !== undefined) return this.markCorrupt(row.line, row.error);
    if (!this.names) {
      this.found = this.decided;
      if (this.decided!.header) {
        this.names = headerNames(row.cells, this.dataWidth);
        return;
      }
      this.names = columnNames(undefined, row.cells.length);
    }
    if (row.cells.length !== this.names.length)
      return this.markCorrupt(row.line, `expected ${this.names.length} fields, found ${row.cells.length}`);
    this.records++;
    const stats = this.stats;
    if (stats && this.paths.length !== this.names.length) this.paths = this.names.map((n) => statsPathOf([n]));
    for (let i = 0; i < row.cells.length; i++) {
      const t = csvCellType(row.cells[i]!, this.options.detectTemporal);
      if (stats) {
        const cell = row.cells[i]!;
        if (cell === null) stats.nullAt(this.paths[i]!);
        else if (NUMERIC_KINDS.has(t.kind)) stats.numberAt(this.paths[i]!, Number(cell), cell);
        else stats.stringAt(this.paths[i]!, cell);
      }
      const old = this.types[i] ?? T.null;
      if (t === old || t === T.null) continue;
      const joined = joinTypes(old, t);
      if (joined.kind === old.kind && (joined.kind !== 'decimal' || JSON.stringify(joined) === JSON.stringify(old))) continue;
      this.types[i] = joined;
      this.changedAt[i] = row.line;
    }
    stats?.endRecord();
  }

  private markCorrupt(line: number, reason: string): void {
    this.corrupt++;
    if (this.samples.length < MAX_CORRUPT_SAMPLES) this.samples.push({ file: this.file, line, reason });
  }
}

/** A possible delimiter while sniffing: its reader and the rows read so far. */
class Candidate {
  readonly reader: RowReader;
  readonly rows: Row[] = [];
  private good = 0;
  private chars = 0;
  readonly keep: Emit = (row) => {
    this.rows.push(row);
    if (row.error === undefined && !isBlank(row)) this.good++;
    for (const cell of row.cells) this.chars += cell === null ? 1 : cell.length + 1;
  };

  constructor(
    readonly delimiter: CsvDelimiter,
    maxRecordBytes: number,
  ) {
    this.reader = new RowReader(delimiter, maxRecordBytes);
  }

  enough(): boolean {
    return this.good >= SNIFF_ROWS || this.chars >= SNIFF_BYTES || this.rows.length >= MAX_SNIFF_ROWS_KEPT;
  }
}

function isBlank(row: Row): boolean {
  return row.cells.length === 1 && row.cells[0] === null && row.error === undefined && row.blank === true;
}

function countLineBreaks(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function modeOf(xs: number[]): number {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (const x of xs) {
    const c = (counts.get(x) ?? 0) + 1;
    counts.set(x, c);
    if (c > bestCount || (c === bestCount && x > best)) {
      best = x;
      bestCount = c;
    }
  }
  return best;
}

/** Rows of `text` parsed with `delimiter`, at most `limit`; with `final`, a row cut off by the end counts. */
function rowsOf(text: string, delimiter: CsvDelimiter, final: boolean, limit: number): Row[] {
  const rows: Row[] = [];
  const reader = new RowReader(delimiter);
  const keep: Emit = (row) => rows.push(row);
  // Pushed in pieces so a long text is not parsed far past the rows wanted.
  for (let at = 0; at < text.length && rows.length < limit; at += SNIFF_BYTES) reader.push(text.slice(at, at + SNIFF_BYTES), keep);
  if (final && rows.length < limit) reader.end(keep);
  return rows.slice(0, limit);
}

/** UTF-8 size of s[from, to). */
function utf8Bytes(s: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 2 : 3; // a surrogate pair is 4
  }
  return bytes;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

// Where the reader is inside a record.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Just after a quote inside a quoted field: doubled, or the closing one. */
const QUOTE_IN_QUOTED = 3;
const AFTER_QUOTED = 4;
/** Just after a CR that follows a closing quote. */
const CR_AFTER_QUOTED = 5;
/** After broken quoting: the rest of the line belongs to the corrupt record. */
const SKIP_LINE = 6;
/** After a record over the limit, reported already: text is dropped up to the next line break. */
const DISCARD = 7;

/**
 * Incremental RFC 4180 row reader. Its state survives between pushes, so each pushed text is read once
 * and a record cut by a push boundary is continued, not parsed again; the rows are the same however the
 * text is cut. It holds the text of the current record (at most the limit) as the pieces it came in, so
 * a long record is not copied on every push. Positions count from the start of the text being read;
 * negative ones are in the held pieces.
 */
class RowReader {
  /** Text of the current record from earlier pushes, in pieces; positions -heldLength .. -1. */
  private held: string[] = [];
  private heldLength = 0;
  /** The text being read. */
  private buf = '';
  /** Set when reading must start again from a line of the held text (see resumeAt). */
  private replay: string | undefined;
  /** Position where the current record starts: -heldLength when it started in an earlier push. */
  private start = 0;
  private cellStart = 0;
  private state = FIELD_START;
  private cells: Cell[] = [];
  /** The current quoted field holds doubled quotes. */
  private escaped = false;
  /** Line breaks inside the quoted fields of the current record. */
  private breaks = 0;
  private error: string | undefined;
  /** Line where the current record starts. */
  private line = 1;
  private readonly delimiter: number;

  constructor(
    delimiter: string,
    private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Reads `text` after what was pushed before; emits the rows it completes. */
  push(text: string, emit: Emit): void {
    if (text !== '') this.read(text, false, emit);
  }

  /** Emits the row cut off by the end of the text, if any. */
  end(emit: Emit): void {
    this.read('', true, emit);
  }

  private read(text: string, final: boolean, emit: Emit): void {
    this.buf = text;
    let i = 0;
    for (;;) {
      i = this.scan(i, final, emit);
      if (this.replay === undefined) {
        // Out of text inside a record: its text so far has at least as many bytes as characters.
        if (final || this.state === DISCARD || i - this.start <= this.maxRecordBytes) break;
        i = this.tooLong(emit);
      }
      if (this.replay !== undefined) {
        this.buf = this.replay;
        this.replay = undefined;
        i = 0;
      }
    }
    const n = this.buf.length;
    if (final || this.state === DISCARD) this.dropHeld();
    else if (this.start >= 0) {
      this.held = this.start < n ? [this.buf.slice(this.start)] : [];
      this.heldLength = n - this.start;
    } else if (n > 0) {
      this.held.push(this.buf);
      this.heldLength += n;
    }
    this.start -= n;
    this.cellStart -= n;
    this.buf = '';
  }

  /** Reads the text from `i` to its end, or until reading must start again; returns where it stopped. */
  private scan(i: number, final: boolean, emit: Emit): number {
    const buf = this.buf;
    const n = buf.length;
    const d = this.delimiter;
    for (;;) {
      let end = -1; // the line break (or the end of the text) that ends the record
      switch (this.state) {
        case FIELD_START:
          if (i >= n) {
            if (!final || this.cells.length === 0) return i;
            this.cells.push(null); // after a delimiter at the very end
            end = n;
            break;
          }
          if (buf.charCodeAt(i) === QUOTE) {
            this.state = QUOTED;
            this.cellStart = i + 1;
            this.escaped = false;
            i++;
          } else {
            this.state = UNQUOTED;
            this.cellStart = i;
          }
          continue;
        case UNQUOTED: {
          let c = -1;
          while (i < n) {
            c = buf.charCodeAt(i);
            if (c === d || c === LF) break;
            i++;
          }
          if (i >= n) {
            if (!final) return i;
            this.cells.push(this.unquotedCell(n, true));
            end = n;
            break;
          }
          if (c === d) {
            this.cells.push(this.unquotedCell(i, false));
            this.state = FIELD_START;
            i++;
            continue;
          }
          this.cells.push(this.unquotedCell(i, true));
          end = i;
          break;
        }
        case QUOTED: {
          const q = buf.indexOf('"', i);
          if (q < 0) {
            i = n;
            if (!final) return i;
            const value = this.textOf(this.cellStart, n);
            this.cells.push(value === '' ? null : this.escaped ? value.replaceAll('""', '"') : value);
            this.error = 'unterminated quoted field';
            end = n;
            break;
          }
          i = q + 1;
          this.state = QUOTE_IN_QUOTED;
          continue;
        }
        case QUOTE_IN_QUOTED: {
          if (i < n && buf.charCodeAt(i) === QUOTE) {
            this.escaped = true;
            this.state = QUOTED;
            i++;
            continue;
          }
          if (i >= n && !final) return i;
          let value = this.textOf(this.cellStart, i - 1);
          this.breaks += countLineBreaks(value);
          if (this.escaped) value = value.replaceAll('""', '"');
          this.cells.push(value === '' ? null : value);
          this.state = AFTER_QUOTED;
          continue;
        }
        case AFTER_QUOTED: {
          if (i >= n) {
            if (!final) return i;
            end = n;
            break;
          }
          const c = buf.charCodeAt(i);
          if (c === d) {
            this.state = FIELD_START;
            i++;
            continue;
          }
          if (c === LF) {
            end = i;
            break;
          }
          if (c === CR) {
            this.state = CR_AFTER_QUOTED;
            i++;
            continue;
          }
          this.error = 'unexpected character after closing quote';
          this.state = SKIP_LINE;
          continue;
        }
        case CR_AFTER_QUOTED: {
          if (i >= n) {
            if (!final) return i;
            end = n;
            break;
          }
          if (buf.charCodeAt(i) === LF) {
            end = i;
            break;
          }
          this.error = 'unexpected character after closing quote';
          this.state = SKIP_LINE;
          continue;
        }
        case SKIP_LINE: {
          const nl = buf.indexOf('\n', i);
          if (nl >= 0) end = nl;
          else if (final) end = n;
          else return n;
          break;
        }
        case DISCARD: {
          const nl = buf.indexOf('\n', i);
          if (nl < 0) return n;
          i = this.startRecord(nl + 1);
          continue;
        }
      }
      i = this.finish(end, emit);
      if (this.replay !== undefined) return i;
    }
  }

  /** Ends the current record at `end` (its line break, or the end of the text); returns where reading goes on. */
  private finish(end: number, emit: Emit): number {
    if (this.longerThanLimit(end)) return this.tooLong(emit);
    const row: Row = { cells: this.cells, line: this.line };
    if (this.error !== undefined) row.error = this.error;
    else if (this.cells.length === 1 && this.cells[0] === null && this.charAt(this.start) !== QUOTE) row.blank = true;
    emit(row);
    if (this.error !== undefined) {
      // Broken quoting over several lines is most often a stray quote that ran over good rows (to the
      // next quote, or to the end of the file): read them again as rows.
      const nl = this.lineBreakInRecord();
      if (nl !== undefined && nl < end) {
        this.line++;
        return this.resumeAt(nl + 1);
      }
    }
    this.line += this.breaks + 1;
    return this.resumeAt(end + 1);
  }

  /** Reports the current record as over the limit and goes on at the line after the one where it started. */
  private tooLong(emit: Emit): number {
    emit({ cells: [], line: this.line, error: `record longer than ${this.maxRecordBytes} bytes (maxRecordBytes)` });
    this.line++;
    const nl = this.lineBreakInRecord();
    if (nl !== undefined) return this.resumeAt(nl + 1);
    // Still on its first line: drop text up to the next line break, holding none of it.
    this.startRecord(this.buf.length);
    this.state = DISCARD;
    return this.buf.length;
  }

  /** Starts the next record at position `at`; one in the held text is read again from there. */
  private resumeAt(at: number): number {
    if (at >= 0) return this.startRecord(at);
    this.replay = this.heldTail(-at) + this.buf;
    return this.startRecord(0);
  }

  private startRecord(at: number): number {
    if (at >= 0 && this.heldLength > 0) this.dropHeld();
    this.start = at;
    this.cells = [];
    this.breaks = 0;
    this.error = undefined;
    this.state = FIELD_START;
    return at;
  }

  private dropHeld(): void {
    this.held = [];
    this.heldLength = 0;
  }

  /** Is the current record, ending at `end`, longer than maxRecordBytes in UTF-8? */
  private longerThanLimit(end: number): boolean {
    const chars = end - this.start;
    // A UTF-16 code unit is 1 to 3 UTF-8 bytes: count them only when that decides.
    if (chars > this.maxRecordBytes) return true;
    if (chars * 3 <= this.maxRecordBytes) return false;
    let bytes = 0;
    if (this.start < 0) for (const piece of this.held) bytes += utf8Bytes(piece, 0, piece.length);
    bytes += utf8Bytes(this.buf, Math.max(this.start, 0), end);
    return bytes > this.maxRecordBytes;
  }

  /** The first line break of the current record read so far. */
  private lineBreakInRecord(): number | undefined {
    let at = this.start;
    if (at < 0) {
      for (const piece of this.held) {
        const k = piece.indexOf('\n');
        if (k >= 0) return at + k;
        at += piece.length;
      }
    }
    const k = this.buf.indexOf('\n', at);
    return k >= 0 ? k : undefined;
  }

  private unquotedCell(to: number, endOfLine: boolean): Cell {
    const from = this.cellStart;
    if (endOfLine && to > from && this.charAt(to - 1) === CR) to--;
    return to === from ? null : this.textOf(from, to);
  }

  /** Text between two positions. */
  private textOf(from: number, to: number): string {
    if (from >= 0) return this.buf.slice(from, to);
    const tail = this.heldTail(-from);
    return to <= 0 ? tail.slice(0, to - from) : tail + this.buf.slice(0, to);
  }

  private charAt(at: number): number {
    return at >= 0 ? this.buf.charCodeAt(at) : this.heldTail(-at).charCodeAt(0);
  }

  /** The last `length` characters of the held text, joining only the pieces they span. */
  private heldTail(length: number): string {
    const held = this.held;
    let k = held.length;
    let got = 0;
    while (got < length) got += held[--k]!.length;
    const first = held[k]!.slice(got - length);
    return k === held.length - 1 ? first : first + held.slice(k + 1).join('');
  }
}

/**
 * Records of the complete rows at the head of a CSV text (for samples), with the same delimiter and header
 * decisions and names as inference; a row cut off by the end of `text` is left out.
 */
export function csvRecords(text: string, maxRows = Infinity): Record<string, string | null>[] {
  const delimiter = detectDelimiter(text.slice(0, SNIFF_BYTES));
  const rows = rowsOf(text, delimiter, false, maxRows + 1).filter((r) => !isBlank(r) && r.error === undefined);
  if (rows.length === 0) return [];
  const header = detectHeader(rows.slice(0, 20));
  const names = header
    ? headerNames(rows[0]!.cells, rows.length > 1 ? modeOf(rows.slice(1, SNIFF_ROWS).map((r) => r.cells.length)) : undefined)
    : columnNames(undefined, Math.max(...rows.map((r) => r.cells.length)));
  return (header ? rows.slice(1) : rows)
    .filter((r) => r.cells.length === names.length)
    .slice(0, maxRows)
    .map((r) => Object.fromEntries(names.map((n, i) => [n, r.cells[i]])));
}
