// Kafka topics as sources, crawled by the real workflows on the stack's broker: 100,000 messages over three
// partitions (keys in any order, optional fields that come and go, corrupt and binary messages), then
// 10,000 more with a drifted field: only the new ones are read, the schema versions, volumes count every
// message once, corrupt ones are quarantined at their partition and offset. A topic whose retention ages out
// messages the catalog had not read reports the gap and moves on.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createTopic, deleteTopic, kafkaEndpoint, produce, topicOffsets, type ProducedMessage } from '../../adapters/kafka';
import type { CrawlSummary } from '../../crawl/run';
import type { SourceDefinition } from '../../crawl/source';
import { latestSchema } from '../../db/schema-versions';
import { addPrincipal } from '../../db/governance';
import { addOwner } from '../../db/owners';
import { slicesOfStream } from '../../db/slices';
import { buildServer } from '../../web/server';
import { saveSource } from '../../db/sources';
import { backfillSource, crawlSource } from '../../workflows';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { testConfig, uniqueName, waitFor } from './setup';

const config = testConfig();
const kafka = kafkaEndpoint(config.kafka.bootstrap, 'lake-catalog-test');
const run = uniqueName('lake-src').replace(/_/g, '-');
const created: string[] = [];
const HOUR = 3_600_000;

async function newTopic(suffix: string, partitions: number, topicConfig?: Record<string, string>): Promise<string> {
  const topic = `${run}.${suffix}`;
  created.push(topic);
  await createTopic(kafka, topic, { partitions, ...(topicConfig ? { config: topicConfig } : {}) });
  return topic;
}

/** An event of a mixed stream: three kinds, fields in any order, optional ones that come and go. */
function event(i: number, t0: number, drifted = false): ProducedMessage {
  const kinds = ['purchase', 'view', 'signup'] as const;
  const kind = kinds[i % 3]!;
  const fields: [string, unknown][] = [
    ['event', kind],
    ['user_id', i % 997],
    ['ts', new Date(t0 + i).toISOString()],
  ];
  if (kind === 'purchase') fields.push(['amount', drifted ? `${(i % 50) + 0.5} EUR` : (i % 50) + 0.5], ['items', [{ sku: `s${i % 13}`, qty: 1 + (i % 3) }]]);
  if (kind === 'view' && i % 4 === 0) fields.push(['page', `/p/${i % 31}`]);
  if (i % 7 === 0) fields.push(['props', { ref: i % 2 ? 'ad' : null, '<script>': 'x' }]);
  if (drifted) fields.push(['session_id', `sess-${i % 101}`]);
  // keys in any order
  for (let k = fields.length - 1; k > 0; k--) {
    const j = (i * 31 + k * 17) % (k + 1);
    [fields[k], fields[j]] = [fields[j]!, fields[k]!];
  }
  return {
    partition: i % 3,
    key: `user-${i % 997}`,
    value: JSON.stringify(Object.fromEntries(fields)),
    headers: { source: 'app', ...(i % 5 === 0 ? { trace: `t${i}` } : {}) },
    timestamp: t0 + Math.floor((i / 100_000) * 3 * HOUR), // three hours of traffic
  };
}

