// Column statistics and sample choice over records read for profiling. Pure.
// Statistics come from the sampled records (the head of one object per partition per crawl), not from
// every record: `basisRecords` says how many records each figure rests on.

export interface ColumnStats {
  path: string; // 'props.name'
  nullFraction: number;
  distinctEstimate: number;
  min?: string;
  max?: string;
  basisRecords: number;
}

export interface SampleRow {
  partition: string;
  file: string;
  record: Record<string, unknown>;
}

/** HyperLogLog with 2^12 registers (≈1.6% standard error), on FNV-1a 32-bit hashes. Mergeable. */
export class HyperLogLog {
  static readonly P = 12;
  readonly registers: Uint8Array;

  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(1 << HyperLogLog.P);
  }

  add(value: string): void {
    let h = 0x811c9dc5;
    for (let i = 0; i < value.length; i++) {
      h ^= value.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    // mix, so short strings spread over the registers
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h >>>= 0;
    const index = h >>> (32 - HyperLogLog.P);
    const rest = (h << HyperLogLog.P) >>> 0;
    const rank = rest === 0 ? 32 - HyperLogLog.P + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]) this.registers[index] = rank;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros)); // linear counting
    return Math.round(raw);
  }
}

interface Accumulator {
  seen: number;
  nulls: number;
  hll: HyperLogLog;
  min?: number | string;
  max?: number | string;
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function visit(value: unknown, path: string, acc: Map<string, Accumulator>, present: Set<string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k.toLowerCase()}` : k.toLowerCase(), acc, present);
    return;
  }
  let a = acc.get(path);
  if (!a) acc.set(path, (a = { seen: 0, nulls: 0, hll: new HyperLogLog() }));
  present.add(path);
  if (value === null || value === undefined) {
    a.nulls++;
    return;
  }
  a.hll.add(typeof value === 'string' ? value : JSON.stringify(value));
  // min/max for numbers and dates only: ordering other strings says little
  const comparable = typeof value === 'number' ? value : typeof value === 'string' && DATE_LIKE.test(value) ? value : undefined;
  if (comparable !== undefined) {
    if (a.min === undefined || comparable < a.min) a.min = comparable;
    if (a.max === undefined || comparable > a.max) a.max = comparable;
  }
}

/** Statistics per leaf column path over `records`; a path missing from a record counts as null there. */
export function columnStats(records: readonly Record<string, unknown>[]): ColumnStats[] {
  const acc = new Map<string, Accumulator>();
  const counts = new Map<string, number>();
  for (const r of records) {
    const present = new Set<string>();
    visit(r, '', acc, present);
    for (const p of present) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const n = records.length;
  return [...acc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, a]) => ({
      path,
      nullFraction: n ? (a.nulls + (n - (counts.get(path) ?? 0))) / n : 0,
      distinctEstimate: a.hll.estimate(),
      ...(a.min !== undefined ? { min: String(a.min), max: String(a.max) } : {}),
      basisRecords: n,
    }));
}

/** Up to `max` rows spread across partitions: round-robin over partitions in order, so every
 *  partition shows before any shows twice. Deterministic for the same input. */
export function pickSamples(rows: readonly SampleRow[], max = 20): SampleRow[] {
  const byPartition = new Map<string, SampleRow[]>();
  for (const r of rows) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  const partitions = [...byPartition.keys()].sort().reverse(); // newest partitions first
  const out: SampleRow[] = [];
  for (let i = 0; out.length < max; i++) {
    let added = false;
    for (const p of partitions) {
      const row = byPartition.get(p)![i];
      if (row && out.length < max) {
        out.push(row);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

/** Masks the values of the given column paths (identifying columns) in a record, keeping its shape. */
export function maskRecord(record: Record<string, unknown>, masked: ReadonlySet<string>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const path = prefix ? `${prefix}.${k.toLowerCase()}` : k.toLowerCase();
    if (masked.has(path)) out[k] = v === null ? null : '***';
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = maskRecord(v as Record<string, unknown>, masked, path);
    else out[k] = v;
  }
  return out;
}
