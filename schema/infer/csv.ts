// CSV inference: RFC 4180 rows (quoted fields may hold delimiters, newlines and doubled quotes), the
// delimiter and the header detected from the first rows, every row typed. An empty cell (quoted or not)
// is null. A row with a different number of fields than the header, or with broken quoting, is a
// corrupt record. Memory: the sniffed first rows and one partial row.
import { canonicalFields, field } from '../fields';
import { joinTypes } from '../lattice';
import { keepFirstSamples, MAX_CORRUPT_SAMPLES, type CorruptRecord, type InferenceResult } from '../merge';
import { fieldKey } from '../names';
import { T, type LakeType } from '../types';
import { numberTextType, temporalTextType } from './literals';
import { NUMERIC_KINDS, StatsAccumulator } from '../stats';

export const CSV_DELIMITERS = [',', '\t', '|', ';'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export interface CsvOptions {
  /** Force the delimiter instead of detecting it. */
  delimiter?: CsvDelimiter;
  /** Force whether the first row is a header instead of detecting it. */
  header?: boolean;
  /** Type ISO dates/timestamps as date/timestamp (off by default). */
  detectTemporal?: boolean;
  /** Collect column statistics over every record (`result().stats`). */
  stats?: boolean;
}

/** How a CSV file is written: what engines must be told to read it as it was inferred. */
export interface CsvDialect {
  delimiter: CsvDelimiter;
  header: boolean;
}

/** Rows looked at to detect the delimiter and the header. */
const SNIFF_ROWS = 50;
const SNIFF_BYTES = 64 * 1024;

type Cell = string | null;

interface Row {
  cells: Cell[];
  line: number;
  error?: string;
  /** An empty line: not a record. */
  blank?: boolean;
}

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
  let best: CsvDelimiter = ',';
  let bestScore = 0;
  for (const d of CSV_DELIMITERS) {
    const rows = new RowReader(d);
    const counts = rows.parseAvailable(sample, true, SNIFF_ROWS).filter((r) => !isBlank(r)).map((r) => r.cells.length);
    if (counts.length === 0) continue;
    const mode = modeOf(counts);
    if (mode < 2) continue;
    const consistency = counts.filter((c) => c === mode).length / counts.length;
    const score = consistency * 1000 + Math.min(mode, 999);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The first row is a header when all its cells are distinct, non-empty text (not numbers, booleans,
 * dates), and the rows below do not contradict it: some column below holds typed values, or none of
 * the header's values appears again in its own column.
 */
export function detectHeader(rows: Row[], detectTemporal = false): boolean {
  const [first, ...rest] = rows;
  if (!first) return false;
  const keys = new Set<string>();
  for (const cell of first.cells) {
    if (cell === null || csvCellType(cell, detectTemporal) !== T.string) return false;
    keys.add(cell);
  }
  if (keys.size !== first.cells.length) return false;
  if (rest.length === 0) return true;
  const typedBelow = first.cells.some((_, i) =>
    rest.some((r) => r.cells[i] !== undefined && r.cells[i] !== null && csvCellType(r.cells[i]!, detectTemporal) !== T.string),
  );
  if (typedBelow) return true;
  return !first.cells.some((h, i) => rest.some((r) => r.cells[i] === h));
}

/** Header cells made into distinct column names; empty ones become col<N>, repeats get _<N>. */
export function columnNames(header: Cell[] | undefined, width: number): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < width; i++) {
    const raw = header?.[i]?.trim();
    let name = raw ? raw : `col${i + 1}`;
    for (let n = 2; seen.has(fieldKey(name)); n++) name = `${raw || `col${i + 1}`}_${n}`;
    seen.add(fieldKey(name));
    names.push(name);
  }
  return names;
}

export class CsvScanner {
  private readonly decoder = new TextDecoder();
  private pending = '';
  private reader: RowReader | undefined;
  private sniffed: Row[] | undefined = [];
  private names: string[] | undefined;
  private types: LakeType[] = [];
  private changedAt: number[] = [];
  private records = 0;
  private corrupt = 0;
  private readonly samples: CorruptRecord[] = [];
  private readonly stats: StatsAccumulator | undefined;
  private found: CsvDialect | undefined;
  private paths: string[] = [];

  constructor(
    readonly file: string,
    private readonly options: CsvOptions = {},
  ) {
    this.stats = options.stats ? new StatsAccumulator() : undefined;
  }

  push(chunk: Uint8Array | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    this.drain(false);
  }

  end(): InferenceResult {
    this.pending += this.decoder.decode();
    this.drain(true);
    if (this.sniffed) this.decide();
    return this.result();
  }

  /** The delimiter and header the file was read with (detected or forced); undefined before any text. */
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

  private drain(final: boolean): void {
    if (this.sniffed) {
      // Still sniffing: parse with a provisional reader only to find where the sample ends.
      if (!final && this.pending.length < SNIFF_BYTES && countLines(this.pending) <= SNIFF_ROWS) return;
      this.decide();
    }
    const rows = this.reader!.parseAvailable(this.pending, final);
    this.pending = this.pending.slice(this.reader!.consumed);
    for (const row of rows) this.addRow(row);
  }

