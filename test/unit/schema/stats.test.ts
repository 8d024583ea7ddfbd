import { describe, expect, it } from 'vitest';
import { columnStatsOf, DistinctSketch, EMPTY_STATS, mergeStats, StatsAccumulator, StatsLog } from '../../../schema/stats';

const statsOf = (records: object[]) => {
  const acc = new StatsAccumulator();
  for (const r of records) acc.observe(r);
  return acc.toJSON();
};

describe('column statistics over every record', () => {
  it('gives null fraction (null or missing), distinct estimate and min/max for numbers and dates', () => {
    const s = columnStatsOf(statsOf([
      { id: 3, day: '2019-10-15', name: 'a', props: { n: 1 } },
      { id: 1, day: '2019-10-14', name: null, props: { n: 2 } },
      { id: 2, day: '2019-10-16', props: {} },
      { id: 2, day: '2019-10-16', name: 'b', props: { n: null } },
    ]));
    expect(s).toEqual([
      { path: 'day', nullFraction: 0, distinctEstimate: 3, min: '2019-10-14', max: '2019-10-16', basisRecords: 4, values: 4 },
      { path: 'id', nullFraction: 0, distinctEstimate: 3, min: '1', max: '3', basisRecords: 4, values: 4 },
      { path: 'name', nullFraction: 0.5, distinctEstimate: 2, basisRecords: 4, values: 2 },
      { path: 'props.n', nullFraction: 0.5, distinctEstimate: 2, min: '1', max: '2', basisRecords: 4, values: 2 },
    ]);
  });

  it('merges scans exactly as one scan of everything', () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ k: i % 700, t: i % 3 === 0 ? null : `v${i % 50}`, x: i * 0.5 }));
    const whole = columnStatsOf(statsOf(records));
    const parts = [records.slice(0, 1000), records.slice(1000, 1001), records.slice(1001)].map(statsOf);
    expect(columnStatsOf(parts.reduce(mergeStats, EMPTY_STATS))).toEqual(whole);
    expect(columnStatsOf(mergeStats(EMPTY_STATS, parts[0]!))).toEqual(columnStatsOf(parts[0]!));
  });

  it('estimates distinct counts within a few percent, sparse while small and dense when large', () => {
    const small = new DistinctSketch();
    for (let i = 0; i < 100; i++) small.add(`v${i}`);
    expect('sparse' in small.toJSON()).toBe(true);
    expect(small.estimate()).toBe(100);
    const large = new DistinctSketch();
    for (let i = 0; i < 200_000; i++) large.add(`user-${i}`);
    expect('dense' in large.toJSON()).toBe(true);
    expect(Math.abs(large.estimate() - 200_000) / 200_000).toBeLessThan(0.05);
    expect(DistinctSketch.fromJSON(JSON.parse(JSON.stringify(large.toJSON()))).estimate()).toBe(large.estimate());
  });

  it('keeps numbers over date strings when a column holds both', () => {
    const s = columnStatsOf(statsOf([{ v: '2019-10-15' }, { v: 5 }, { v: '2019-01-01' }]));
    expect(s[0]).toMatchObject({ min: '5', max: '5' });
  });
});

describe('statistics of rows a driver gives as text', () => {
  it('reads numeric paths named by the caller as numbers', () => {
    const acc = new StatsAccumulator();
    for (const id of ['10', '9', '11']) acc.observe({ id, code: id }, new Set(['id']));
    const [code, id] = columnStatsOf(acc.toJSON());
    expect(id).toMatchObject({ path: 'id', min: '9', max: '11' });
    expect(code).toMatchObject({ path: 'code' });
    expect(code!.min).toBeUndefined();
  });
});

describe('statistics logged per slice', () => {
  it('give each slice its records\' figures, and the stream exactly those of one accumulator over every record', () => {
    const records = Array.from({ length: 6000 }, (_, i) => ({ kind: `k${i % 7}`, id: i, day: i % 5 ? `2019-10-${String(10 + (i % 20)).padStart(2, '0')}` : i, tag: i % 3 ? `t${i % 400}` : null, n: { x: i % 11 === 0 ? 'a' : i / 4 }, l: [i % 3] }));
    const log = new StatsLog();
    for (const r of records) log.observe(r, Number(r.kind.slice(1)));
    const { stream, slices } = log.end();
    expect(stream).toEqual(statsOf(records));
    expect('dense' in stream.columns.id!.distinct).toBe(true);
    expect(slices[3]).toEqual(statsOf(records.filter((r) => r.kind === 'k3')));
    expect(slices.reduce(mergeStats, EMPTY_STATS)).toEqual(stream);
  });
});

describe('distinct sketches', () => {
  it('merge sparse into dense and dense into sparse as one sketch of everything', () => {
    const all = new DistinctSketch();
    const few = new DistinctSketch();
    const many = new DistinctSketch();
    for (let i = 0; i < 50; i++) {
      few.add(`v${i}`);
      all.add(`v${i}`);
    }
    for (let i = 0; i < 5000; i++) {
      many.add(`w${i}`);
      all.add(`w${i}`);
    }
    const a = DistinctSketch.fromJSON(few.toJSON());
    a.merge(many);
    const b = DistinctSketch.fromJSON(many.toJSON());
    b.merge(few);
    expect(a.toJSON()).toEqual(all.toJSON());
    expect(b.toJSON()).toEqual(all.toJSON());
    expect(a.estimate()).toBe(all.estimate());
  });
});
