// The demo lake `npm start` crawls: a service's activity log in Hive partitions (date_id/hour), whose
// fields appear and disappear between hours, with a nested `props` object, gzip for some hours and a few
// corrupt lines; the Kafka topic the same service sends its events to; a raw event stream mixing kinds of
// records, split into logical sources; a Parquet source; a CSV source; and a PostgreSQL table.
// Deterministic (seeded), and idempotent: writing it twice puts the same objects, and the topic is filled
// only while it holds no message.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import type { Knex } from 'knex';
import { createTopic, produce, topicOffsets, type KafkaEndpoint, type ProducedMessage } from '../adapters/kafka';
import type { SourceDefinition } from '../crawl/source';

export const DEMO_PREFIX = 'demo';

/** A small PRNG (mulberry32) so the demo lake, and the tests' messy lake, are the same every time. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = ['music', 'mv', 'shop'];
const LABELS = ['add_track_listen', 'request_navv', 'purchase'];

/**
 * One event of the service whose activity log the demo lake holds. Its fields drift with the hour, so
 * each crawl of a new hour can widen the schema: `props.description` appears from hour 21, `split`
 * disappears from hour 22, `duration` widens from an integer to a double at 22, and from hour 23, an hour
 * the lake never gets but the service's Kafka topic carries, events have a `session_id`.
 */
function activityEvent(rand: () => number, e: { id: string; timestamp: number; hour: number; tags?: string[] }): Record<string, unknown> {
  const event: Record<string, unknown> = {
    id: e.id,
    timestamp: e.timestamp,
    service: SERVICES[Math.floor(rand() * SERVICES.length)],
    label: LABELS[Math.floor(rand() * LABELS.length)],
    source: 'identified',
    elem: 'edge',
    operation: rand() < 0.8 ? 'insert' : 'delete',
    from: { id: Math.floor(rand() * 1e6), id_type: 'user' },
    to: { id: Math.floor(rand() * 1e6), id_type: 'track' },
    props: { name: `item-${Math.floor(rand() * 100)}`, original_id: Math.floor(rand() * 1e9) },
  };
  if (e.hour >= 21) (event.props as Record<string, unknown>).description = 'added later';
  if (e.hour < 22) event.split = rand() < 0.5 ? 'a' : 'b';
  event.duration = e.hour >= 22 ? rand() * 300 : Math.floor(rand() * 300);
  if (e.tags) event.tags = e.tags;
  if (e.hour >= 23) event.session_id = `s-${Math.floor(rand() * 1e6).toString(36)}`;
  return event;
}

/** One hour of the activity log: fields drift with the hour (`activityEvent`). */
export function activityLogHour(dateId: string, hour: number, count = 40): string {
  const rand = rng(Number(dateId.replace(/-/g, '')) * 100 + hour);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const timestamp = Date.parse(`${dateId}T${String(hour).padStart(2, '0')}:00:00Z`) + i * 1000;
    lines.push(JSON.stringify(activityEvent(rand, { id: `${dateId}-${hour}-${i}`, timestamp, hour, ...(i % 5 === 0 ? { tags: ['demo', `h${hour}`] } : {}) })));
  }
  // two corrupt lines per hour: a truncated record and a bare value
  lines.splice(7, 0, CORRUPT_EVENT);
  lines.splice(13, 0, '42');
  return lines.join('\n') + '\n';
}

const CORRUPT_EVENT = '{"id": "broken", "timestamp": 15';

// --- the service's Kafka topic -------------------------------------------------------------------------

/** The demo's topic, named after the demo bucket: a catalog with a demo bucket of its own (LAKE_DEMO_BUCKET)
 *  gets a topic of its own on a shared broker. */
export function demoTopic(bucket: string): string {
  return `${bucket}.activity`;
}

export const DEMO_TOPIC_PARTITIONS = 3;
/** Hours of events the topic gets, ending now: the broker deletes messages older than its retention (7 days) at once. */
export const DEMO_TOPIC_HOURS = 3;

