// Drops and spikes in a source's volumes: each partition, oldest first, against the median of the partitions
// just before it. A median, not a mean, so one odd partition in the window does not hide or fake the next.
import { comparePartitionPaths } from './partitions';

/** A partition's volume as the catalog keeps it (records, bytes, objects, corrupt records). */
export interface VolumeRow {
  partition: string;
  records: number;
  bytes: number;
  objects: number;
  corruptRecords: number;
}

export type VolumeMeasure = 'records' | 'bytes';

export interface VolumeFlag {
  kind: 'drop' | 'spike';
  measure: VolumeMeasure;
  value: number;
  /** The median of the partitions compared with. */
  median: number;
  /** How many partitions before this one were compared with. */
  window: number;
  /** The flag in words: "drop: 12 records, below half the median 480 of the previous 7 partitions". */
  reason: string;
}

export interface FlaggedVolume extends VolumeRow {
  /** Empty when the partition looks like those before it, or when there is too little history to say. */
  flags: VolumeFlag[];
}

/** Partitions compared with. */
export const VOLUME_WINDOW = 7;
/** Fewer partitions before one than this: no flag, there is nothing to compare with yet. */
export const MIN_VOLUME_HISTORY = 3;

/** Every partition, oldest first, with its drops and spikes in records and in bytes. */
export function flagVolumes(rows: readonly VolumeRow[], window = VOLUME_WINDOW, minHistory = MIN_VOLUME_HISTORY): FlaggedVolume[] {
  const ordered = [...rows].sort((a, b) => comparePartitionPaths(a.partition, b.partition));
  return ordered.map((row, i) => {
    const before = ordered.slice(Math.max(0, i - window), i);
    if (before.length < Math.max(1, minHistory)) return { ...row, flags: [] };
    const flags: VolumeFlag[] = [];
    for (const measure of ['records', 'bytes'] as const) {
      const flag = flagOf(row[measure], median(before.map((r) => r[measure])), measure, before.length);
      if (flag) flags.push(flag);
    }
    return { ...row, flags };
  });
}

function flagOf(value: number, med: number, measure: VolumeMeasure, window: number): VolumeFlag | undefined {
  const of = `the median ${fmt(med)} of the previous ${window} partition${window === 1 ? '' : 's'}`;
  if (value < med / 2) {
    const how = value === 0 ? `no ${measure}` : `${fmt(value)} ${measure}`;
    return { kind: 'drop', measure, value, median: med, window, reason: `drop: ${how}, below half ${of}` };
  }
  // zero against zero is no spike: an empty partition after empty ones is what the source does
  if (value > med * 2 && value > 0) {
    const times = med > 0 ? ` (${fmtRatio(value / med)}×)` : '';
    return { kind: 'spike', measure, value, median: med, window, reason: `spike: ${fmt(value)} ${measure}${times}, above double ${of}` };
  }
  return undefined;
}

/** The median of `xs` (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function fmtRatio(r: number): string {
  return r >= 10 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1).replace(/\.0$/, '');
}
