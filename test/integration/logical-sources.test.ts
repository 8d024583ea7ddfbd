// Logical sources on the real stack: a raw event stream (5 services x 3 labels, `props` per label, a
// few records without a label) crawled through Temporal, split into slices with their own schemas,
// volumes and samples; activated slices published as Hive views that PySpark reads back exactly.
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { levelViewName } from '../../governance/level-views';
import { listGrants } from '../../adapters/metastore/grants';
import { createS3Client } from '../../adapters/s3';
import type { CrawlSummary } from '../../crawl/run';
import { listSourceStates, saveSource, setLogicalSourcesActive } from '../../db/sources';
import { eventStreamHour, STREAM_LABELS, STREAM_SERVICES } from '../../infra/demo-lake';
import { crawlSource } from '../../workflows';
import { ensureSpark, runSparkQueries, type SparkResults } from '../support/spark';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { runLake, testConfig, uniqueName, waitFor } from './setup';
import { grantWorkflowId } from '../../workflows/shared';

const DAY = '2019-10-15';

/** Records per slice name part (`service-label`) and without a label, counted from the generated text. */
function countsOf(text: string): { bySlice: Map<string, number>; remainder: number } {
  const bySlice = new Map<string, number>();
  let remainder = 0;
  for (const line of text.trim().split('\n')) {
    const r = JSON.parse(line);
    if (r.label === undefined) remainder++;
    else bySlice.set(`${r.service}-${r.label}`, (bySlice.get(`${r.service}-${r.label}`) ?? 0) + 1);
  }
  return { bySlice, remainder };
}