/**
 * What the activity log's service sends to Kafka before its events land in the lake: the same events,
 * one hour of drift ahead (a `session_id` the lake has not seen yet), over the `DEMO_TOPIC_HOURS` hours
 * before `now`. Keyed by the acting user, on that user's partition as a keyed producer places it, with a
 * content type and the service's name in headers (a trace id on some); one truncated message per hour,
 * as the lake's own corrupt lines. Deterministic for one `now`.
 */
export function activityTopicMessages(now: number, perHour = 100): ProducedMessage[] {
  const rand = rng(20191015);
  const messages: ProducedMessage[] = [];
  const hourMs = 3_600_000;
  const start = now - DEMO_TOPIC_HOURS * hourMs;
  const total = DEMO_TOPIC_HOURS * perHour;
  for (let i = 0; i < total; i++) {
    const timestamp = Math.floor(start + (i * DEMO_TOPIC_HOURS * hourMs) / total);
    const event = activityEvent(rand, { id: `k-${timestamp}-${i}`, timestamp, hour: DEMO_HOURS[DEMO_HOURS.length - 1]! + 1, ...(i % 5 === 0 ? { tags: ['demo', 'kafka'] } : {}) });
    const user = (event.from as { id: number }).id;
    const corrupt = i % perHour === 7;
    messages.push({
      partition: user % DEMO_TOPIC_PARTITIONS,
      key: `user-${user}`,
      value: corrupt ? CORRUPT_EVENT : JSON.stringify(event),
      headers: { 'content-type': 'application/json', producer: 'activity-service', ...(i % 4 === 0 ? { 'trace-id': `t-${i.toString(16)}` } : {}) },
      timestamp,
    });
  }
  return messages;
}

/** Creates the demo's topic and fills it when it holds no message (new, or emptied by retention), so a
 *  second `npm start` never doubles its messages. Returns what it produced and what the topic holds. */
export async function writeDemoTopic(endpoint: KafkaEndpoint, topic: string, now = Date.now()): Promise<{ produced: number; held: number }> {
  await createTopic(endpoint, topic, { partitions: DEMO_TOPIC_PARTITIONS });
  const held = (await topicOffsets(endpoint, topic)).reduce((n, p) => n + Number(BigInt(p.highWatermark) - BigInt(p.logStart)), 0);
  if (held > 0) return { produced: 0, held };
  const messages = activityTopicMessages(now);
  await produce(endpoint, topic, messages, { compression: 'lz4' });
  return { produced: messages.length, held: messages.length };
}

/** The mixed event stream's kinds: every service logs every label, and each label has its own `props`. */
export const STREAM_SERVICES = ['music', 'mv', 'shop', 'map', 'taxi'];
export const STREAM_LABELS = ['add_track_listen', 'request_navv', 'purchase'];

function streamProps(label: string, rand: () => number, priceAsText: boolean): Record<string, unknown> {
  switch (label) {
    case 'add_track_listen':
      return { track_id: Math.floor(rand() * 1e6), duration_ms: Math.floor(rand() * 300_000), quality: rand() < 0.5 ? 'hq' : 'lq' };
    case 'request_navv':
      return { query: `q${Math.floor(rand() * 1000)}`, results: Math.floor(rand() * 50), exact: rand() < 0.3 };
    default: {
      const price = Math.round(rand() * 10_000) / 100;
      return { item_id: `item-${Math.floor(rand() * 500)}`, price: priceAsText ? price.toFixed(2) : price, currency: 'KRW' };
    }
  }
}

/**
 * One hour of a raw event stream that mixes kinds of records, as one log pipeline writes them: every
 * record has `source, service, label, elem`; `props` depends on the label. Each service x label appears
 * `count / 15` times or so; every 31st record has no `label` (it belongs to no logical source).
 * `services` adds services (a new kind appearing); `priceAsText` has the shop's purchases write their
 * price as text (a type change in one slice only).
 */
