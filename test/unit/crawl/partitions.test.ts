import { describe, expect, it } from 'vitest';
import { parsePartition, partitionDays, partitionInRange, partitionPathDays, type PartitionLayout } from '../../../crawl/partitions';
import { planBackfill } from '../../../crawl/plan';

const hourly: PartitionLayout = { kind: 'date-path', pattern: 'yyyy/MM/dd/HH' };

function planned(layout: PartitionLayout, ...relative: string[]) {
  return relative.map((r) => {
    const p = parsePartition(`src/${r}`, 'src/', layout);
    if ('reason' in p) throw new Error(p.reason);
    return { key: `src/${r}`, partition: p.path, keys: p.keys, values: p.values };
  });
}

describe('the days a partition covers', () => {
  it('reads a day from any key holding one, not only date_id', () => {
    expect(partitionDays(['date_id', 'hour'], ['2019-10-15', '20'])).toEqual({ first: '2019-10-15', last: '2019-10-15' });
    expect(partitionDays(['dt'], ['2019-10-15'])).toEqual({ first: '2019-10-15', last: '2019-10-15' });
    expect(partitionDays(['country', 'day'], ['fr', '2020-02-29'])).toEqual({ first: '2020-02-29', last: '2020-02-29' });
  });

  it('covers a whole month or year for coarser partitions', () => {
    expect(partitionDays(['month'], ['2019-02'])).toEqual({ first: '2019-02-01', last: '2019-02-28' });
    expect(partitionDays(['year'], ['2019'])).toEqual({ first: '2019-01-01', last: '2019-12-31' });
    expect(partitionDays(['year', 'month', 'day'], ['2019', '10', '5'])).toEqual({ first: '2019-10-05', last: '2019-10-05' });
    expect(partitionDays(['year', 'month'], ['2020', '02'])).toEqual({ first: '2020-02-01', last: '2020-02-29' });
  });

  it('finds no date where none is, nor in a value that is not a calendar day', () => {
    expect(partitionDays([], [])).toBeUndefined();
    expect(partitionDays(['country'], ['fr'])).toBeUndefined();
    expect(partitionDays(['dt'], ['2019-02-30'])).toBeUndefined();
  });

  it('gives the days of every date-path pattern', () => {
    expect(partitionPathDays('2019/10/15/20/', hourly)).toEqual({ first: '2019-10-15', last: '2019-10-15' });
    expect(partitionPathDays('2019/10/15/', { kind: 'date-path', pattern: 'yyyy/MM/dd' })).toEqual({ first: '2019-10-15', last: '2019-10-15' });
    expect(partitionPathDays('2019/10/', { kind: 'date-path', pattern: 'yyyy/MM' })).toEqual({ first: '2019-10-01', last: '2019-10-31' });
    expect(partitionPathDays('2019/', { kind: 'date-path', pattern: 'yyyy' })).toEqual({ first: '2019-01-01', last: '2019-12-31' });
    expect(partitionPathDays('dt=2019-10-15/', { kind: 'hive' })).toEqual({ first: '2019-10-15', last: '2019-10-15' });
  });

  it('puts a partition in a range when it covers a day of it', () => {
    expect(partitionInRange(['month'], ['2019-10'], { from: '2019-10-31', to: '2019-11-02' })).toBe(true);
    expect(partitionInRange(['month'], ['2019-10'], { from: '2019-11-01', to: '2019-11-02' })).toBe(false);
    expect(partitionInRange([], [], { from: '2019-01-01', to: '2030-01-01' })).toBe(false);
  });
});

describe('backfill planning', () => {
  const range = { from: '2019-10-15', to: '2019-10-15' };

  it('selects the objects of a yyyy/MM/dd/HH source whose day is in the range', () => {
    const objects = planned(hourly, '2019/10/14/23/a.json', '2019/10/15/00/a.json', '2019/10/15/20/b.json', '2019/10/16/00/a.json');
    const plan = planBackfill(objects, range);
    expect('error' in plan).toBe(false);
    if ('error' in plan) return;
    expect(plan.objects.map((o) => o.key)).toEqual(['src/2019/10/15/00/a.json', 'src/2019/10/15/20/b.json']);
    expect(plan.partitions).toEqual(['2019/10/15/00/', '2019/10/15/20/']);
  });

  it('selects by any date key of a Hive source, and by month for a yyyy/MM source', () => {
    const hive = planBackfill(planned({ kind: 'hive' }, 'dt=2019-10-15/a.json', 'dt=2019-10-16/a.json'), range);
    expect('error' in hive ? hive.error : hive.objects.map((o) => o.key)).toEqual(['src/dt=2019-10-15/a.json']);
    const monthly = planBackfill(planned({ kind: 'date-path', pattern: 'yyyy/MM' }, '2019/09/a.json', '2019/10/a.json'), range);
    expect('error' in monthly ? monthly.error : monthly.objects.map((o) => o.key)).toEqual(['src/2019/10/a.json']);
  });

  it('refuses, instead of reading nothing silently, a source whose partitions hold no date', () => {
    const plan = planBackfill(planned({ kind: 'hive' }, 'country=fr/a.json'), range);
    expect('error' in plan && plan.error).toMatch(/no date/);
    const flat = planBackfill(planned({ kind: 'none' }, 'a.json'), range);
    expect('error' in flat && flat.error).toMatch(/no date/);
  });

  it('reads nothing, without complaint, when the dated partitions lie outside the range', () => {
    const plan = planBackfill(planned(hourly, '2019/10/16/00/a.json'), range);
    expect('error' in plan ? plan.error : plan.objects).toEqual([]);
  });
});
