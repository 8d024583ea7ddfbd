// What people see, after real crawls of a drifting source: describe, history, diff (nested paths, with
// the file that caused each change), volumes, search by description and tag, column metadata, masking.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { saveSource } from '../../db/sources';
import { addPrincipal, approveRequest, markGrantActive, requestAccess } from '../../db/governance';
import { crawlSource } from '../../workflows';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { runLake, testConfig, uniqueName } from './setup';

describe('lake describe, history, diff, volumes, search and column', () => {
  const config = testConfig();
  const name = uniqueName('drift').replace(/_/g, '-');
  const prefix = `${uniqueName('views')}/drift/`;
  const database = uniqueName('lake_views');
  let workers: CrawlWorkers;
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let taskQueue: string;
  let inferenceTaskQueue: string;

  const lake = (...args: string[]) => runLake(config, ...args);

  async function hour(h: number, lines: object[]) {
    await deps.s3.send(
      new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${prefix}date_id=2019-10-15/hour=${h}/part-0.json`, Body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' }),
    );
    await env.client.workflow.execute(crawlSource, { taskQueue, workflowId: `crawl/${name}/${uniqueName('t')}`, args: [{ source: name, inferenceTaskQueue }] });
  }

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'views');
    ({ env, deps, taskQueue, inferenceTaskQueue } = workers);
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'hourly', targetDatabase: database, targetTable: 'drift', options: {}, enabled: false,
    });
    // the seed drift of the issue, with a nested struct that widens and grows
    await hour(20, [{ k1: 'abc', k2: true, email: 'a@example.com', props: { a: 1 } }]);
    await hour(21, [{ k2: true, k3: '100', email: 'b@example.com', props: { a: 2 } }]);
    await hour(22, [{ k1: ['def', 'ghi'], k2: false, k3: 200, email: 'c@example.com', props: { a: 1.5, b: 'x' } }]);
  }, 180_000);

  afterAll(async () => {
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
  });

  it('history lists one version per distinct schema', async () => {
    const { code, out } = await lake('history', name, '--json');
    expect(code).toBe(0);
    const versions = JSON.parse(out);
    expect(versions.map((v: { version: number; change: string }) => [v.version, v.change])).toEqual([
      [1, 'initial'],
      [2, 'additive'],
      [3, 'additive'],
    ]);
    const human = await lake('history', name);
    expect(human.out).toMatch(/^VERSION\s+CHANGE/m);
    expect(human.out).toMatch(/^3\s+additive/m);
  });

  it('diff names added and widened fields, nested paths included, with the file that caused each', async () => {
    const v12 = JSON.parse((await lake('diff', name, '1', '2', '--json')).out);
    expect(v12).toEqual([expect.objectContaining({ op: 'add-column', path: 'k3', to: 'string', change: 'additive', file: `s3://${config.s3.demoBucket}/${prefix}date_id=2019-10-15/hour=21/part-0.json`, line: 1 })]);
    const v23 = JSON.parse((await lake('diff', name, '2', '3', '--json')).out);
    expect(v23).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ op: 'widen-type', path: 'props.a', from: 'bigint', to: 'double', change: 'additive', file: expect.stringContaining('hour=22') }),
        expect.objectContaining({ op: 'add-nested-field', path: 'props.b', to: 'string', change: 'additive' }),
      ]),
    );
    // k1 string then array of strings stays string: no change at all
    expect(v23.some((l: { path: string }) => l.path === 'k1')).toBe(false);
    const human = await lake('diff', name, '2', '3');
    expect(human.out).toMatch(/additive\s+widen-type\s+props\.a\s+bigint\s+double\s+s3:\/\/.*hour=22\/part-0\.json:1/);
  });

  it('describe shows the schema tree with statistics, samples with identifying columns masked, volumes and runs', async () => {
    expect((await lake('column', 'set', name, 'email', '--tag', 'pii', '--description', 'contact address of the user')).code).toBe(0);
    expect((await lake('column', 'set', name, 'props.a', '--role', 'id_type')).code).toBe(0);
    const { code, out } = await lake('describe', name, '--json');
    expect(code).toBe(0);
    const d = JSON.parse(out);
    const byPath = Object.fromEntries(d.columns.map((c: { path: string }) => [c.path, c]));
    expect(Object.keys(byPath)).toEqual(['k1', 'k2', 'k3', 'email', 'props', 'props.a', 'props.b']); // by the smallest position seen
    expect(byPath.k1.type).toBe('string');
    expect(byPath['props.a']).toMatchObject({ type: 'double', role: 'id_type', depth: 1 });
    expect(byPath.email).toMatchObject({ tags: ['pii'], description: 'contact address of the user' });
    expect(byPath.k2.stats).toMatchObject({ nullFraction: 0, distinctEstimate: 2 });
    expect(d.samples.length).toBe(3);
    expect(d.samples.every((s: { record: { email: string } }) => s.record.email === '***')).toBe(true);
    expect(d.volumes.map((v: { partition: string; records: number }) => v.records)).toEqual([1, 1, 1]);
    expect(d.runs[0]).toMatchObject({ kind: 'crawl', status: 'completed' });

    const human = await lake('describe', name);
    expect(human.out).toContain(`${database}.drift`);
    expect(human.out).toMatch(/email\s+string\s+pii/);
    expect(human.out).not.toContain('b@example.com');
  });

  it('describe --as shows samples by grant level: none without a grant, else masked (the catalog keeps no identifying value in clear, A-5 included)', async () => {
    const grantAs = async (principal: string, level: string) => {
      await addPrincipal(deps.db, { name: principal, kind: 'user' }, 'test');
      const r = await requestAccess(deps.db, { principal: { name: principal, kind: 'user' }, source: name, level, days: 1, reason: 'test', requestedBy: principal });
      const g = await approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'admin' });
      await markGrantActive(deps.db, g.id);
    };
    const [reader, owner, stranger] = [uniqueName('reader'), uniqueName('owner'), uniqueName('stranger')];
    await grantAs(reader, 'A-2');
    await grantAs(owner, 'A-5');
    const as = async (who: string) => JSON.parse((await lake('describe', name, '--json', '--as', who)).out);
    const r = await as(reader);
    expect(r.viewer).toEqual({ principal: reader, level: 'A-2' });
    expect(r.samples.every((x: { record: { email: string } }) => x.record.email === '***')).toBe(true);
    const o = await as(owner);
    expect(o.samples.map((x: { record: { email: string } }) => x.record.email)).toEqual(['***', '***', '***']);
    expect(JSON.stringify(o)).not.toContain('@example.com');
    expect((await as(stranger)).samples).toEqual([]);
    expect(o.access.some((h: string) => h.startsWith(`user ${owner} A-5 until`))).toBe(true);
    expect((await lake('describe', name, '--as', stranger)).out).toContain('no grant, no samples');
  });

  it('search finds the source by a word of a column description and by a tag, showing the column', async () => {
    const byWord = JSON.parse((await lake('search', 'contact', '--json')).out);
    expect(byWord[0]).toMatchObject({ source: name, column: 'email' });
    const byTag = JSON.parse((await lake('search', 'pii', '--json')).out);
    expect(byTag.some((h: { source: string; column: string }) => h.source === name && h.column === 'email')).toBe(true);
    const byName = JSON.parse((await lake('search', name.split('-')[0], '--json')).out);
    expect(byName.some((h: { source: string }) => h.source === name)).toBe(true);
  });

  it('volumes lists partitions with a chart, and --days limits them', async () => {
    const rows = JSON.parse((await lake('volumes', name, '--json', '--days', '1')).out);
    expect(rows.map((r: { partition: string }) => r.partition)).toEqual(['date_id=2019-10-15/hour=20/', 'date_id=2019-10-15/hour=21/', 'date_id=2019-10-15/hour=22/']);
    expect((await lake('volumes', name)).out).toMatch(/hour=22\/\s+1\s+\d+ B\s+1\s+0\s+█+/);
  });

  it('crawl --dry-run shows what would be read and the schema that would result, writing nothing', async () => {
    await deps.s3.send(
      new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${prefix}date_id=2019-10-16/hour=00/part-0.json`, Body: JSON.stringify({ k2: true, k4: [1, 2] }) + '\n' }),
    );
    const before = await deps.db('crawl_runs').count<{ n: string }[]>({ n: '*' });
    // the dry run is planned and read by the worker of this test's queue
    const savedQueue = process.env.LAKE_TASK_QUEUE;
    process.env.LAKE_TASK_QUEUE = taskQueue;
    try {
      const { code, out } = await lake('crawl', name, '--dry-run', '--json');
      expect(code).toBe(0);
      const report = JSON.parse(out);
      expect(report.read.map((o: { key: string }) => o.key)).toEqual([`${prefix}date_id=2019-10-16/hour=00/part-0.json`]);
      expect(report.partitionKeys).toEqual(['date_id', 'hour']);
      expect(report.schemaVersion).toBe(4);
      expect(report.changes).toEqual([{ op: 'add-column', path: 'k4', change: 'additive', type: 'array<bigint>' }]);
      expect(report.columns.find((c: { name: string }) => c.name === 'k4')).toEqual({ name: 'k4', type: 'array<bigint>' });
      expect(await deps.db('crawl_runs').count<{ n: string }[]>({ n: '*' })).toEqual(before);
      expect(JSON.parse((await lake('history', name, '--json')).out)).toHaveLength(3);
      const human = await lake('crawl', name, '--dry-run');
      expect(human.out).toMatch(/would read 1 /);
      expect(human.out).toMatch(/additive add-column k4 array<bigint>/);
    } finally {
      if (savedQueue === undefined) delete process.env.LAKE_TASK_QUEUE;
      else process.env.LAKE_TASK_QUEUE = savedQueue;
    }
  });

  it('explains bad arguments and unknown things with non-zero exit codes', async () => {
    expect(await lake('describe')).toMatchObject({ code: 1 });
    expect((await lake('describe', 'no-such-source')).code).toBe(2);
    expect((await lake('describe', 'no-such-source')).err).toMatch(/unknown source "no-such-source"/);
    expect((await lake('diff', name, '1', '9')).err).toMatch(/has no schema version 9/);
    expect((await lake('diff', name, 'one', 'two')).code).toBe(1);
    expect((await lake('volumes', name, '--days', '0')).err).toMatch(/--days must be a positive integer/);
    const col = await lake('column', 'set', name, 'nope', '--tag', 'x');
    expect(col.code).toBe(2);
    expect(col.err).toMatch(/"nope" is not a column of/);
    expect((await lake('column', 'set', name, 'k2', '--role', 'owner')).err).toMatch(/"owner" is not one of id_type, timestamp, uuid/);
  });
});