describe('logical sources of a mixed event stream', () => {
  const config = testConfig();
  const bucket = config.s3.demoBucket;
  const prefix = `${uniqueName('logical')}/events/`;
  const stream = uniqueName('ev').replace(/_/g, '-');
  const database = uniqueName('lake_logical');
  const hour20 = eventStreamHour(DAY, 20);
  const hour21 = eventStreamHour(DAY, 21, { services: ['webtoon'], priceAsText: ['shop'] });
  const s3 = createS3Client(config.s3);
  let workers: CrawlWorkers;
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let taskQueue: string;
  let inferenceTaskQueue: string;
  const summaries: CrawlSummary[] = [];
  const installing = ensureSpark(); // minutes on a new machine, instant after

  const sliceOf = (service: string, label: string) => `${stream}-identified-${service}-${label}-edge`;
  const tableOf = (name: string) => name.replace(/-/g, '_');

  async function crawl(): Promise<CrawlSummary> {
    const s = await env.client.workflow.execute(crawlSource, { taskQueue, workflowId: `crawl/${stream}/${uniqueName('t')}`, args: [{ source: stream, inferenceTaskQueue }] });
    summaries.push(s);
    return s;
  }

  async function sliceRows() {
    return deps.db('sources').where({ parent_id: (await deps.db('sources').where({ name: stream }).first('id')).id }).select('id', 'name', 'enabled', 'last_seen_at');
  }

  async function latestVersion(name: string): Promise<{ version: number; schema: { columns: { name: string; type: { kind: string; fields?: { name: string; type: { kind: string } }[] } }[] } }> {
    return deps.db('schema_versions').join('sources', 'sources.id', 'schema_versions.source_id').where('sources.name', name).orderBy('version', 'desc').first('version', 'schema');
  }

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'logical');
    ({ env, deps, taskQueue, inferenceTaskQueue } = workers);
    // every run's test catalog has the same name, so the same <catalog>/grant/<id>: start this run's ids somewhere unused
    await deps.db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${1_000_000 + Math.floor(Math.random() * 1_000_000_000)}`);
    await saveSource(deps.db, {
      name: stream,
      kind: 's3',
      location: { bucket, prefix },
      format: 'auto',
      layout: { kind: 'hive' },
      schedule: 'hourly',
      targetDatabase: database,
      targetTable: 'events',
      options: { discriminators: ['source', 'service', 'label', 'elem'], flatten: ['props'] },
      enabled: true,
    });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}date_id=${DAY}/hour=20/part-0.json.gz`, Body: gzipSync(hour20) }));
  }, 120_000);

  afterAll(async () => {
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o: { Key?: string }) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    s3.destroy();
  });

  it('registers one inactive logical source per service x label, plus the remainder, each with its own schema', async () => {
    const s = await crawl();
    const expected = countsOf(hour20);
    expect(s.merged.slices).toMatchObject({ total: 16, seen: 16, new: 16, changed: 0, remainderRecords: expected.remainder });
    expect(expected.remainder).toBeGreaterThan(0);
    const slices = await sliceRows();
    expect(slices.map((r: { name: string }) => r.name).sort()).toEqual(
      [...STREAM_SERVICES.flatMap((sv) => STREAM_LABELS.map((l) => sliceOf(sv, l))), `${stream}-_other`].sort(),
    );
    expect(slices.every((r: { enabled: boolean; last_seen_at: Date | null }) => !r.enabled && r.last_seen_at !== null)).toBe(true);

    // each label has its own props; the stream has their union
    const props = async (name: string) => (await latestVersion(name)).schema.columns.find((c) => c.name === 'props')!.type.fields!.map((f) => f.name).sort();
    expect(await props(sliceOf('music', 'add_track_listen'))).toEqual(['duration_ms', 'quality', 'track_id']);
    expect(await props(sliceOf('taxi', 'request_navv'))).toEqual(['exact', 'query', 'results']);
    expect(await props(sliceOf('shop', 'purchase'))).toEqual(['currency', 'item_id', 'price']);
    expect(await props(stream)).toEqual(['currency', 'duration_ms', 'exact', 'item_id', 'price', 'quality', 'query', 'results', 'track_id']);
    // the remainder has no label column at all
    expect((await latestVersion(`${stream}-_other`)).schema.columns.map((c) => c.name)).not.toContain('label');
  });

  it('gives every logical source its volumes per partition, samples and statistics', async () => {
    const expected = countsOf(hour20);
    const name = sliceOf('mv', 'purchase');
    const p = await deps.db('source_partitions').join('sources', 'sources.id', 'source_partitions.source_id').where('sources.name', name).select('path', 'records', 'objects');
    expect(p).toEqual([{ path: `date_id=${DAY}/hour=20/`, records: String(expected.bySlice.get('mv-purchase')), objects: 1 }]);
    const other = await deps.db('source_partitions').join('sources', 'sources.id', 'source_partitions.source_id').where('sources.name', `${stream}-_other`).first('records');
    expect(Number(other.records)).toBe(expected.remainder);
    const samples = await deps.db('source_samples').join('sources', 'sources.id', 'source_samples.source_id').where('sources.name', name).first('rows');
    expect(samples.rows.length).toBeGreaterThan(0);
    expect(samples.rows.every((r: { record: { service: string; label: string } }) => r.record.service === 'mv' && r.record.label === 'purchase')).toBe(true);
    const stats = await deps.db('column_stats').join('sources', 'sources.id', 'column_stats.source_id').where('sources.name', name).select('path', 'basis_records', 'distinct_estimate');
    expect(stats.map((c: { path: string }) => c.path)).toContain('props.price');
    expect(stats.map((c: { path: string }) => c.path)).not.toContain('props.track_id');
    // over every record of the slice, not a sample
    expect(stats.every((c: { basis_records: string }) => Number(c.basis_records) === expected.bySlice.get('mv-purchase'))).toBe(true);
    expect(Number(stats.find((c: { path: string }) => c.path === 'service').distinct_estimate)).toBe(1);
    const streamStats = await deps.db('column_stats').join('sources', 'sources.id', 'column_stats.source_id').where({ 'sources.name': stream, path: 'service' }).first('basis_records', 'distinct_estimate');
    expect(Number(streamStats.basis_records)).toBe(hour20.trim().split('\n').length);
    expect(Number(streamStats.distinct_estimate)).toBe(STREAM_SERVICES.length);
    const volumes = await deps.db('partition_volumes').join('sources', 'sources.id', 'partition_volumes.source_id').where('sources.name', name).count<{ n: string }[]>({ n: '*' });
    expect(Number(volumes[0].n)).toBe(1);
  });

  it('publishes an activated logical source as a Hive view over the stream table, with props flattened', async () => {
    const activated = await runLake(config, 'source', 'activate', '--all-new', '--stream', stream);
    expect(activated).toMatchObject({ code: 0, err: '' });
    expect(activated.out).toContain('activated 16 logical source(s)');
    const s = await crawl();
    expect(s.counts).toMatchObject({ added: 0, changed: 0 });
    expect(s.published.views).toEqual({ views: 16, created: 16, altered: 0, dropped: 0 });

    const view = await deps.metastore.getTable(database, tableOf(sliceOf('music', 'add_track_listen')));
    expect(view.tableType).toBe('VIRTUAL_VIEW');
    expect(view.sd.cols.map((c) => c.name)).toEqual(expect.arrayContaining(['props_track_id', 'props_duration_ms', 'props_quality', 'date_id', 'hour']));
    expect(view.sd.cols.map((c) => c.name)).not.toContain('props_price');
    expect(view.viewExpandedText).toContain("`label` = 'add_track_listen'");

    // nothing changed: a third crawl makes no metastore call per view
    const again = await crawl();
    expect(again.published.views).toEqual({ views: 16, created: 0, altered: 0, dropped: 0 });
  });

  it('registers a slice appearing in a later hour as new, and versions only the slice whose field type changed', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}date_id=${DAY}/hour=21/part-0.json.gz`, Body: gzipSync(hour21) }));
    const before = await latestVersion(sliceOf('music', 'purchase'));
    const s = await crawl();
    expect(s.merged.slices).toMatchObject({ total: 19, new: 3 });
    // of the known slices, only the shop's purchases changed type (and the remainder, which mixes kinds)
    const versioned = await deps.db('schema_versions').join('sources', 'sources.id', 'schema_versions.source_id')
      .where({ 'schema_versions.run_id': s.runId, 'sources.kind': 'logical' }).where('schema_versions.version', '>', 1).pluck('sources.name');
    expect(versioned.filter((n: string) => n !== `${stream}-_other`)).toEqual([sliceOf('shop', 'purchase')]);
    expect(s.merged.slices!.changed).toBe(versioned.length);
    expect(s.merged.slices!.newNames.sort()).toEqual(STREAM_LABELS.map((l) => sliceOf('webtoon', l)).sort());
    const fresh = await listSourceStates(deps.db, { stream, onlyNew: true });
    expect(fresh.map((r) => r.source.name).sort()).toEqual(STREAM_LABELS.map((l) => sliceOf('webtoon', l)).sort());

    const shop = await latestVersion(sliceOf('shop', 'purchase'));
    expect(shop.version).toBe(2);
    expect(shop.schema.columns.find((c) => c.name === 'props')!.type.fields!.find((f) => f.name === 'price')!.type.kind).toBe('string');
    const changes = await deps.db('schema_versions').join('sources', 'sources.id', 'schema_versions.source_id').where({ 'sources.name': sliceOf('shop', 'purchase'), version: 2 }).first('changes');
    expect(changes.changes).toEqual([expect.objectContaining({ op: 'widen-type', path: ['props', 'price'], from: { kind: 'double' }, to: { kind: 'string' } })]);
    expect((await latestVersion(sliceOf('music', 'purchase'))).version).toBe(before.version);
    expect((await latestVersion(sliceOf('music', 'add_track_listen'))).version).toBe(1);
    // the shop's view follows its slice: price now reads as string
    expect(s.published.views).toMatchObject({ views: 16, created: 0 });
    expect(s.published.views!.altered).toBeGreaterThanOrEqual(1);
    const view = await deps.metastore.getTable(database, tableOf(sliceOf('shop', 'purchase')));
    expect(view.sd.cols.find((c) => c.name === 'props_price')!.type).toBe('string');
  });

  it('deactivating a logical source drops its view at the next crawl; `lake source list` shows the states', async () => {
    const result = await setLogicalSourcesActive(deps.db, [sliceOf('map', 'purchase')], false);
    expect(result.problems).toEqual([]);
    const s = await crawl();
    expect(s.published.views).toMatchObject({ views: 15, dropped: 1 });
    await expect(deps.metastore.getTable(database, tableOf(sliceOf('map', 'purchase')))).rejects.toMatchObject({ kind: 'NoSuchObject' });
    const listed = await runLake(config, 'source', 'list', '--stream', stream);
    expect(listed.code).toBe(0);
    const text = listed.out;
    expect(text).toMatch(new RegExp(`${sliceOf('webtoon', 'purchase')}\\s.*\\snew\\s`));
    expect(text).toMatch(new RegExp(`${sliceOf('music', 'purchase')}\\s.*\\sactive\\s`));
    const slice = await runLake(config, 'describe', sliceOf('music', 'purchase'));
    expect(slice.out).toContain(`records of ${stream} with identified, music, purchase, edge`);
    expect(slice.out).toContain('active, published as a view; last seen 20');
    expect(slice.out).toMatch(/props\s+struct<item_id:string,price:double/);
    const shown = await runLake(config, 'table', `${database}.${tableOf(sliceOf('music', 'purchase'))}`);
    expect(shown.out).toContain(`  view       SELECT \`source\``);
    expect(shown.out).toContain("WHERE `source` = 'identified' AND `service` = 'music'");
    // search finds the logical sources holding a column, with their own names
    const found = await runLake(config, 'search', 'track_id', '--json');
    const names = JSON.stringify(JSON.parse(found.out));
    expect(names).toContain(sliceOf('taxi', 'add_track_listen'));
    expect(names).not.toContain(sliceOf('taxi', 'purchase'));
    const whole = await runLake(config, 'describe', stream);
    expect(whole.out).toContain('19 logical source(s): 15 active, 4 new');
    // a logical source cannot be crawled on its own
    const refused = await runLake(config, 'crawl', sliceOf('music', 'purchase'));
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain(`crawl the stream: lake crawl ${stream}`);
    expect(await setLogicalSourcesActive(deps.db, [stream], true)).toMatchObject({ problems: [expect.stringContaining('not a logical one')] });
  });

  it('is requested, granted on its view, listed among its users and revoked like any source', async () => {
    const slice = sliceOf('music', 'add_track_listen');
    // A-3 reads the de-identified view over the logical source's view
    const view = { database, table: levelViewName(tableOf(slice), 'A-3') };
    const user = uniqueName('ana');
    const saved = process.env.LAKE_TASK_QUEUE;
    process.env.LAKE_TASK_QUEUE = taskQueue; // the grant's expiry workflow runs on this test's worker
    try {
      expect((await runLake(config, 'access', 'principal', 'add', user)).code).toBe(0);
      const req = await runLake(config, 'access', 'request', slice, '--principal', user, '--level', 'A-3', '--days', '7', '--reason', 'listening dashboards');
      expect(req.code).toBe(0);
      const approved = await runLake(config, 'access', 'approve', /request (\d+):/.exec(req.out)![1], '--by', 'dave');
      expect(approved).toMatchObject({ code: 0, err: '' });
      const grantId = /grant (\d+) \(A-3/.exec(approved.out)![1];
      const held = await waitFor('the view privilege to be granted', async () => {
        const g = await listGrants(deps.metastore, view, { name: user, kind: 'user' });
        return g.length > 0 && g;
      }, 60_000);
      expect(held.map((g) => g.privilege)).toEqual(['SELECT']);
      expect((await runLake(config, 'users', slice)).out).toMatch(new RegExp(`${grantId}\\s+user:${user}\\s+${slice}\\s+A-3\\s+active`));
      const described = await runLake(config, 'describe', slice, '--as', user);
      expect(described.out).toContain(`as ${user}: A-3`);
      expect((await runLake(config, 'access', 'revoke', grantId, '--reason', 'done', '--by', 'dave')).code).toBe(0);
      expect(await listGrants(deps.metastore, view, { name: user, kind: 'user' })).toEqual([]);
      await env.client.workflow.getHandle(grantWorkflowId(config.catalog, Number(grantId))).terminate('test over').catch(() => undefined);
    } finally {
      process.env.LAKE_TASK_QUEUE = saved;
    }
  });

  it('splits a stream of 1,000 kinds in the inference activities and writes the catalog in batches: no activity per slice', async () => {
    const big = `${stream}-big`;
    const bigPrefix = `${prefix.replace(/events\/$/, '')}big/`;
    await saveSource(deps.db, {
      name: big, kind: 's3', location: { bucket, prefix: bigPrefix }, format: 'jsonl', layout: { kind: 'hive' }, schedule: 'hourly',
      targetDatabase: database, targetTable: 'big', options: { discriminators: ['service', 'label', 'elem'], batchObjects: 2 }, enabled: true,
    });
    // 10 services x 20 labels x 5 elems, each label with its own props, 4 objects
    for (let part = 0; part < 4; part++) {
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++) {
        const n = part * 5000 + i;
        const label = `l${n % 20}`;
        lines.push(JSON.stringify({ service: `s${Math.floor(n / 20) % 10}`, label, elem: `e${Math.floor(n / 200) % 5}`, ts: n, props: { [`${label}_a`]: n, [`${label}_b`]: 'x' } }));
      }
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${bigPrefix}date_id=${DAY}/part-${part}.json`, Body: lines.join('\n') + '\n' }));
    }
    const workflowId = `crawl/${big}/${uniqueName('t')}`;
    const s = await env.client.workflow.execute(crawlSource, { taskQueue, workflowId, args: [{ source: big, inferenceTaskQueue }] });
    expect(s.merged.records).toBe(20_000);
    expect(s.merged.slices).toMatchObject({ total: 1000, seen: 1000, new: 1000, remainderRecords: 0 });
    expect(s.merged.slices!.newNames).toHaveLength(20);
    const [{ n }] = await deps.db('schema_versions').join('sources', 'sources.id', 'schema_versions.source_id').where('sources.parent_id', (await deps.db('sources').where({ name: big }).first('id')).id).count<{ n: string }[]>({ n: '*' });
    expect(Number(n)).toBe(1000);
    // plan, 2 inference batches, merge, publish, finish: the slices cost no activity of their own
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(scheduled).toEqual(['planCrawl', 'inferBatch', 'inferBatch', 'mergeCrawl', 'publishSource', 'finishCrawl']);
    expect(JSON.stringify(history).length).toBeLessThan(200_000); // new slices are counted and a few named, never listed whole
  }, 300_000);

  it('PySpark reads each view and gets exactly its slice', async () => {
    await installing;
    const views = STREAM_SERVICES.flatMap((sv) => STREAM_LABELS.map((l) => ({ key: `${sv}-${l}`, name: sliceOf(sv, l) }))).filter((v) => v.key !== 'map-purchase');
    const results: SparkResults = await runSparkQueries(
      [
        { name: 'stream', sql: `select count(*) from ${database}.events` },
        { name: 'other', sql: `select count(*) from ${database}.${tableOf(`${stream}-_other`)}` },
        { name: 'flattened', sql: `select props_item_id, props_price, props_currency, date_id from ${database}.${tableOf(sliceOf('shop', 'purchase'))} where hour = '21' limit 1` },
        ...views.map((v) => ({ name: v.key, sql: `select count(*), count(distinct service), count(distinct label) from ${database}.${tableOf(v.name)}` })),
      ],
      config,
    );
    const c20 = countsOf(hour20);
    const c21 = countsOf(hour21);
    expect(Number(results.rows('stream')[0][0])).toBe(hour20.trim().split('\n').length + hour21.trim().split('\n').length);
    expect(Number(results.rows('other')[0][0])).toBe(c20.remainder + c21.remainder);
    for (const v of views) {
      expect([v.key, ...results.rows(v.key)[0].map(Number)]).toEqual([v.key, (c20.bySlice.get(v.key) ?? 0) + (c21.bySlice.get(v.key) ?? 0), 1, 1]);
    }
    const [row] = results.records('flattened');
    expect(row.props_currency).toBe('KRW');
    expect(typeof row.props_price).toBe('string');
  }, 20 * 60_000);

  it('counts a corrupt line in the logical source its values name, with its partition and quarantine', async () => {
    const purchase = sliceOf('music', 'purchase');
    const lines = [
      JSON.stringify({ source: 'identified', service: 'music', label: 'purchase', elem: 'edge', props: { item_id: 'i1', price: 1.5 } }),
      '{"source":"identified","service":"music","label":"purchase","elem":"edge","props":{"price":}}', // line 2: music purchase
      '{"source":"identified","serv', // line 3: values cut off: the remainder
      '{"source":"identified","service":"nosuch","label":"x","elem":"edge","props":', // line 4: a kind only ever corrupt: the remainder
    ];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}date_id=${DAY}/hour=22/part-0.json`, Body: lines.join('\n') + '\n' }));
    const s = await crawl();
    expect(s.merged.corruptRecords).toBe(3);
    expect(s.merged.slices).toMatchObject({ total: 19, new: 0 });
    const partition = async (name: string) =>
      deps.db('source_partitions').join('sources', 'sources.id', 'source_partitions.source_id').where({ 'sources.name': name, path: `date_id=${DAY}/hour=22/` }).first('records', 'corrupt_records');
    expect(await partition(purchase)).toEqual({ records: '1', corrupt_records: '1' });
    expect(await partition(`${stream}-_other`)).toEqual({ records: '0', corrupt_records: '2' });
    expect(await partition(stream)).toMatchObject({ corrupt_records: '3' });
    const quarantined = await deps.db('corrupt_records').join('sources', 'sources.id', 'corrupt_records.source_id').where({ 'corrupt_records.run_id': s.runId, 'sources.name': purchase }).select('line', 'reason');
    expect(quarantined).toEqual([{ line: '2', reason: expect.stringContaining('Unexpected token') }]);
    expect((await runLake(config, 'describe', purchase)).out).toContain('1 corrupt record(s) quarantined');
  }, 120_000);
});
