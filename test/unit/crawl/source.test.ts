import { describe, expect, it } from 'vitest';
import { defaultTableName, discriminatorPaths, normalisePrefix, scheduleProblem, validateSourceDefinition, whereIs, type SourceDefinition } from '../../../crawl/source';
import { scheduleSpecOf } from '../../../client/schedules';
import { backfillRangeProblem } from '../../../crawl/backfill-range';

const s3: SourceDefinition = {
  name: 'activity-log',
  kind: 's3',
  location: { bucket: 'lake-demo', prefix: 'demo/activity_log/' },
  format: 'auto',
  layout: { kind: 'hive' },
  schedule: 'hourly',
  targetDatabase: 'demo',
  targetTable: 'activity_log',
  options: {},
  enabled: true,
};

describe('source definitions', () => {
  it('accepts a well-formed S3 source', () => {
    expect(validateSourceDefinition(s3)).toEqual([]);
  });

  it('names every bad field with its reason', () => {
    const problems = validateSourceDefinition({
      ...s3,
      name: 'Bad Name',
      schedule: 'every now and then',
      targetTable: 'Activity-Log',
      location: { bucket: 'X', prefix: '' },
      layout: { kind: 'date-path', pattern: 'dd/MM/yyyy' },
      options: { lookbackPartitions: -1 },
    } as SourceDefinition);
    expect(problems.map((p) => p.field).sort()).toEqual(['layout.pattern', 'location.bucket', 'name', 'options.lookbackPartitions', 'schedule', 'targetTable']);
  });

  it('takes a column limit from 1 to a million', () => {
    expect(validateSourceDefinition({ ...s3, options: { maxColumns: 500 } })).toEqual([]);
    for (const bad of [0, 1.5, 2_000_000]) expect(validateSourceDefinition({ ...s3, options: { maxColumns: bad } }).map((p) => p.field)).toEqual(['options.maxColumns']);
  });

  it('accepts hourly, nightly and five-field cron schedules only', () => {
    expect(scheduleProblem('hourly')).toBeUndefined();
    expect(scheduleProblem('nightly')).toBeUndefined();
    expect(scheduleProblem('*/15 * * * MON-FRI')).toBeUndefined();
    expect(scheduleProblem('* * *')).toMatch(/five fields/);
    expect(scheduleProblem('61x * * * *')).toMatch(/cron field "61x"/);
  });

  it('refuses SQL identifiers that are not plain names for a table source', () => {
    const problems = validateSourceDefinition({
      ...s3,
      kind: 'postgres',
      location: { secretRef: 'crm', schema: 'public', table: 'users; drop table x', cursorColumn: 'id' },
    } as SourceDefinition);
    expect(problems).toEqual([{ field: 'location.table', reason: '"users; drop table x" is not a plain SQL identifier' }]);
  });

  it('derives Hive table names and normalises prefixes', () => {
    expect(defaultTableName('activity-log')).toBe('activity_log');
    expect(defaultTableName('2019-events')).toBe('t_2019_events');
    expect(normalisePrefix('/demo/x')).toBe('demo/x/');
    expect(normalisePrefix('')).toBe('');
  });
});

describe('schedules', () => {
  it('maps hourly and nightly to fixed cron times and passes cron through', () => {
    expect(scheduleSpecOf('hourly')).toEqual({ cronExpressions: ['5 * * * *'] });
    expect(scheduleSpecOf('nightly')).toEqual({ cronExpressions: ['0 2 * * *'] });
    expect(scheduleSpecOf('30 1 * * *')).toEqual({ cronExpressions: ['30 1 * * *'] });
  });
});

describe('backfill ranges', () => {
  it('takes two dates in order and explains anything else', () => {
    expect(backfillRangeProblem('2019-10-01', '2019-10-15')).toBeUndefined();
    expect(backfillRangeProblem('2019-10-15', '2019-10-15')).toBeUndefined();
    expect(backfillRangeProblem('2019-10-16', '2019-10-15')).toMatch(/is after/);
    expect(backfillRangeProblem('15.10.2019', '2019-10-15')).toMatch(/"from" must be a date yyyy-MM-dd/);
    expect(backfillRangeProblem('2019-10-01', undefined)).toMatch(/"to" must be a date/);
    // a topic's offsets and timestamps, each range of one kind
    expect(backfillRangeProblem('1000', '25000')).toBeUndefined();
    expect(backfillRangeProblem('9', '10')).toBeUndefined(); // as numbers, not text
    expect(backfillRangeProblem('25000', '1000')).toMatch(/is after/);
    expect(backfillRangeProblem('2026-12-05T10:00:00Z', '2026-12-05T11:30:00Z')).toBeUndefined();
    expect(backfillRangeProblem('2026-12-05', '25000')).toMatch(/of one kind/);
    expect(backfillRangeProblem('-5', '10')).toMatch(/"from" must be/);
  });
});

describe('streams split into logical sources', () => {
  const stream: SourceDefinition = { ...s3, options: { discriminators: ['source', 'service', 'props.kind'], flatten: ['props'], slicePattern: '{stream}-{2}-{1}-{3}' } };

  it('accepts discriminators (dotted for nested fields), flattened objects and a naming pattern', () => {
    expect(validateSourceDefinition(stream)).toEqual([]);
    expect(discriminatorPaths(stream.options)).toEqual(['source', 'service', ['props', 'kind']]);
  });

  it('names each bad stream option with its reason', () => {
    const fields = (options: object, extra: Partial<SourceDefinition> = {}) =>
      validateSourceDefinition({ ...s3, ...extra, options } as SourceDefinition).map((p) => `${p.field}: ${p.reason}`);
    expect(fields({ discriminators: [] })).toEqual(['options.discriminators: must list 1 to 8 fields']);
    expect(fields({ discriminators: ['a', 'a'] })).toEqual(['options.discriminators: names a field twice']);
    expect(fields({ discriminators: ['a..b'] })[0]).toContain('"a..b" is not a field name or dotted path');
    expect(fields({ discriminators: ['a', 'b'], slicePattern: '{stream}-{1}' })[0]).toContain('options.slicePattern: "{stream}-{1}" leaves out discriminator 2');
    expect(fields({ flatten: ['props'] })).toEqual(['options.flatten: only means something with options.discriminators']);
    expect(fields({ discriminators: ['a'] }, { format: 'parquet' } as never)[0]).toContain('a parquet source is not a stream of mixed records');
  });

  it('says where a logical source is in words', () => {
    expect(whereIs({ ...s3, kind: 'logical', location: { stream: 'wallog', values: ['identified', 'kakaomv'] } } as SourceDefinition)).toBe('records of wallog with identified, kakaomv');
    expect(whereIs({ ...s3, kind: 'logical', location: { stream: 'wallog', values: null } } as SourceDefinition)).toBe('records of wallog missing a discriminator');
    expect(whereIs(stream)).toContain('split by source, service, props.kind');
  });
});
