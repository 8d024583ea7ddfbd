import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePartitionPaths, datePatternProblem, parsePartition, partitionKeysOf } from '../../../crawl/partitions';
import {
  batchObjects,
  classifyObjects,
  compileGlobs,
  DEFAULT_EXCLUDES,
  deletionGuard,
  MIN_SPREAD_BYTES,
  planListing,
  selectPartitions,
  spreadOver,
  type GlobMatcher,
  type ManifestEntry,
  type ObjectInfo,
} from '../../../crawl/plan';
import { formatOfKey } from '../../../schema/formats';

const P = 'lake/events/';

function matcher(include: string[], exclude: string[] = [], options?: { defaultExcludes?: boolean }): GlobMatcher {
  const m = compileGlobs(include, exclude, options);
  if ('error' in m) throw new Error(m.error);
  return m;
}

const obj = (key: string, etag = 'e1', size = 10): ObjectInfo => ({ key, etag, size, lastModified: '2019-10-15T20:00:00.000Z' });

describe('parsePartition', () => {
  it('reads Hive k=v directories in order, lowercasing keys and unescaping values', () => {
    expect(parsePartition(`${P}Date_ID=2019-10-15/hour=20/part-0.json`, P, { kind: 'hive' })).toEqual({
      keys: ['date_id', 'hour'],
      values: ['2019-10-15', '20'],
      path: 'Date_ID=2019-10-15/hour=20/',
    });
    expect(parsePartition(`${P}ts=2019-10-15 10%3A00/x.json`, P, { kind: 'hive' })).toMatchObject({ values: ['2019-10-15 10:00'] });
  });

  it('treats an object directly under the prefix of a Hive source as unpartitioned', () => {
    expect(parsePartition(`${P}part-0.json`, P, { kind: 'hive' })).toEqual({ keys: [], values: [], path: '' });
  });

  it('gives a reason for directories that are not Hive partitions', () => {
    expect(parsePartition(`${P}date_id=2019-10-15/raw/part-0.json`, P, { kind: 'hive' })).toEqual({
      reason: 'directory "raw" is not a Hive partition (key=value)',
    });
    expect(parsePartition(`${P}dt=/x.json`, P, { kind: 'hive' })).toMatchObject({ reason: expect.stringMatching(/empty value/) });
    expect(parsePartition(`${P}my-key=1/x.json`, P, { kind: 'hive' })).toMatchObject({ reason: expect.stringMatching(/not a Hive column name/) });
    expect(parsePartition(`${P}a=1/A=2/x.json`, P, { kind: 'hive' })).toMatchObject({ reason: expect.stringMatching(/appears twice/) });
    expect(parsePartition(`${P}a=1//x.json`, P, { kind: 'hive' })).toMatchObject({ reason: expect.stringMatching(/empty directory name/) });
  });

  it('maps a yyyy/MM/dd/HH path to date_id and hour', () => {
    expect(parsePartition(`${P}2019/10/15/20/part-0.json`, P, { kind: 'date-path', pattern: 'yyyy/MM/dd/HH' })).toEqual({
      keys: ['date_id', 'hour'],
      values: ['2019-10-15', '20'],
      path: '2019/10/15/20/',
    });
  });

  it('maps shorter date patterns to date_id, month or year', () => {
    expect(parsePartition(`${P}2019/10/15/a.csv`, P, { kind: 'date-path', pattern: 'yyyy/MM/dd' })).toMatchObject({ keys: ['date_id'], values: ['2019-10-15'] });
    expect(parsePartition(`${P}2019/10/a.csv`, P, { kind: 'date-path', pattern: 'yyyy/MM' })).toMatchObject({ keys: ['month'], values: ['2019-10'] });
    expect(parsePartition(`${P}2019/a.csv`, P, { kind: 'date-path', pattern: 'yyyy/' })).toMatchObject({ keys: ['year'], values: ['2019'], path: '2019/' });
  });

  it('rejects date paths of the wrong depth, syntax or calendar', () => {
    const layout = { kind: 'date-path' as const, pattern: 'yyyy/MM/dd/HH' };
    expect(parsePartition(`${P}2019/10/15/a.json`, P, layout)).toMatchObject({ reason: expect.stringMatching(/3 directories deep.*needs 4/) });
    expect(parsePartition(`${P}2019/10/15/20/extra/a.json`, P, layout)).toMatchObject({ reason: expect.stringMatching(/5 directories deep/) });
    expect(parsePartition(`${P}2019/13/15/20/a.json`, P, layout)).toEqual({ reason: 'directory "13" is not MM of the date-path pattern yyyy/MM/dd/HH' });
    expect(parsePartition(`${P}2019/10/15/24/a.json`, P, layout)).toMatchObject({ reason: expect.stringMatching(/"24" is not HH/) });
    expect(parsePartition(`${P}2019/02/30/01/a.json`, P, layout)).toEqual({ reason: '2019/02/30 is not a calendar date' });
    expect(parsePartition(`${P}2019/10/a.json`, P, { kind: 'date-path', pattern: 'MM/yyyy' })).toMatchObject({ reason: expect.stringMatching(/must be yyyy\[\/MM/) });
  });

  it('has no partitions under the none layout, however deep the key', () => {
    expect(parsePartition(`${P}a/b/c.json`, P, { kind: 'none' })).toEqual({ keys: [], values: [], path: '' });
  });

  it('refuses keys outside the prefix and directory markers', () => {
    expect(parsePartition('other/x.json', P, { kind: 'none' })).toEqual({ reason: `is not under the source prefix "${P}"` });
    expect(parsePartition(`${P}date_id=1/`, P, { kind: 'hive' })).toEqual({ reason: 'is a directory marker, not a file' });
  });

  it('validates date patterns in one place', () => {
    expect(datePatternProblem('yyyy/MM/dd/HH')).toBeUndefined();
    expect(datePatternProblem('yyyy/MM/dd/HH/')).toBeUndefined();
    expect(datePatternProblem('yyyy/dd')).toMatch(/must be/);
    expect(datePatternProblem('')).toMatch(/must be/);
  });
});

describe('partitionKeysOf', () => {
  it('returns the shared keys', () => {
    expect(partitionKeysOf([{ key: 'a', keys: ['date_id', 'hour'] }, { key: 'b', keys: ['date_id', 'hour'] }])).toEqual({ keys: ['date_id', 'hour'] });
    expect(partitionKeysOf([])).toEqual({ keys: [] });
  });

  it('names an example key when the key sets differ', () => {
    const r = partitionKeysOf([
      { key: 'p/date_id=1/hour=2/a.json', keys: ['date_id', 'hour'] },
      { key: 'p/date_id=1/b.json', keys: ['date_id'] },
    ]);
    expect(r).toEqual({
      key: 'p/date_id=1/b.json',
      error: 'inconsistent partition keys: p/date_id=1/b.json has [date_id] but p/date_id=1/hour=2/a.json has [date_id, hour]',
    });
    expect(partitionKeysOf([{ key: 'a', keys: ['x'] }, { key: 'b', keys: [] }])).toMatchObject({ error: expect.stringMatching(/b has no partition keys/) });
  });
});

describe('compileGlobs', () => {
  it('skips _SUCCESS, .crc files and _temporary/ by default', () => {
    const m = matcher([]);
    expect(m.matches('date_id=1/hour=2/part-0.json')).toBe(true);
    expect(m.matches('date_id=1/hour=2/_SUCCESS')).toBe(false);
    expect(m.matches('_SUCCESS')).toBe(false);
    expect(m.matches('date_id=1/.part-0.json.crc')).toBe(false);
    expect(m.matches('date_id=1/part-0.json.crc')).toBe(false);
    expect(m.matches('_temporary/0/_temporary/attempt_1/part-0.json')).toBe(false);
    expect(m.matches('date_id=1/_temporary/0/part-0.json')).toBe(false);
    expect(m.exclude).toEqual(DEFAULT_EXCLUDES);
  });

  it('can leave the default excludes out', () => {
    expect(matcher([], [], { defaultExcludes: false }).matches('_SUCCESS')).toBe(true);
  });

  it('keeps * and ? within one path segment and lets ** span segments', () => {
    const m = matcher(['*.json']);
    expect(m.matches('a.json')).toBe(true);
    expect(m.matches('d=1/a.json')).toBe(false);
    const deep = matcher(['**/*.json']);
    expect(deep.matches('a.json')).toBe(true);
    expect(deep.matches('d=1/h=2/a.json')).toBe(true);
    expect(deep.matches('d=1/h=2/a.csv')).toBe(false);
    expect(matcher(['d=?/*']).matches('d=1/x')).toBe(true);
    expect(matcher(['d=?/*']).matches('d=12/x')).toBe(false);
    expect(matcher(['logs/**']).matches('logs/a/b/c.json')).toBe(true);
    expect(['a/b', 'a/x/b', 'a/x/y/b', 'ab'].map((k) => matcher(['a/**/b']).matches(k))).toEqual([true, true, true, false]);
    expect(matcher(['a**b']).matches('axxb')).toBe(true);
    expect(matcher(['a**b']).matches('ax/xb')).toBe(false);
  });

  it('supports {a,b} alternatives, nested, and character classes', () => {
    const m = matcher(['**/*.{json,ndjson{,.gz}}']);
    expect(['x.json', 'a/x.ndjson', 'a/x.ndjson.gz'].map((k) => m.matches(k))).toEqual([true, true, true]);
    expect(m.matches('a/x.json.gz')).toBe(false);
    const c = matcher(['hour=[01][0-9]/*', 'hour=2[0-3]/*']);
    expect(c.matches('hour=09/x')).toBe(true);
    expect(c.matches('hour=23/x')).toBe(true);
    expect(c.matches('hour=24/x')).toBe(false);
    const n = matcher(['[!_]*']);
    expect(n.matches('a')).toBe(true);
    expect(n.matches('b_')).toBe(true);
  });

  it('applies excludes after includes, and treats regex characters and escapes literally', () => {
    const m = matcher(['**/*.json'], ['date_id=2019-10-1[0-4]/**']);
    expect(m.matches('date_id=2019-10-15/a.json')).toBe(true);
    expect(m.matches('date_id=2019-10-14/a.json')).toBe(false);
    expect(matcher(['a+b(1).json']).matches('a+b(1).json')).toBe(true);
    expect(matcher(['a.json']).matches('aXjson')).toBe(false);
    expect(matcher(['\\*.json']).matches('*.json')).toBe(true);
    expect(matcher(['\\*.json']).matches('x.json')).toBe(false);
  });

  it('names the bad glob and why', () => {
    expect(compileGlobs(['ok/*', 'hour=[0-9/*'], [])).toEqual({ glob: 'hour=[0-9/*', error: 'glob "hour=[0-9/*": "[" at position 5 is never closed' });
    expect(compileGlobs([], ['*.{json,csv'])).toEqual({ glob: '*.{json,csv', error: 'glob "*.{json,csv": "{" at position 2 is never closed' });
    expect(compileGlobs(['a}'], [])).toMatchObject({ error: 'glob "a}": "}" at position 1 closes no "{"' });
    expect(compileGlobs(['[z-a]'], [])).toMatchObject({ error: expect.stringMatching(/range "z-a" .* out of order/) });
    expect(compileGlobs(['x\\'], [])).toMatchObject({ error: expect.stringMatching(/escaping/) });
    expect(compileGlobs(['/abs/*'], [])).toMatchObject({ error: expect.stringMatching(/relative to the source prefix/) });
    expect(compileGlobs([''], [])).toMatchObject({ error: 'glob is empty' });
  });
});

describe('formatOfKey', () => {
  it('detects the format from extensions when auto', () => {
    expect(formatOfKey('p/a.json', 'auto')).toEqual({ format: 'jsonl', gzip: false });
    expect(formatOfKey('p/a.JSONL', 'auto')).toEqual({ format: 'jsonl', gzip: false });
    expect(formatOfKey('p/a.ndjson.gz', 'auto')).toEqual({ format: 'jsonl', gzip: true });
    expect(formatOfKey('p/a.csv', 'auto')).toEqual({ format: 'csv', gzip: false });
    expect(formatOfKey('p/a.tsv.gz', 'auto')).toEqual({ format: 'csv', gzip: true });
    expect(formatOfKey('p/a.snappy.parquet', 'auto')).toEqual({ format: 'parquet', gzip: false });
  });

  it('says an unknown extension is not a data file', () => {
    for (const key of ['p/README.md', 'p/_SUCCESS', 'p/a.gz', 'p/a.json.bak', 'p.json/part-0']) expect(formatOfKey(key, 'auto')).toBeUndefined();
  });

  it('reads every key in a configured format except those named as another format', () => {
    expect(formatOfKey('p/part-00000', 'jsonl')).toEqual({ format: 'jsonl', gzip: false });
    expect(formatOfKey('p/part-00000.gz', 'jsonl')).toEqual({ format: 'jsonl', gzip: true });
    expect(formatOfKey('p/part-00000', 'jsonl.gz')).toEqual({ format: 'jsonl', gzip: true });
    expect(formatOfKey('p/part-00000.c000', 'parquet')).toEqual({ format: 'parquet', gzip: false });
    expect(formatOfKey('p/a.csv', 'jsonl')).toBeUndefined();
    expect(formatOfKey('p/a.parquet', 'csv')).toBeUndefined();
  });
});

describe('classifyObjects', () => {
  const manifest: ManifestEntry[] = [
    { ...obj(`${P}d=1/a.json`, 'e1'), partition: 'd=1/' },
    { ...obj(`${P}d=1/b.json`, 'e1'), partition: 'd=1/' },
    { ...obj(`${P}d=2/c.json`, 'e1'), partition: 'd=2/' },
    { ...obj(`${P}d=3/d.json`, 'e1'), partition: 'd=3/' },
  ];

  it('tells added, changed (ETag or size), unchanged and deleted objects apart', () => {
    const listed = [obj(`${P}d=1/a.json`, 'e2'), obj(`${P}d=2/c.json`, 'e1', 11), obj(`${P}d=3/d.json`), obj(`${P}d=4/e.json`)];
    const c = classifyObjects(listed, manifest);
    expect(c.added.map((o) => o.key)).toEqual([`${P}d=4/e.json`]);
    expect(c.changed.map((o) => o.key)).toEqual([`${P}d=1/a.json`, `${P}d=2/c.json`]);
    expect(c.unchanged.map((o) => o.key)).toEqual([`${P}d=3/d.json`]);
    expect(c.deleted.map((o) => o.key)).toEqual([`${P}d=1/b.json`]);
  });

  it('never deletes objects of partitions the pruned listing did not cover', () => {
    const c = classifyObjects([obj(`${P}d=3/d.json`)], manifest, { partitions: ['d=3/', 'd=2/'] });
    expect(c.deleted.map((o) => o.key)).toEqual([`${P}d=2/c.json`]);
    expect(c.unchanged).toHaveLength(1);
  });

  it('compares ETags without quotes and sizes given as strings (pg bigint)', () => {
    const c = classifyObjects([obj(`${P}d=3/d.json`, '"e1"', 10)], [{ ...obj(`${P}d=3/d.json`, 'e1'), size: '10' as unknown as number }]);
    expect(c.unchanged).toHaveLength(1);
  });

  it('counts a key listed twice once', () => {
    const c = classifyObjects([obj(`${P}d=9/x.json`), obj(`${P}d=9/x.json`)], []);
    expect(c.added).toHaveLength(1);
  });

  it('partitions the union of listed and manifest keys, whatever the listing order', () => {
    const keys = fc.uniqueArray(fc.constantFrom(...'abcdefghij'.split('')), { maxLength: 10 });
    fc.assert(
      fc.property(keys, keys, fc.boolean(), (listedKeys, manifestKeys, reverse) => {
        const listed = listedKeys.map((k) => obj(k, k < 'e' ? 'e1' : 'e2'));
        const m = manifestKeys.map((k) => ({ ...obj(k), partition: '' }));
        const c = classifyObjects(reverse ? [...listed].reverse() : listed, m);
        const fromListing = [...c.added, ...c.changed, ...c.unchanged].map((o) => o.key).sort();
        expect(fromListing).toEqual([...listedKeys].sort());
        expect(c.deleted.map((o) => o.key)).toEqual(manifestKeys.filter((k) => !listedKeys.includes(k)).sort());
        expect(c.added.every((o) => !manifestKeys.includes(o.key))).toBe(true);
      }),
    );
  });
});

describe('deletionGuard', () => {
  it('refuses to delete more than half of a non-trivial manifest, with the numbers', () => {
    expect(deletionGuard(100, 100)).toEqual({
      manifestCount: 100,
      deletedCount: 100,
      threshold: 0.5,
      error: 'refusing to delete 100 of 100 catalogued objects (100%, more than the 50% fail-safe); check the prefix and permissions, or force the crawl',
    });
    expect(deletionGuard(100, 51)).toBeDefined();
  });

  it('allows up to the threshold, any deletion in a small manifest, and a custom threshold', () => {
    expect(deletionGuard(100, 50)).toBeUndefined();
    expect(deletionGuard(3, 3)).toBeUndefined();
    expect(deletionGuard(100, 0)).toBeUndefined();
    expect(deletionGuard(100, 20, 0.1)).toMatchObject({ threshold: 0.1 });
  });
});

describe('planListing and selectPartitions', () => {
  const hive = { kind: 'hive' as const };
  const known = ['date_id=2019-10-15/hour=9/', 'date_id=2019-10-15/hour=10/', 'date_id=2019-10-15/hour=11/'];

  it('lists everything when asked, on a first crawl, or without partitions', () => {
    expect(planListing({ prefix: P, layout: hive, knownPartitions: known, lookbackPartitions: 2, full: true }).full).toBe(true);
    expect(planListing({ prefix: P, layout: hive, knownPartitions: [], lookbackPartitions: 2, full: false }).full).toBe(true);
    expect(planListing({ prefix: P, layout: hive, knownPartitions: [''], lookbackPartitions: 2, full: false }).full).toBe(true);
    expect(planListing({ prefix: P, layout: { kind: 'none' }, knownPartitions: known, lookbackPartitions: 2, full: false }).full).toBe(true);
    expect(planListing({ prefix: P, layout: hive, knownPartitions: ['a=1/', 'a=1/b=2/'], lookbackPartitions: 2, full: false })).toMatchObject({
      full: true,
      why: 'known partitions differ in depth',
    });
  });

  it('descends as deep as the known partitions or the date pattern', () => {
    expect(planListing({ prefix: P, layout: hive, knownPartitions: known, lookbackPartitions: 2, full: false })).toMatchObject({ full: false, depth: 2 });
    const date = planListing({ prefix: P, layout: { kind: 'date-path', pattern: 'yyyy/MM/dd/HH' }, knownPartitions: ['2019/10/15/20/'], lookbackPartitions: 1, full: false });
    expect(date).toMatchObject({ full: false, depth: 4 });
  });

  it('selects new partitions plus the newest known ones, in time order (hour=9 before hour=10)', () => {
    const plan = planListing({ prefix: P, layout: hive, knownPartitions: known, lookbackPartitions: 2, full: false });
    if (plan.full) throw new Error('expected a pruned listing');
    const listed = [...known, 'date_id=2019-10-15/hour=12/', '_temporary/0/'];
    expect(plan.select(listed)).toEqual(['date_id=2019-10-15/hour=10/', 'date_id=2019-10-15/hour=11/', 'date_id=2019-10-15/hour=12/']);
  });

  it('keeps partitions that vanished so their objects are classified as deleted', () => {
    const selected = selectPartitions([known[0]!, known[2]!], { layout: hive, knownPartitions: known, lookbackPartitions: 2 });
    expect(selected).toEqual(known);
    const c = classifyObjects([], [{ ...obj(`${P}${known[1]}a.json`), partition: known[1] }, { ...obj(`${P}old=1/x.json`), partition: 'old=1/' }], { partitions: selected });
    expect(c.deleted.map((o) => o.partition)).toEqual([known[1]]);
  });

  it('re-lists an old partition that still exists when it is among the newest existing ones', () => {
    // hours 20, 21, 22 known; 21 vanished: the lookback counts the partitions that still exist (20, 22)
    const k = ['d=1/h=20/', 'd=1/h=21/', 'd=1/h=22/'];
    expect(selectPartitions(['d=1/h=20/', 'd=1/h=22/'], { layout: hive, knownPartitions: k, lookbackPartitions: 2 })).toEqual(k);
  });

  it('selects only new partitions with no lookback', () => {
    expect(selectPartitions([...known, 'date_id=2019-10-16/hour=0/'], { layout: hive, knownPartitions: known, lookbackPartitions: 0 })).toEqual(['date_id=2019-10-16/hour=0/']);
  });

  it('orders partition paths numerically where values are numbers', () => {
    expect(['hour=10/', 'hour=9/', 'hour=x/'].sort(comparePartitionPaths)).toEqual(['hour=9/', 'hour=10/', 'hour=x/']);
    expect(['2019/10/15/20/', '2019/09/30/23/'].sort(comparePartitionPaths)).toEqual(['2019/09/30/23/', '2019/10/15/20/']);
  });
});

describe('batchObjects', () => {
  it('cuts batches by object count and bytes, sorted by key', () => {
    const objects = [obj('c', 'e', 5), obj('a', 'e', 5), obj('b', 'e', 5), obj('d', 'e', 5), obj('e', 'e', 5)];
    expect(batchObjects(objects, { maxObjects: 2, maxBytes: 100 }).map((b) => b.map((o) => o.key))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(batchObjects(objects, { maxObjects: 10, maxBytes: 12 }).map((b) => b.map((o) => o.key))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('gives an object larger than maxBytes a batch of its own', () => {
    const batches = batchObjects([obj('a', 'e', 1), obj('b', 'e', 500), obj('c', 'e', 1)], { maxObjects: 10, maxBytes: 100 });
    expect(batches.map((b) => b.map((o) => o.key))).toEqual([['a'], ['b'], ['c']]);
  });

  it('makes the same batches whatever the listing order, and loses or repeats nothing', () => {
    const input = fc.uniqueArray(fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), size: fc.nat(50) }), { selector: (o) => o.key, maxLength: 40 });
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 120 }), (objects, maxObjects, maxBytes) => {
        const limits = { maxObjects, maxBytes };
        const a = batchObjects(objects, limits);
        expect(batchObjects([...objects].reverse(), limits)).toEqual(a);
        expect(a.flat().map((o) => o.key)).toEqual(objects.map((o) => o.key).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
        for (const b of a) {
          expect(b.length).toBeLessThanOrEqual(maxObjects);
          if (b.length > 1) expect(b.reduce((n, o) => n + o.size, 0)).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });

  it('spreads a crawl over at least the batches asked for, of about equal bytes, within the limits', () => {
    const keys = (batches: ObjectInfo[][]) => batches.map((b) => b.map((o) => o.key).join(''));
    const forty = Array.from({ length: 40 }, (_, i) => obj(`k${String(i).padStart(2, '0')}`, 'e', 5));
    expect(batchObjects(forty, { maxObjects: 64, maxBytes: 1000, atLeast: 4 }).map((b) => b.length)).toEqual([10, 10, 10, 10]);
    // the limits still hold: more, smaller batches than asked for
    expect(batchObjects(forty, { maxObjects: 8, maxBytes: 1000, atLeast: 4 }).map((b) => b.length)).toEqual([8, 2, 8, 2, 8, 2, 8, 2]);
    // an object goes to the share its middle byte falls in: a big one takes its share and its neighbours'
    const uneven = [obj('a', 'e', 150), obj('b', 'e', 10), obj('c', 'e', 10), obj('d', 'e', 10), obj('e', 'e', 20)];
    expect(keys(batchObjects(uneven, { maxObjects: 64, maxBytes: 1000, atLeast: 4 }))).toEqual(['a', 'bcde']);
    expect(keys(batchObjects([obj('a', 'e', 0), obj('b', 'e', 0)], { maxObjects: 64, maxBytes: 10, atLeast: 4 }))).toEqual(['ab']);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (sizes, atLeast) => {
        const objects = sizes.map((size, i) => obj(`k${String(i).padStart(3, '0')}`, 'e', size));
        const batches = batchObjects(objects, { maxObjects: 1000, maxBytes: 1e9, atLeast });
        expect(batches.flat()).toEqual(objects);
        expect(batches.length).toBeLessThanOrEqual(atLeast); // a cut only where a share begins
        if (sizes.every((s) => s === sizes[0])) expect(batches.length).toBe(Math.min(atLeast, sizes.length));
      }),
    );
  });

  it('asks a crawl for as many batches as its window runs at once, none below MIN_SPREAD_BYTES each', () => {
    expect(spreadOver(200e6, 4)).toBe(4);
    expect(spreadOver(3 * MIN_SPREAD_BYTES + 1, 4)).toBe(3);
    expect(spreadOver(MIN_SPREAD_BYTES - 1, 4)).toBe(1);
    expect(spreadOver(0, 4)).toBe(1);
  });

  it('refuses limits that cannot make progress', () => {
    expect(() => batchObjects([], { maxObjects: 0, maxBytes: 1 })).toThrow(/maxObjects/);
    expect(() => batchObjects([], { maxObjects: 1, maxBytes: 0 })).toThrow(/maxBytes/);
  });
});
