import { describe, expect, it } from 'vitest';
import { flagVolumes, type VolumeRow } from '../../../crawl/volumes';

const day = (d: number) => `dt=2026-01-${String(d).padStart(2, '0')}`;
const rows = (records: number[], bytesPerRecord = 100): VolumeRow[] =>
  records.map((r, i) => ({ partition: day(i + 1), records: r, bytes: r * bytesPerRecord, objects: 1, corruptRecords: 0 }));
const kinds = (rs: VolumeRow[]) => flagVolumes(rs).map((r) => r.flags.filter((f) => f.measure === 'records').map((f) => f.kind).join(',') || '-');

describe('flagVolumes', () => {
  it('flags nothing for no partitions, one partition, or too little history', () => {
    expect(flagVolumes([])).toEqual([]);
    expect(flagVolumes(rows([5]))).toEqual([{ ...rows([5])[0], flags: [] }]);
    // the third partition has only two before it: no flag even for a hundredfold jump
    expect(kinds(rows([10, 10, 1000]))).toEqual(['-', '-', '-']);
  });

  it('flags nothing on a flat series', () => {
    expect(kinds(rows(Array(30).fill(500)))).toEqual(Array(30).fill('-'));
  });

  it('flags a drop below half and a spike above double the median of the previous partitions, with the reason in words', () => {
    const out = flagVolumes(rows([100, 110, 90, 100, 40, 100, 250, 100]));
    expect(out.map((r) => r.flags.filter((f) => f.measure === 'records').map((f) => f.kind).join() || '-')).toEqual(['-', '-', '-', '-', 'drop', '-', 'spike', '-']);
    const drop = out[4].flags.find((f) => f.measure === 'records')!;
    expect(drop).toMatchObject({ kind: 'drop', value: 40, median: 100, window: 4 });
    expect(drop.reason).toBe('drop: 40 records, below half the median 100 of the previous 4 partitions');
    const spike = out[6].flags.find((f) => f.measure === 'records')!;
    expect(spike.reason).toBe('spike: 250 records (2.5×), above double the median 100 of the previous 6 partitions');
    // bytes follow records here, so they are flagged on the same partitions
    expect(out[6].flags.map((f) => f.measure)).toEqual(['records', 'bytes']);
  });

  it('does not flag exactly half or exactly double', () => {
    expect(kinds(rows([100, 100, 100, 50, 100, 200]))).toEqual(['-', '-', '-', '-', '-', '-']);
  });

  it('compares with the previous 7 partitions only', () => {
    // ten partitions of 1000, then a long run of 10: after 4 the run is the median and stops being a drop
    const out = kinds(rows([...Array(10).fill(1000), ...Array(8).fill(10)]));
    expect(out.slice(10)).toEqual(['drop', 'drop', 'drop', 'drop', '-', '-', '-', '-']);
  });

  it('handles zeros: an empty partition is a drop, a first real partition after empty ones is a spike, empty after empty is nothing', () => {
    expect(kinds(rows([100, 100, 100, 0]))).toEqual(['-', '-', '-', 'drop']);
    expect(kinds(rows([0, 0, 0, 0, 7]))).toEqual(['-', '-', '-', '-', 'spike']);
    expect(flagVolumes(rows([0, 0, 0, 0, 7]))[4].flags[0].reason).toBe('spike: 7 records, above double the median 0 of the previous 4 partitions');
    expect(flagVolumes(rows([100, 100, 100, 0]))[3].flags[0].reason).toBe('drop: no records, below half the median 100 of the previous 3 partitions');
    expect(kinds(rows([0, 0, 0, 0, 0]))).toEqual(['-', '-', '-', '-', '-']);
  });

  it('flags bytes on their own when records stay the same', () => {
    const rs = rows([100, 100, 100, 100]);
    rs[3] = { ...rs[3], bytes: 1_000_000 };
    const flags = flagVolumes(rs)[3].flags;
    expect(flags.map((f) => `${f.measure} ${f.kind}`)).toEqual(['bytes spike']);
    expect(flags[0].reason).toBe('spike: 1,000,000 bytes (100×), above double the median 10,000 of the previous 3 partitions');
  });

  it('orders partitions oldest first whatever order they arrive in, numbers by value, and a gap is just the next partition', () => {
    const rs: VolumeRow[] = ['hour=10', 'hour=9', 'hour=1', 'hour=2', 'hour=3'].map((p, i) => ({ partition: `dt=2026-01-01/${p}`, records: [5, 100, 100, 100, 100][i], bytes: 1, objects: 1, corruptRecords: 0 }));
    const out = flagVolumes(rs);
    expect(out.map((r) => r.partition)).toEqual(['dt=2026-01-01/hour=1', 'dt=2026-01-01/hour=2', 'dt=2026-01-01/hour=3', 'dt=2026-01-01/hour=9', 'dt=2026-01-01/hour=10']);
    // hours 4-8 are missing: hour=9 compares with hours 1-3 and is not flagged for the gap
    expect(out.map((r) => r.flags.map((f) => f.kind).join() || '-')).toEqual(['-', '-', '-', '-', 'drop']);
  });

  it('keeps hostile partition names as they are', () => {
    const name = 'dt=<script>alert(1)</script>/"><img src=x onerror=alert(1)>';
    expect(flagVolumes([{ partition: name, records: 1, bytes: 1, objects: 1, corruptRecords: 0 }])[0].partition).toBe(name);
  });
});
