import { describe, expect, it } from 'vitest';
import { escapePartitionValue, partitionName, partitionValuesFromName } from '../../../crawl/partitions';
import {
  orderColumns,
  planPartitions,
  planTable,
  schemaVersionOf,
  storageFor,
  tableParameters,
  trimComment,
  viewParameters,
  type PublishedTable,
  type TableSpec,
} from '../../../adapters/metastore/table-spec';

const params = tableParameters({
  format: 'jsonl',
  source: 'events',
  schemaVersion: 3,
  lastCrawl: '2019-10-15T21:00:00Z',
  stats: { recordCount: 4, objectCount: 1, sizeBytes: 410, compression: 'gzip' },
});

const spec: TableSpec = {
  database: 'lake',
  table: 'events',
  location: 's3a://b/events/',
  format: 'jsonl',
  columns: [
    { name: 'k1', type: 'string' },
    { name: 'k2', type: 'boolean' },
  ],
  partitionKeys: [{ name: 'date_id', type: 'string' }],
  parameters: params,
};

function published(overrides: Partial<PublishedTable> = {}): PublishedTable {
  return {
    columns: spec.columns,
    partitionKeys: spec.partitionKeys,
    location: 's3a://b/events',
    storage: storageFor('jsonl'),
    parameters: { ...params, transient_lastDdlTime: '1' },
    ...overrides,
  };
}

describe('table parameters', () => {
  it('carries the Glue-style volume figures and lake catalog ownership', () => {
    expect(params).toMatchObject({
      EXTERNAL: 'TRUE',
      classification: 'json',
      compressionType: 'gzip',
      recordCount: '4',
      objectCount: '1',
      sizeKey: '410',
      averageRecordSize: '103',
      'lake.source': 'events',
      'lake.schemaVersion': '3',
      'lake.lastCrawl': '2019-10-15T21:00:00Z',
      'lake.managed': 'true',
    });
  });

  it('names the schema version of a view as a table does, and reads the name views had before', () => {
    expect(viewParameters({ source: 'events-a', stream: 'events', schemaVersion: 7 })).toEqual({
      'lake.managed': 'true', 'lake.source': 'events-a', 'lake.stream': 'events', 'lake.schemaVersion': '7',
    });
    expect(schemaVersionOf(params)).toBe(3);
    expect(schemaVersionOf({ 'lake.schema.version': '5' })).toBe(5);
    expect(schemaVersionOf({ 'lake.schemaVersion': '6', 'lake.schema.version': '5' })).toBe(6);
    expect(schemaVersionOf({ 'lake.schemaVersion': 'x' })).toBeUndefined();
    expect(schemaVersionOf({})).toBeUndefined();
  });

  it('skips the CSV header line when the files have one', () => {
    const csv = tableParameters({ format: 'csv', source: 's', schemaVersion: 1, lastCrawl: 'x', stats: { recordCount: 0, objectCount: 0, sizeBytes: 0, compression: 'none' } });
    expect(csv['skip.header.line.count']).toBe('1');
    expect(csv.averageRecordSize).toBe('0');
  });
});

describe('column order', () => {
  it('keeps published columns in place and appends new ones', () => {
    const out = orderColumns(
      [{ name: 'a', type: 'string' }, { name: 'b', type: 'bigint' }],
      [{ name: 'c', type: 'string' }, { name: 'B', type: 'double' }, { name: 'a', type: 'string' }],
    );
    expect(out.map((c) => `${c.name}:${c.type}`)).toEqual(['a:string', 'B:double', 'c:string']);
  });
});

describe('planning a table', () => {
  it('creates a missing table with lowercased names and comments trimmed to 256 characters', () => {
    const plan = planTable(undefined, { ...spec, columns: [{ name: 'UserId', type: 'bigint', comment: 'x'.repeat(300) }] });
    expect(plan.action).toBe('create');
    if (plan.action !== 'create') return;
    expect(plan.columns[0].name).toBe('userid');
    expect(plan.columns[0].comment).toHaveLength(256);
  });

  it('does nothing when the published table already equals the spec (trailing slash aside)', () => {
    expect(planTable(published(), spec)).toEqual({ action: 'none' });
  });

  it('alters with cascade when a column is added or widened', () => {
    const plan = planTable(published(), { ...spec, columns: [{ name: 'k1', type: 'string' }, { name: 'k2', type: 'string' }, { name: 'k3', type: 'bigint' }] });
    expect(plan).toMatchObject({ action: 'alter', cascade: true });
    if (plan.action === 'alter') expect(plan.reasons).toEqual(['change k2 boolean -> string', 'add column k3 bigint']);
  });

  it('alters without cascade when only parameters change', () => {
    const plan = planTable(published(), { ...spec, parameters: { ...params, recordCount: '5' } });
    expect(plan).toEqual({ action: 'alter', columns: spec.columns, cascade: false, reasons: ['parameter recordCount'] });
  });

  it('refuses a table it does not manage', () => {
    const { ['lake.managed']: _, ...foreign } = params;
    const plan = planTable(published({ parameters: foreign }), spec);
    expect(plan.action).toBe('refuse');
    if (plan.action === 'refuse') expect(plan.reason).toMatch(/lake\.events exists but is not managed/);
  });

  it('refuses a change of partition keys', () => {
    const plan = planTable(published({ partitionKeys: [{ name: 'dt', type: 'string' }] }), spec);
    expect(plan.action).toBe('refuse');
  });
});

describe('CSV tables', () => {
  it('publish every column as string and name the inferred type in the comment', () => {
    const plan = planTable(undefined, { ...spec, format: 'csv', columns: [{ name: 'n', type: 'bigint', comment: 'count' }, { name: 's', type: 'string' }] });
    expect(plan).toMatchObject({ action: 'create', columns: [{ name: 'n', type: 'string', comment: 'count; inferred type: bigint' }, { name: 's', type: 'string' }] });
  });
});

describe('partition names', () => {
  it('names partitions like the metastore, escaping what Hive escapes', () => {
    expect(partitionName(['date_id', 'hour'], ['2019-10-15', '20'])).toBe('date_id=2019-10-15/hour=20');
    expect(escapePartitionValue('a/b:c=d%')).toBe('a%2Fb%3Ac%3Dd%25');
    expect(partitionValuesFromName('k=a%2Fb%3Ac/h=1')).toEqual(['a/b:c', '1']);
  });

  it('adds what is missing and drops what disappeared', () => {
    const plan = planPartitions(
      ['date_id'],
      ['date_id=2019-10-14', 'date_id=2019-10-15'],
      [
        { values: ['2019-10-15'], location: 's3a://b/t/date_id=2019-10-15/' },
        { values: ['2019-10-16'], location: 's3a://b/t/date_id=2019-10-16/' },
      ],
    );
    expect(plan.add.map((p) => p.values)).toEqual([['2019-10-16']]);
    expect(plan.drop).toEqual([['2019-10-14']]);
  });
});

describe('comments', () => {
  it('keeps short comments and trims long ones with an ellipsis', () => {
    expect(trimComment('  id of the user ')).toBe('id of the user');
    expect(trimComment('y'.repeat(257))?.endsWith('…')).toBe(true);
    expect(trimComment(undefined)).toBeUndefined();
  });
});