describe('Kafka topics as sources', () => {
  let workers: CrawlWorkers;
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  let topic: string;
  const name = `${run}-events`;
  const t0 = Date.now() - 4 * HOUR;
  // where the corrupt messages are: [partition, offset]
  const corrupt: [number, number][] = [];

  const crawl = (source: string): Promise<CrawlSummary> =>
    env.client.workflow.execute(crawlSource, { taskQueue: workers.taskQueue, workflowId: `crawl/${source}/${uniqueName('t')}`, args: [{ source, inferenceTaskQueue: workers.inferenceTaskQueue }] });
  const def = (source: string, t: string, options: SourceDefinition['options'] = {}): SourceDefinition => ({
    name: source, kind: 'kafka', location: { topic: t }, schedule: 'hourly', targetDatabase: 'lake', targetTable: source.replace(/[^a-z0-9]/g, '_'), options, enabled: true,
  });

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'kafka');
    ({ env, deps } = workers);
    topic = await newTopic('events', 3);
    const messages: ProducedMessage[] = [];
    for (let i = 0; i < 100_000; i++) {
      const m = event(i, t0);
      // corrupt messages: not JSON, cut short, binary bytes
      if (i % 10_007 === 5) m.value = i % 2 ? 'not json {' : '{"event":"purchase","amount":';
      if (i === 50_001) m.value = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x7b]);
      messages.push(m);
    }
    await produce(kafka, topic, messages, { compression: 'lz4' });
    // each partition gets every third message, in order: message i is at offset floor(i / 3) of partition i % 3
    messages.forEach((m, i) => {
      if (typeof m.value !== 'string' || m.value.startsWith('not') || m.value.endsWith(':')) corrupt.push([i % 3, Math.floor(i / 3)]);
    });
    await saveSource(deps.db, def(name, topic, { discriminators: ['event'] }));
  }, 120_000);

  afterAll(async () => {
    await workers?.stop();
    for (const t of created) await deleteTopic(kafka, t).catch(() => undefined);
  });

  it('crawls 100,000 messages over three partitions: schema, volumes by hour, quarantine at offsets, logical sources', async () => {
    const s = await crawl(name);
    expect(s.counts).toMatchObject({ added: 100_000, files: 3 }); // one range per partition (at most 50,000 each)
    expect(s.merged.records + s.merged.corruptRecords).toBe(100_000);
    expect(s.merged.corruptRecords).toBe(corrupt.length);
    expect(s.merged.change).toBe('initial');
    expect(s.merged.agedOut).toBeUndefined();

    const source = await deps.db('sources').where({ name }).first('id');
    const offsets = await deps.db('kafka_offsets').where({ source_id: source.id }).orderBy('partition').select('partition', 'next_offset');
    const ends = await topicOffsets(kafka, topic);
    expect(offsets.map((o: { next_offset: string }) => o.next_offset)).toEqual(ends.map((e) => e.highWatermark));

    const schema = (await latestSchema(deps.db, source.id))!.schema;
    const columns = Object.fromEntries(schema.columns.map((c) => [c.name, c.type.kind]));
    expect(columns).toMatchObject({ kafka_key: 'string', kafka_timestamp: 'bigint', kafka_partition: 'bigint', kafka_offset: 'bigint', event: 'string', user_id: 'bigint', amount: 'double', items: 'array', props: 'struct' });
    expect(schema.columns.find((c) => c.name === 'kafka_headers')!.type).toMatchObject({ kind: 'struct' });

    // volumes: every message once, by its timestamp's hour
    const volumes = await deps.db('source_partitions').where({ source_id: source.id }).select('path', 'records', 'corrupt_records');
    expect(volumes.reduce((n: number, v: { records: string }) => n + Number(v.records), 0)).toBe(100_000 - corrupt.length);
    expect(volumes.reduce((n: number, v: { corrupt_records: string }) => n + Number(v.corrupt_records), 0)).toBe(corrupt.length);
    expect(volumes.every((v: { path: string }) => /^date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/$/.test(v.path))).toBe(true);
    expect(volumes.length).toBeGreaterThanOrEqual(3);

    // the quarantine names the topic's partition and the offset of each corrupt message
    const quarantined = await deps.db('corrupt_records').where({ run_id: s.runId }).whereIn('source_id', [source.id]).select('file', 'line', 'reason');
    expect(quarantined.map((q: { file: string; line: string }) => `${q.file}@${q.line}`).sort()).toEqual(corrupt.map(([p, o]) => `kafka://${topic}/${p}@${o}`).sort());

    // samples and statistics, as for any source: statistics over every record, samples from the head
    const stats = Object.fromEntries((await deps.db('column_stats').where({ source_id: source.id }).select('path', 'min', 'max', 'basis_records', 'distinct_estimate', 'null_fraction')).map((r: { path: string }) => [r.path, r]));
    expect(stats.kafka_partition).toMatchObject({ min: '0', max: '2', basis_records: String(100_000 - corrupt.length) });
    expect(stats.event).toMatchObject({ distinct_estimate: '3', null_fraction: 0 });
    const samples = (await deps.db('source_samples').where({ source_id: source.id }).first('rows')).rows as { record: Record<string, unknown> }[];
    expect(samples.length).toBeGreaterThan(0);
    expect(samples[0]!.record).toMatchObject({ kafka_key: expect.stringMatching(/^user-\d+$/), kafka_headers: { source: 'app' } });

    // logical sources by event, as for an S3 stream; the corrupt messages count for the remainder (null)
    const slices = await slicesOfStream(deps.db, source.id);
    expect(slices.map((x) => JSON.stringify(x.location.values)).sort()).toEqual(['["purchase"]', '["signup"]', '["view"]', 'null']);
    expect(s.merged.slices).toMatchObject({ new: 4, seen: 4 });
  }, 300_000);

  it('reads only the new messages, and versions a drifted schema', async () => {
    const more: ProducedMessage[] = Array.from({ length: 10_000 }, (_, k) => event(100_000 + k, t0 - 3 * HOUR, true)); // the hour after the first 100,000
    await produce(kafka, topic, more, { compression: 'zstd' });
    const s = await crawl(name);
    expect(s.counts.added).toBe(10_000);
    expect(s.merged.records).toBe(10_000);
    expect(s.merged.schemaVersion).toBe(2);
    expect(s.merged.change).toBe('breaking'); // amount: double, then strings
    const source = await deps.db('sources').where({ name }).first('id');
    const schema = (await latestSchema(deps.db, source.id))!.schema;
    expect(schema.columns.map((c) => c.name)).toContain('session_id');
    const volumes = await deps.db('source_partitions').where({ source_id: source.id }).select('records', 'corrupt_records');
    expect(volumes.reduce((n: number, v: { records: string; corrupt_records: string }) => n + Number(v.records) + Number(v.corrupt_records), 0)).toBe(110_000);
    // nothing new: nothing read
    const again = await crawl(name);
    expect(again.counts.added).toBe(0);
    expect(again.merged.change).toBe('none');
  }, 300_000);

  it('backfills an offset range for its schema, leaving offsets and volumes', async () => {
    const source = await deps.db('sources').where({ name }).first('id');
    const before = await deps.db('kafka_offsets').where({ source_id: source.id }).orderBy('partition').select('next_offset');
    const s = await env.client.workflow.execute(backfillSource, {
      taskQueue: workers.taskQueue, workflowId: `backfill/${name}/${uniqueName('t')}`, args: [{ source: name, from: '100', to: '199', inferenceTaskQueue: workers.inferenceTaskQueue }],
    });
    expect(s.counts.added).toBe(300); // offsets 100..199 of each of three partitions
    expect(await deps.db('kafka_offsets').where({ source_id: source.id }).orderBy('partition').select('next_offset')).toEqual(before);
  }, 300_000);

  it('is backfilled from the web by offsets, by its owner; an S3 source only by dates', async () => {
    const owner = uniqueName('kowner');
    await addPrincipal(deps.db, { name: owner, kind: 'user' }, 'tester');
    await addOwner(deps.db, { source: name, principal: owner, by: 'tester' });
    const lake = `${run}-lake`;
    await saveSource(deps.db, { name: lake, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: `${run}/lake/` }, format: 'jsonl', layout: { kind: 'hive' }, schedule: 'hourly', targetDatabase: 'lake', targetTable: 'kafka_web_lake', options: {}, enabled: true });
    await addOwner(deps.db, { source: lake, principal: owner, by: 'tester' });
    const web = await buildServer({
      db: deps.db,
      config: { ...config, temporal: { ...config.temporal, taskQueue: workers.taskQueue, inferenceTaskQueue: workers.inferenceTaskQueue }, web: { ...config.web, identityHeader: 'x-sso-user', devSignIn: false } },
      temporal: async () => env.client,
    });
    try {
      const page = await web.inject({ method: 'GET', url: `/sources/${name}`, headers: { 'x-sso-user': owner } });
      expect(page.body).toContain('placeholder="offset, date or time"');
      const headers = { 'x-sso-user': owner, cookie: String(page.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': /x-csrf-token&quot;:&quot;([^&]+)&quot;/.exec(page.body)![1]! };
      const started = await web.inject({ method: 'POST', url: `/api/sources/${name}/backfill`, headers, payload: { from: '0', to: '9' } });
      expect(started.statusCode).toBe(200);
      const summary = (await env.client.workflow.getHandle(started.json().workflowId).result()) as CrawlSummary;
      expect(summary.counts.added).toBe(30); // offsets 0..9 of three partitions
      const backwards = await web.inject({ method: 'POST', url: `/api/sources/${name}/backfill`, headers, payload: { from: '9', to: '0' } });
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json().error).toMatch(/is after/);
      const byOffset = await web.inject({ method: 'POST', url: `/api/sources/${lake}/backfill`, headers, payload: { from: '0', to: '9' } });
      expect(byOffset.statusCode).toBe(400);
      expect(byOffset.json().error).toMatch(/backfilled by dates/);
    } finally {
      await web.close();
    }
  }, 300_000);

  it('reports messages that aged out before the catalog read them, then reads on', async () => {
    // segments of 1 MiB (the smallest Kafka takes), at most ~1 MiB kept: older segments go within seconds
    const small = await newTopic('retention', 1, { 'segment.bytes': '1048576', 'retention.bytes': '1048576' });
    const source = `${run}-retention`;
    await saveSource(deps.db, def(source, small));
    const pad = 'x'.repeat(900);
    const batch = (from: number, n: number): ProducedMessage[] => Array.from({ length: n }, (_, k) => ({ partition: 0, value: JSON.stringify({ n: from + k, pad }), timestamp: Date.now() }));
    await produce(kafka, small, batch(0, 100));
    const first = await crawl(source);
    expect(first.merged.records).toBe(100);
    // 4 MB more: the segments holding offsets 100.. age out before the next crawl reads them
    await produce(kafka, small, batch(100, 4000));
    await waitFor('retention to pass the committed offset', async () => BigInt((await topicOffsets(kafka, small))[0]!.logStart) > 100n, 60_000);
    const [{ logStart, highWatermark }] = await topicOffsets(kafka, small);
    const s = await crawl(source);
    expect(s.merged.agedOut).toBeGreaterThanOrEqual(Number(logStart) - 100);
    expect(s.merged.records + (s.merged.agedOut ?? 0)).toBe(Number(highWatermark) - 100);
    expect(s.counts.added).toBeLessThanOrEqual(Number(highWatermark) - Number(logStart));
  }, 300_000);
});
