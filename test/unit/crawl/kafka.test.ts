// The pure rules of reading a topic (crawl/kafka.ts): what a crawl reads against committed offsets, with
// retention gaps; how a message becomes a record with its metadata columns; which hour it counts in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hourOf, parseTopicBound, planTopicBackfill, planTopicRead, recordLine, type MessageParts } from '../../../crawl/kafka';
import { validateSourceDefinition, whereIs, type SourceDefinition } from '../../../crawl/source';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const message = (value: string | Uint8Array, extra: Partial<MessageParts> = {}): MessageParts => ({
  partition: 2, offset: '41', timestamp: Date.UTC(2026, 11, 5, 16, 30), key: enc('user-7'), headers: [['trace', enc('abc')]],
  value: typeof value === 'string' ? enc(value) : value, ...extra,
});

describe('what a crawl of a topic reads', () => {
  const partitions = [
    { partition: 1, logStart: '0', highWatermark: '120' },
    { partition: 0, logStart: '0', highWatermark: '100' },
  ];

  it('reads a new source from each log start to the high watermark, in ranges of at most a batch', () => {
    const plan = planTopicRead(partitions, new Map(), 50);
    expect(plan.ranges).toEqual([
      { partition: 0, from: '0', to: '50' }, { partition: 0, from: '50', to: '100' },
      { partition: 1, from: '0', to: '50' }, { partition: 1, from: '50', to: '100' }, { partition: 1, from: '100', to: '120' },
    ]);
    expect(plan.next).toEqual({ 0: '100', 1: '120' });
    expect(plan.messages).toBe('220');
    expect(plan.gaps).toEqual([]);
  });

  it('reads only what came after the committed offsets, and nothing when nothing came', () => {
    const plan = planTopicRead(partitions, new Map([[0, '100'], [1, '90']]), 50);
    expect(plan.ranges).toEqual([{ partition: 1, from: '90', to: '120' }]);
    expect(plan.next).toEqual({ 0: '100', 1: '120' });
    expect(planTopicRead(partitions, new Map([[0, '100'], [1, '120']])).ranges).toEqual([]);
  });

  it('reports a retention gap with its size and reads on from the log start', () => {
    const plan = planTopicRead([{ partition: 0, logStart: '700', highWatermark: '1000' }], new Map([[0, '200']]), 1000);
    expect(plan.gaps).toEqual([{ partition: 0, committed: '200', logStart: '700', missing: '500' }]);
    expect(plan.ranges).toEqual([{ partition: 0, from: '700', to: '1000' }]);
    // a first crawl of a topic whose head aged out long ago has no gap: nothing was missed by the catalog
    expect(planTopicRead([{ partition: 0, logStart: '700', highWatermark: '1000' }], new Map()).gaps).toEqual([]);
  });

  it('reads a partition again from its start when the topic was made anew (committed past its end)', () => {
    expect(planTopicRead([{ partition: 0, logStart: '0', highWatermark: '10' }], new Map([[0, '5000']])).ranges).toEqual([{ partition: 0, from: '0', to: '10' }]);
  });

  it('keeps offsets past 2^53 exact', () => {
    const big = '9007199254740993';
    const plan = planTopicRead([{ partition: 0, logStart: big, highWatermark: '9007199254740999' }], new Map());
    expect(plan.ranges).toEqual([{ partition: 0, from: big, to: '9007199254740999' }]);
  });

  it('backfills a range of offsets or times, inside what the log still holds', () => {
    const ranges = planTopicBackfill(partitions, new Map([[0, '10'], [1, '10']]), new Map([[0, '20'], [1, '500']]), 100);
    expect(ranges).toEqual([{ partition: 0, from: '10', to: '20' }, { partition: 1, from: '10', to: '110' }, { partition: 1, from: '110', to: '120' }]);
    expect(parseTopicBound('1500')).toEqual({ offset: '1500' });
    expect(parseTopicBound('2026-12-05')).toEqual({ time: Date.UTC(2026, 11, 5) });
    expect(parseTopicBound('2026-12-05T10:30:00Z')).toEqual({ time: Date.UTC(2026, 11, 5, 10, 30) });
    expect(parseTopicBound('yesterday')).toMatchObject({ error: expect.stringContaining('"yesterday"') });
  });
});