  /** Detect delimiter and header from what is buffered, then replay the sniffed rows. */
  private decide(): void {
    const delimiter = this.options.delimiter ?? detectDelimiter(this.pending);
    this.reader = new RowReader(delimiter);
    this.sniffed = undefined;
    const probe = new RowReader(delimiter).parseAvailable(this.pending, false, SNIFF_ROWS).filter((r) => !isBlank(r) && !r.error);
    const header = this.options.header ?? detectHeader(probe, this.options.detectTemporal);
    if (this.pending.trim() !== '') this.found = { delimiter, header };
    if (header) {
      const rows = this.reader.parseAvailable(this.pending, false, 1, true);
      this.pending = this.pending.slice(this.reader.consumed);
      const first = rows.find((r) => !isBlank(r));
      if (first) this.names = columnNames(first.cells, first.cells.length);
    }
  }

  private addRow(row: Row): void {
    if (isBlank(row)) return;
    if (!this.names) this.names = columnNames(undefined, row.cells.length);
    if (row.error !== undefined) return this.markCorrupt(row.line, row.error);
    if (row.cells.length !== this.names.length)
      return this.markCorrupt(row.line, `expected ${this.names.length} fields, found ${row.cells.length}`);
    this.records++;
    const stats = this.stats;
    if (stats && this.paths.length !== this.names.length) this.paths = this.names.map((n) => n.toLowerCase());
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

function isBlank(row: Row): boolean {
  return row.cells.length === 1 && row.cells[0] === null && row.error === undefined && row.blank === true;
}

function countLines(s: string): number {
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

/** Incremental RFC 4180 row parser; restartable at row boundaries. */
class RowReader {
  /** Characters of the last parsed text consumed by complete rows. */
  consumed = 0;
  private line = 1;

  constructor(private readonly delimiter: string) {}

  /** Parse complete rows from `text` (up to `limit`); a row cut off by the end waits for more unless `final`. */
  parseAvailable(text: string, final: boolean, limit = Infinity, advanceOnlyOnRow = false): Row[] {
    const rows: Row[] = [];
    let pos = 0;
    while (pos < text.length && rows.length < limit) {
      const row = this.parseRow(text, pos, final);
      if (!row) break;
      rows.push(row.row);
      pos = row.next;
      if (advanceOnlyOnRow && !isBlank(row.row)) break;
    }
    this.consumed = pos;
    return rows;
  }

  private parseRow(text: string, start: number, final: boolean): { row: Row; next: number } | undefined {
    const d = this.delimiter;
    const cells: Cell[] = [];
    let pos = start;
    let newlines = 0;
    let error: string | undefined;
    for (;;) {
      let cell: string;
      let terminatedAt: number; // index of the delimiter / newline / end after the cell
      if (text[pos] === '"') {
        let value = '';
        let i = pos + 1;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            if (!final) return undefined;
            error = 'unterminated quoted field';
            value += text.slice(i);
            i = text.length;
            break;
          }
          value += text.slice(i, q);
          if (text[q + 1] === '"') {
            value += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        newlines += countLines(value);
        cell = value;
        terminatedAt = i;
        if (i >= text.length && !final && error === undefined) return undefined;
        const c = text[i];
        if (c !== undefined && c !== d && c !== '\n' && !(c === '\r' && (text[i + 1] === '\n' || (i + 1 >= text.length && final)))) {
          if (c === '\r' && i + 1 >= text.length && !final) return undefined;
          error ??= 'unexpected character after closing quote';
          const nl = text.indexOf('\n', i);
          if (nl < 0 && !final) return undefined;
          terminatedAt = nl < 0 ? text.length : nl;
        } else if (c === '\r') {
          terminatedAt = i + 1;
        }
      } else {
        let i = pos;
        while (i < text.length && text[i] !== d && text[i] !== '\n') i++;
        if (i >= text.length && !final) return undefined;
        cell = text.slice(pos, i);
        if (text[i] !== d && cell.endsWith('\r')) cell = cell.slice(0, -1);
        terminatedAt = i;
      }
      cells.push(cell === '' ? null : cell);
      if (text[terminatedAt] === d) {
        pos = terminatedAt + 1;
        continue;
      }
      const line = this.line;
      this.line += newlines + (terminatedAt < text.length ? 1 : 0);
      const row: Row = { cells, line };
      if (error !== undefined) row.error = error;
      if (cells.length === 1 && cells[0] === null && text[start] !== '"') row.blank = true;
      return { row, next: Math.min(terminatedAt + 1, text.length) };
    }
  }
}

/**
 * Records of the complete rows at the head of a CSV text (for samples), with the same delimiter and header
 * decisions and names as inference; a row cut off by the end of `text` is left out.
 */
export function csvRecords(text: string, maxRows = Infinity): Record<string, string | null>[] {
  const delimiter = detectDelimiter(text.slice(0, 64 * 1024));
  const reader = new RowReader(delimiter);
  const rows = reader.parseAvailable(text, false, maxRows + 1).filter((r) => !isBlank(r) && r.error === undefined);
  if (rows.length === 0) return [];
  const header = detectHeader(rows.slice(0, 20));
  const width = Math.max(...rows.map((r) => r.cells.length));
  const names = columnNames(header ? rows[0].cells : undefined, width);
  return (header ? rows.slice(1) : rows)
    .filter((r) => r.cells.length === names.length)
    .slice(0, maxRows)
    .map((r) => Object.fromEntries(names.map((n, i) => [n, r.cells[i]])));
}
