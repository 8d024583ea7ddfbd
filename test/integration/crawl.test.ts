import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createS3Client } from '../../adapters/s3';
import { secretEnvName } from '../../adapters/secrets';
import type { CrawlSummary } from '../../crawl/run';
import type { SourceDefinition } from '../../crawl/source';
import { saveSource } from '../../db/sources';
import { addPrincipal, approveRequest, listNotifications, markGrantActive, requestAccess } from '../../db/governance';
import { createCrawlActivities } from '../../activities/crawl';
import { activityLogHour } from '../../infra/demo-lake';
import { backfillSource, crawlSource } from '../../workflows';
import type { CrawlInput } from '../../workflows/shared';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { testConfig, uniqueName } from './setup';

/** Counts GetObject calls through the S3 client the activities use. */
function countGets(deps: ActivityDeps): { gets: string[] } {
  const seen = { gets: [] as string[] };
  deps.s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') seen.gets.push((args.input as { Key: string }).Key);
      return next(args);
    },
    { step: 'initialize', name: 'countGets' },
  );
  return seen;
}

describe('crawling sources on the real stack', () => {
  const config = testConfig();
  const bucket = config.s3.demoBucket;
  const prefix = `${uniqueName('crawl')}/events/`;
  const sourceName = uniqueName('events').replace(/_/g, '-');
  const database = uniqueName('lake_crawl');
  const s3 = createS3Client(config.s3);
  let workers: CrawlWorkers;
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let taskQueue: string;
  let inferenceTaskQueue: string;
  let counter: { gets: string[] };

  /** The distinct objects GET read (an object profiled for samples is read twice: inference and its head). */
  function objectsRead(): string[] {
    return [...new Set(counter.gets)].sort();
  }

  async function put(key: string, body: string | Uint8Array) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + key, Body: body }));
  }

  async function crawl(name = sourceName): Promise<CrawlSummary> {
    counter.gets.length = 0;
    return env.client.workflow.execute(crawlSource, { taskQueue, workflowId: `crawl/${name}/${uniqueName('t')}`, args: [{ source: name, inferenceTaskQueue }] });
  }

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'crawl', (d) => (counter = countGets(d)));
    ({ env, deps, taskQueue, inferenceTaskQueue } = workers);
    const def: SourceDefinition = {
      name: sourceName,
      kind: 's3',
      location: { bucket, prefix },
      format: 'auto',
      layout: { kind: 'hive' },
      schedule: 'hourly',
      targetDatabase: database,
      targetTable: 'events',
      options: {},
      enabled: true,
    };
    await saveSource(deps.db, def);
    await put('date_id=2019-10-15/hour=20/part-0.json', activityLogHour('2019-10-15', 20));
    await put('date_id=2019-10-15/hour=20/_SUCCESS', '');
    await put('date_id=2019-10-15/hour=21/part-0.json.gz', gzipSync(activityLogHour('2019-10-15', 21)));
  });

  afterAll(async () => {
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
    s3.destroy();
  });

  it('first crawl reads every object, records a schema version, quarantines corrupt lines and publishes the table', async () => {
    const s = await crawl();
    expect(s.counts).toMatchObject({ added: 2, changed: 0, deleted: 0, files: 2 });
    expect(objectsRead()).toEqual([`${prefix}date_id=2019-10-15/hour=20/part-0.json`, `${prefix}date_id=2019-10-15/hour=21/part-0.json.gz`]);
    expect(s.merged).toMatchObject({ schemaVersion: 1, change: 'initial', partitions: 2, corruptRecords: 4 });
    expect(s.merged.records).toBe(80);
    expect(s.published).toMatchObject({ action: 'create', partitionsAdded: 2 });

    const t = await deps.metastore.getTable(database, 'events');
    const cols = Object.fromEntries(t.sd.cols.map((c) => [c.name, c.type]));
    expect(cols.props).toBe('struct<name:string,original_id:bigint,description:string>');
    expect(cols.duration).toBe('bigint');
    expect(t.parameters.recordCount).toBe('80');
    const quarantined = await deps.db('corrupt_records').join('sources', 'sources.id', 'corrupt_records.source_id').where('sources.name', sourceName);
    expect(quarantined).toHaveLength(4);
    expect(quarantined[0].file).toMatch(/^s3:\/\/.*part-0\.json(\.gz)?$/);
    expect(quarantined.map((q: { line: string }) => Number(q.line)).sort()).toEqual([14, 14, 8, 8]);

    const src = await deps.db('sources').where({ name: sourceName }).first('id');
    const samples = await deps.db('source_samples').where({ source_id: src.id }).first();
    expect(samples.rows).toHaveLength(20);
    expect(new Set(samples.rows.map((r: { partition: string }) => r.partition))).toEqual(new Set(['date_id=2019-10-15/hour=20/', 'date_id=2019-10-15/hour=21/']));
    expect(samples.rows[0].record.props.name).toMatch(/^item-/);
    // statistics are scanned over every record: a partition's profile keeps only the samples it can show
    const profiles = await deps.db('partition_profiles').where({ source_id: src.id });
    expect(profiles.map((p: { rows: unknown[] }) => p.rows.length)).toEqual([20, 20]);
    const stats = Object.fromEntries((await deps.db('column_stats').where({ source_id: src.id })).map((c: Record<string, string>) => [c.path, c]));
    expect(stats.service.null_fraction).toBe(0);
    expect(Number(stats.service.distinct_estimate)).toBe(3);
    expect(stats['props.description'].null_fraction).toBeCloseTo(0.5, 1); // only in hour 21
    expect(Number(stats.timestamp.min)).toBe(Date.parse('2019-10-15T20:00:00Z'));
    const volumes = await deps.db('partition_volumes').where({ source_id: src.id }).orderBy('path');
    expect(volumes.map((v: { path: string; records: string }) => [v.path, Number(v.records)])).toEqual([
      ['date_id=2019-10-15/hour=20/', 40],
      ['date_id=2019-10-15/hour=21/', 40],
    ]);
  });

  it('a second crawl with no change reads no object and keeps the schema version', async () => {
    const s = await crawl();
    expect(s.counts).toMatchObject({ added: 0, changed: 0, deleted: 0, files: 0 });
    expect(counter.gets).toEqual([]);
    expect(s.merged).toMatchObject({ schemaVersion: 1, change: 'none' });
    expect(s.published.action).toBe('alter'); // only lake.lastCrawl moved
  });

  it('a new hour is the only object read; its new field makes a new additive version', async () => {
    await put('date_id=2019-10-15/hour=22/part-0.json', activityLogHour('2019-10-15', 22));
    const s = await crawl();
    expect(s.counts).toMatchObject({ added: 1, files: 1 });
    expect(objectsRead()).toEqual([`${prefix}date_id=2019-10-15/hour=22/part-0.json`]);
    expect(s.merged.schemaVersion).toBe(2);
    expect(s.merged.change).toBe('additive'); // duration bigint -> double widens
    const t = await deps.metastore.getTable(database, 'events');
    expect(t.sd.cols.find((c) => c.name === 'duration')?.type).toBe('double');
    expect((await deps.metastore.getPartitionNames(database, 'events')).length).toBe(3);
  });

  it('detects a changed object and a deleted one; an emptied partition is dropped from the metastore', async () => {
    await put('date_id=2019-10-15/hour=20/part-0.json', activityLogHour('2019-10-15', 20, 10));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}date_id=2019-10-15/hour=21/part-0.json.gz` }));
    const s = await crawl();
    expect(s.counts).toMatchObject({ added: 0, changed: 1, deleted: 1 });
    expect(objectsRead()).toEqual([`${prefix}date_id=2019-10-15/hour=20/part-0.json`]);
    expect(s.published.partitionsDropped).toBe(1);
    expect((await deps.metastore.getPartitionNames(database, 'events')).sort()).toEqual(['date_id=2019-10-15/hour=20', 'date_id=2019-10-15/hour=22']);
    const p = await deps.db('source_partitions').join('sources', 'sources.id', 'source_partitions.source_id').where('sources.name', sourceName).orderBy('path');
    expect(p.map((r: { path: string; records: string }) => [r.path, Number(r.records)])).toEqual([
      ['date_id=2019-10-15/hour=20/', 10],
      ['date_id=2019-10-15/hour=22/', 40],
    ]);
  });

  it('a backfill re-reads the partitions of its range and leaves the manifest untouched', async () => {
    const before = await deps.db('source_objects').join('sources', 'sources.id', 'source_objects.source_id').where('sources.name', sourceName).orderBy('key').select('key', 'etag', 'run_id');
    counter.gets.length = 0;
    const s = await env.client.workflow.execute(backfillSource, {
      taskQueue,
      workflowId: `backfill/${sourceName}/${uniqueName('t')}`,
      args: [{ source: sourceName, from: '2019-10-15', to: '2019-10-15', inferenceTaskQueue }],
    });
    expect(s.kind).toBe('backfill');
    expect(objectsRead()).toHaveLength(2);
    const after = await deps.db('source_objects').join('sources', 'sources.id', 'source_objects.source_id').where('sources.name', sourceName).orderBy('key').select('key', 'etag', 'run_id');
    expect(after).toEqual(before);
  });

  it('a backfill of a yyyy/MM/dd/HH source reads the objects of its days and records their partitions', async () => {
    const name = uniqueName('hourly').replace(/_/g, '-');
    const hourlyPrefix = `${uniqueName('crawl')}/hourly/`;
    for (const [path, hour] of [['2019/10/14/23/', 23], ['2019/10/15/00/', 0], ['2019/10/15/20/', 20], ['2019/10/16/00/', 0]] as const) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${hourlyPrefix}${path}part-0.json`, Body: activityLogHour(path.slice(0, 10).replace(/\//g, '-'), hour) }));
    }
    const saved = await saveSource(deps.db, {
      name, kind: 's3', location: { bucket, prefix: hourlyPrefix }, format: 'auto', layout: { kind: 'date-path', pattern: 'yyyy/MM/dd/HH' },
      schedule: 'nightly', targetDatabase: database, targetTable: name.replace(/-/g, '_'), options: {}, enabled: false,
    });
    counter.gets.length = 0;
    const s = await env.client.workflow.execute(backfillSource, {
      taskQueue,
      workflowId: `backfill/${name}/${uniqueName('t')}`,
      args: [{ source: name, from: '2019-10-15', to: '2019-10-15', inferenceTaskQueue }],
    });
    expect(s.counts.files).toBe(2);
    expect(s.merged.records).toBeGreaterThan(0);
    expect(objectsRead()).toEqual([`${hourlyPrefix}2019/10/15/00/part-0.json`, `${hourlyPrefix}2019/10/15/20/part-0.json`]);
    const partitions = await deps.db('source_partitions').where({ source_id: saved.id }).orderBy('path');
    expect(partitions.map((p: { path: string; keys: string[]; values: string[] }) => [p.path, p.keys, p.values])).toEqual([
      ['2019/10/15/00/', ['date_id', 'hour'], ['2019-10-15', '00']],
      ['2019/10/15/20/', ['date_id', 'hour'], ['2019-10-15', '20']],
    ]);
  });

  it('refuses a malformed backfill range without retrying', async () => {
    const err = await env.client.workflow
      .execute(backfillSource, { taskQueue, workflowId: uniqueName('backfill/bad'), args: [{ source: sourceName, from: '2019-10-16', to: '2019-10-01' }] })
      .catch((e: unknown) => e);
    expect(String(((err as Error).cause as Error | undefined)?.message ?? err)).toMatch(/"from" \(2019-10-16\) is after "to" \(2019-10-01\)/);
  });

  it('refuses, without retrying, to merge a schema past the source\'s column limit, and merges nothing', async () => {
    const name = uniqueName('wide').replace(/_/g, '-');
    const widePrefix = `${uniqueName('crawl')}/wide/`;
    // ids as keys: every record brings new fields
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${widePrefix}date_id=2019-10-15/part-0.json`, Body: '{"user_1":1,"user_2":2}\n{"user_3":3,"props":{"user_4":4}}\n' }));
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket, prefix: widePrefix }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'nightly', targetDatabase: database, targetTable: name.replace(/-/g, '_'), options: { maxColumns: 4 }, enabled: false,
    });
    const err = await crawl(name).catch((e: unknown) => e);
    // workflow failed ← activity task failed ← the activity's own failure
    const causes: string[] = [];
    for (let e = err as Error | undefined; e; e = e.cause as Error | undefined) causes.push(e.message);
    const message = causes.join(' | ');
    expect(message).toMatch(new RegExp(`${name}: this crawl would give the schema 5 fields \\(nested ones included\\), past the limit of 4 per source`));
    const src = await deps.db('sources').where({ name }).first('id');
    expect(await deps.db('schema_versions').where({ source_id: src.id })).toEqual([]);
    expect(await deps.db('crawl_runs').where({ source_id: src.id }).first('status')).toEqual({ status: 'failed' });
  });

  it('reads only the new rows of a PostgreSQL table source', async () => {
    const table = uniqueName('signups');
    await deps.db.raw(`create table public.${table} (id bigint primary key, email text, plan text)`);
    await deps.db(table).insert([1, 2, 3].map((id) => ({ id, email: `u${id}@x`, plan: 'free' })));
    process.env[secretEnvName('test-db')] = config.postgres.url;
    const name = uniqueName('pg').replace(/_/g, '-');
    await saveSource(deps.db, {
      name, kind: 'postgres', location: { secretRef: 'test-db', schema: 'public', table, cursorColumn: 'id' },
      schedule: 'nightly', targetDatabase: database, targetTable: table, options: {}, enabled: true,
    });
    const first = await crawl(name);
    expect(first.counts.added).toBe(3);
    expect(first.merged).toMatchObject({ schemaVersion: 1, records: 3 });
    await deps.db(table).insert([4, 5].map((id) => ({ id, email: `u${id}@x`, plan: 'pro' })));
    const second = await crawl(name);
    expect(second.counts.added).toBe(2);
    expect(second.merged.records).toBe(2);
    const cursor = await deps.db('source_cursors').join('sources', 'sources.id', 'source_cursors.source_id').where('sources.name', name).first('value');
    expect(cursor.value).toBe('5');
    // statistics over every row either crawl read, merged
    const stats = Object.fromEntries((await deps.db('column_stats').join('sources', 'sources.id', 'column_stats.source_id').where('sources.name', name)).map((c: Record<string, string>) => [c.path, c]));
    expect(stats.id).toMatchObject({ min: '1', max: '5', basis_records: '5', null_fraction: 0 });
    expect(Number(stats.plan.distinct_estimate)).toBe(2);
  });

  it('tells the holders of a source once it failed three crawls in a row', async () => {
    const src = await deps.db('sources').where({ name: sourceName }).first('id');
    const holder = uniqueName('holder');
    await addPrincipal(deps.db, { name: holder, kind: 'user' }, 'test');
    const r = await requestAccess(deps.db, { principal: { name: holder, kind: 'user' }, source: sourceName, level: 'A-1', days: 1, reason: 'test', requestedBy: holder });
    await markGrantActive(deps.db, (await approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'admin' })).id);
    const activities = createCrawlActivities(deps);
    const failing = async () => {
      const [run] = await deps.db('crawl_runs').insert({ source_id: src.id, workflow_id: 'crawl/x', workflow_run_id: uniqueName('run') }).returning('id');
      await activities.failCrawl({ runId: run.id, error: 'S3 unreachable' });
    };
    const notices = async () => (await listNotifications(deps.db, { sourceId: src.id, kind: 'source-failing' })).length;
    await failing();
    await failing();
    expect(await notices()).toBe(0);
    await failing();
    expect(await notices()).toBe(1);
    await failing(); // the same failing streak: told once
    expect(await notices()).toBe(1);
  });

  it('keeps credentials, object keys and record values out of the workflow history', async () => {
    const wfId = `crawl/${sourceName}/${uniqueName('t')}`;
    // the input under its former key, as schedules created before the rename still send it
    const legacyInput = { sourceId: sourceName, full: true, inferenceTaskQueue } as unknown as CrawlInput;
    await env.client.workflow.execute(crawlSource, { taskQueue, workflowId: wfId, args: [legacyInput] });
    // the whole history, every payload's bytes decoded to text
    const history = await env.client.workflow.getHandle(wfId).fetchHistory();
    const decoded: string[] = [];
    const walk = (v: unknown): void => {
      if (v instanceof Uint8Array) decoded.push(Buffer.from(v).toString('utf8'));
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      else if (typeof v === 'string') decoded.push(v);
    };
    walk(history);
    const text = decoded.join('\n');
    expect(history.events?.length).toBeGreaterThan(10);
    expect(text).toContain(sourceName); // it does say which source
    for (const secret of [config.s3.secretAccessKey, 'lake:lake@', 'item-', 'added later', 'part-0.json', prefix]) {
      expect(text).not.toContain(secret);
    }
  });

  it('keeps four batches in flight: a batch starts as soon as one ends, not when a wave of four has', async () => {
    const name = `${sourceName}-window`;
    const windowPrefix = `${prefix.replace(/events\/$/, '')}window/`;
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket, prefix: windowPrefix }, format: 'jsonl', layout: { kind: 'hive' }, schedule: 'hourly',
      targetDatabase: database, targetTable: 'window', options: { batchObjects: 1 }, enabled: true,
    });
    // batch 0 is one large object (listed first), batches 1-8 a line each
    const line = (i: number) => JSON.stringify({ id: i, name: `n${i}`, props: { a: i, b: 'x'.repeat(40) } });
    const big = Array.from({ length: 200_000 }, (_, i) => line(i)).join('\n') + '\n';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${windowPrefix}date_id=2019-10-15/part-0.json`, Body: big }));
    for (let i = 1; i <= 8; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${windowPrefix}date_id=2019-10-15/part-${i}.json`, Body: line(i) + '\n' }));
    const wfId = `crawl/${name}/${uniqueName('t')}`;
    const summary = await env.client.workflow.execute(crawlSource, { taskQueue, workflowId: wfId, args: [{ source: name, inferenceTaskQueue }] });
    expect(summary.merged.records).toBe(200_008);
    const events = (await env.client.workflow.getHandle(wfId).fetchHistory()).events!;
    // Whenever the workflow acts on finished batches, it starts as many as have ended (up to four in
    // flight); waves would leave slots empty until their slowest batch ends. Checked at each workflow task
    // start: the previous task must have refilled the window it found.
    const total = 9;
    let started = 0;
    let ended = 0;
    let endedWhenActing = -1;
    for (const e of events) {
      if (e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        if (started > 0 && endedWhenActing >= 0) expect(started).toBe(Math.min(total, endedWhenActing + 4));
        endedWhenActing = ended;
      }
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'inferBatch') started++;
      if (e.activityTaskCompletedEventAttributes && events.find((s) => String(s.eventId) === String(e.activityTaskCompletedEventAttributes!.scheduledEventId))?.activityTaskScheduledEventAttributes?.activityType?.name === 'inferBatch') ended++;
    }
    expect([started, ended]).toEqual([total, total]);
  }, 120_000);
});