export function eventStreamHour(dateId: string, hour: number, opts: { count?: number; services?: string[]; priceAsText?: string[] } = {}): string {
  const rand = rng(Number(dateId.replace(/-/g, '')) * 100 + hour + 7);
  const services = [...STREAM_SERVICES, ...(opts.services ?? [])];
  const combos = services.flatMap((service) => STREAM_LABELS.map((label) => ({ service, label })));
  const count = opts.count ?? combos.length * 6;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const { service, label } = combos[i % combos.length];
    const event: Record<string, unknown> = {
      source: 'identified',
      service,
      label,
      elem: 'edge',
      operation: rand() < 0.8 ? 'add' : 'remove',
      from: `u${Math.floor(rand() * 1e6)}`,
      to: `t${Math.floor(rand() * 1e6)}`,
      id_type: 'uuid',
      timestamp: Date.parse(`${dateId}T${String(hour).padStart(2, '0')}:00:00Z`) + i * 1000,
      props: streamProps(label, rand, (opts.priceAsText ?? []).includes(service)),
    };
    if (i % 31 === 30) delete event.label;
    lines.push(JSON.stringify(event));
  }
  return lines.join('\n') + '\n';
}

export function purchasesCsv(dateId: string): string {
  const rand = rng(Number(dateId.replace(/-/g, '')));
  const rows = ['order_id,user_id,amount,currency,paid'];
  for (let i = 0; i < 25; i++) {
    rows.push([`${dateId}-${i}`, Math.floor(rand() * 1000), (rand() * 100).toFixed(2), i % 7 === 0 ? '"US ""dollar"""' : 'EUR', rand() < 0.9].join(','));
  }
  return rows.join('\n') + '\n';
}

export async function tracksParquet(dateId: string): Promise<Uint8Array> {
  const { Table, writeParquet, WriterPropertiesBuilder } = await import('parquet-wasm');
  const rand = rng(Number(dateId.replace(/-/g, '')) + 7);
  const n = 30;
  const table = arrow.tableFromArrays({
    track_id: Int32Array.from({ length: n }, (_, i) => i),
    plays: BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rand() * 1e6))),
    score: Float64Array.from({ length: n }, () => rand()),
    title: Array.from({ length: n }, (_, i) => `track ${i}`),
  });
  const wasmTable = Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  return writeParquet(wasmTable, new WriterPropertiesBuilder().build());
}

export const DEMO_DATES = ['2019-10-15'];
export const DEMO_HOURS = [20, 21, 22];
/** The sources whose fields drift between hours: the demo writes them hour by hour, crawling each. */
export const DRIFTING_SOURCES = ['activity-log', 'events'];

interface DemoObject {
  key: string;
  body: Uint8Array | string;
}

/** One hour of the drifting sources, on every demo date. */
function hourObjects(hour: number): DemoObject[] {
  const puts: DemoObject[] = [];
  for (const dateId of DEMO_DATES) {
    const body = activityLogHour(dateId, hour);
    const dir = `${DEMO_PREFIX}/activity_log/date_id=${dateId}/hour=${hour}/`;
    // gzip for the later hours, as a real pipeline switched to it
    puts.push(hour >= 21 ? { key: `${dir}part-0000.json.gz`, body: gzipSync(body) } : { key: `${dir}part-0000.json`, body });
    // from hour 21 a sixth service logs too; from hour 22 the shop writes its prices as text
    const events = eventStreamHour(dateId, hour, { services: hour >= 21 ? ['webtoon'] : [], priceAsText: hour >= 22 ? ['shop'] : [] });
    puts.push({ key: `${DEMO_PREFIX}/events/date_id=${dateId}/hour=${hour}/part-0000.json.gz`, body: gzipSync(events) });
  }
  return puts;
}