describe('a message as a record', () => {
  it('puts the key, headers, timestamp, partition and offset in front of the value\'s own fields', () => {
    const line = dec(recordLine(message('{"event":"purchase","amount":3.5}')));
    expect(JSON.parse(line)).toEqual({
      kafka_key: 'user-7', kafka_headers: { trace: 'abc' }, kafka_timestamp: Date.UTC(2026, 11, 5, 16, 30), kafka_partition: 2, kafka_offset: 41,
      event: 'purchase', amount: 3.5,
    });
  });

  it('keeps an empty object, whitespace before it, a null key and a binary key or header', () => {
    expect(JSON.parse(dec(recordLine(message('  {  }', { key: null, headers: [] }))))).toEqual({ kafka_key: null, kafka_headers: {}, kafka_timestamp: Date.UTC(2026, 11, 5, 16, 30), kafka_partition: 2, kafka_offset: 41 });
    const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x01]);
    const r = JSON.parse(dec(recordLine(message('{"a":1}', { key: binary, headers: [['bin', binary], ['none', null], ['<script>', enc('"><img onerror=x>')]] }))));
    expect(r.kafka_key).toBe('base64://4AAQ==');
    expect(r.kafka_headers).toEqual({ bin: 'base64://4AAQ==', none: null, '<script>': '"><img onerror=x>' });
  });

  it('makes a pretty-printed message one line, and leaves a message that is not an object to the scan', () => {
    const pretty = '{\n  "a": 1,\r\n  "b": {"c": [1,\n 2]}\n}\n';
    const line = dec(recordLine(message(pretty)));
    expect(line).not.toMatch(/[\r\n]/);
    expect(JSON.parse(line)).toMatchObject({ a: 1, b: { c: [1, 2] } });
    for (const v of ['[1,2]', '"text"', '42', 'not json {', '']) expect(dec(recordLine(message(v)))).toBe(v);
    const scanned = inferJsonLinesText(['{"a":1}', 'not json {', '[1]', '{"a":2'].map((v) => dec(recordLine(message(v)))).join('\n'), { file: 'kafka://t/2', firstLine: 41 });
    expect(scanned.records).toBe(1);
    expect(scanned.corruptSamples.map((c) => c.line)).toEqual([42, 43, 44]);
  });

  it('gives any object value back whole, its own keys in any order beside the metadata', () => {
    const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !k.startsWith('kafka_') && k !== '__proto__');
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 3 })), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const back = JSON.parse(dec(recordLine(message(text))));
        const { kafka_key, kafka_headers, kafka_timestamp, kafka_partition, kafka_offset, ...own } = back;
        expect({ kafka_key, kafka_partition, kafka_offset }).toEqual({ kafka_key: 'user-7', kafka_partition: 2, kafka_offset: 41 });
        expect(kafka_headers).toEqual({ trace: 'abc' });
        expect(kafka_timestamp).toBe(Date.UTC(2026, 11, 5, 16, 30));
        expect(own).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('counts a message in its timestamp\'s hour, in UTC', () => {
    expect(hourOf(Date.UTC(2026, 11, 5, 16, 59, 59))).toEqual({ path: 'date=2026-12-05/hour=16/', keys: ['date', 'hour'], values: ['2026-12-05', '16'] });
    expect(hourOf(-1).path).toBe('date=1970-01-01/hour=00/'); // no timestamp (-1): the epoch
  });

  it('answers the right hour whatever order the timestamps come in (the last hour is remembered)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), { minLength: 1, maxLength: 50 }), (stamps) => {
        // neighbours in the same hour, across an hour's edge, and far apart
        const all = stamps.flatMap((t) => [t, t + 1, t - (t % 3_600_000) + 3_599_999, t - (t % 3_600_000) + 3_600_000]);
        for (const t of all) {
          const iso = new Date(t).toISOString();
          expect(hourOf(t).path).toBe(`date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`);
        }
      }),
    );
  });
});

describe('a topic as a source', () => {
  const topic: SourceDefinition = { name: 'events', kind: 'kafka', location: { topic: 'app.events_v2' }, schedule: 'hourly', targetDatabase: 'lake', targetTable: 'events', options: {}, enabled: true };

  it('accepts a topic with brokers of its own, a lake source it lands in and discriminators', () => {
    const def = { ...topic, location: { topic: 'app.events_v2', bootstrapRef: 'ingest-kafka', landsIn: 'events-lake' }, options: { discriminators: ['service', 'event'] } } as SourceDefinition;
    expect(validateSourceDefinition(def)).toEqual([]);
    expect(whereIs(def)).toBe('kafka topic app.events_v2 at ingest-kafka, split by service, event'); // where it lands is a link of its own
  });

  it('names each bad field', () => {
    const fields = (location: object) => validateSourceDefinition({ ...topic, location } as SourceDefinition).map((p) => p.field);
    expect(fields({ topic: 'a topic with spaces' })).toEqual(['location.topic']);
    expect(fields({ topic: '..' })).toEqual(['location.topic']);
    expect(fields({ topic: 'x'.repeat(250) })).toEqual(['location.topic']);
    expect(fields({ topic: 't', bootstrapRef: 'no spaces allowed' })).toEqual(['location.bootstrapRef']);
    expect(fields({ topic: 't', landsIn: 'events' })).toEqual(['location.landsIn']); // itself
  });
});