/** The sources that do not drift: the CSV and the Parquet one. */
async function steadyObjects(): Promise<DemoObject[]> {
  const puts: DemoObject[] = [];
  for (const dateId of DEMO_DATES) {
    puts.push({ key: `${DEMO_PREFIX}/purchases/date_id=${dateId}/purchases.csv`, body: purchasesCsv(dateId) });
    puts.push({ key: `${DEMO_PREFIX}/tracks/date_id=${dateId}/tracks.parquet`, body: await tracksParquet(dateId) });
  }
  return puts;
}

async function putAll(s3: S3Client, bucket: string, puts: DemoObject[]): Promise<number> {
  for (const p of puts) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: p.key, Body: p.body }));
  return puts.length;
}

/** Writes one hour of the drifting sources (`hour` of DEMO_HOURS); the same bytes every time. */
export function writeDemoHour(s3: S3Client, bucket: string, hour: number): Promise<number> {
  return putAll(s3, bucket, hourObjects(hour));
}

/** Writes the sources that do not drift by the hour. */
export async function writeSteadyDemo(s3: S3Client, bucket: string): Promise<number> {
  return putAll(s3, bucket, await steadyObjects());
}

export const DEMO_SECRET = 'demo-db';

/** The demo's database table: signups, read incrementally by id. */
export async function writeDemoTable(db: Knex): Promise<void> {
  await db.raw('create schema if not exists demo');
  await db.raw(`create table if not exists demo.signups (
    id bigint primary key, email text not null, plan text, created_at timestamptz not null default now(), referrer jsonb)`);
  const rows = Array.from({ length: 20 }, (_, i) => ({
    id: i + 1,
    email: `user${i + 1}@example.com`,
    plan: i % 3 === 0 ? 'pro' : 'free',
    created_at: new Date(Date.UTC(2019, 9, 15, 20, i)).toISOString(),
    referrer: JSON.stringify(i % 4 === 0 ? { campaign: 'autumn' } : null),
  }));
  await db('demo.signups').insert(rows).onConflict('id').ignore();
}

export function demoSources(bucket: string): SourceDefinition[] {
  const common = { schedule: 'hourly', targetDatabase: 'demo', enabled: true };
  return [
    {
      ...common,
      name: 'activity-log',
      kind: 's3',
      location: { bucket, prefix: `${DEMO_PREFIX}/activity_log/` },
      format: 'auto',
      layout: { kind: 'hive' },
      targetTable: 'activity_log',
      options: {},
    },
    {
      ...common,
      name: 'events',
      kind: 's3',
      location: { bucket, prefix: `${DEMO_PREFIX}/events/` },
      format: 'auto',
      layout: { kind: 'hive' },
      targetTable: 'events',
      // one raw stream, split into a logical source per source/service/label/elem, `props` flattened
      options: { discriminators: ['source', 'service', 'label', 'elem'], flatten: ['props'] },
    },
    {
      ...common,
      name: 'activity-topic',
      kind: 'kafka',
      // the activity log's events before they land in S3: a schema change shows at the topic first
      location: { topic: demoTopic(bucket), landsIn: 'activity-log' },
      targetTable: 'activity_topic',
      options: { discriminators: ['label'] },
    },
    { ...common, name: 'purchases', kind: 's3', location: { bucket, prefix: `${DEMO_PREFIX}/purchases/` }, format: 'csv', layout: { kind: 'hive' }, targetTable: 'purchases', options: {} },
    { ...common, name: 'tracks', kind: 's3', location: { bucket, prefix: `${DEMO_PREFIX}/tracks/` }, format: 'parquet', layout: { kind: 'hive' }, targetTable: 'tracks', options: {} },
    {
      ...common,
      name: 'signups',
      kind: 'postgres',
      location: { secretRef: DEMO_SECRET, schema: 'demo', table: 'signups', cursorColumn: 'id' },
      targetTable: 'signups',
      options: {},
    },
  ];
}
