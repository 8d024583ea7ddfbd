// The Kafka adapter against the stack's real broker: offsets, exact ranges, every codec (written by this
// client and by Kafka's own Java producer), retention, and brokers that do not answer. Each run uses
// topics of its own and deletes them at the end.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTopic,
  clusterHealth,
  createTopic,
  deleteTopic,
  kafkaEndpoint,
  KafkaOffsetAgedOutError,
  KafkaTopicMissingError,
  KafkaUnreachableError,
  offsetsForTime,
  produce,
  readPartition,
  topicOffsets,
  type KafkaCompression,
  type KafkaMessage,
  type ProducedMessage,
} from '../../adapters/kafka';
import { freePort } from '../support/own-stack';
import { testConfig, uniqueName, waitFor } from './setup';

const config = testConfig();
const kafka = kafkaEndpoint(config.kafka.bootstrap, 'lake-catalog-test');
const root = path.join(__dirname, '..', '..');
const run = uniqueName('lake-test').replace(/_/g, '-');
const created: string[] = [];

async function newTopic(suffix: string, partitions: number, topicConfig?: Record<string, string>): Promise<string> {
  const topic = `${run}.${suffix}`;
  created.push(topic);
  await createTopic(kafka, topic, { partitions, ...(topicConfig ? { config: topicConfig } : {}) });
  return topic;
}

async function readAll(topic: string, partition: number, from: string, to: string, maxBytes?: number): Promise<{ messages: KafkaMessage[]; batches: number }> {
  const messages: KafkaMessage[] = [];
  let batches = 0;
  for await (const batch of readPartition(kafka, topic, partition, from, to, maxBytes ? { maxBytes } : {})) {
    expect(batch.length).toBeGreaterThan(0);
    batches++;
    messages.push(...batch);
  }
  return { messages, batches };
}

const offsetsOf = (ms: KafkaMessage[]) => ms.map((m) => Number(m.offset));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

// Messy on purpose: markup, quotes, unicode, empty and absent keys and values, bytes that are not UTF-8,
// a header with an empty name.
const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x0a, 0x00]);
function messyMessage(codec: string, i: number, t0: number): ProducedMessage {
  const values: Array<string | Buffer | null> = [
    JSON.stringify({ codec, i, html: '<script>alert("x")</script>', quote: `it's "quoted"`, text: 'Ünïcödé ✓ 日本語 🚀' }),
    '',
    null,
    BINARY,
    `{"codec":"${codec}","i":${i},"broken":`,
  ];
  return {
    partition: i % 3,
    key: i % 4 === 0 ? null : i % 4 === 1 ? '' : i % 4 === 2 ? `key-<b>"${i}"</b>-ключ` : Buffer.from([0xff, i & 0xff]),
    value: values[i % values.length],
    headers: { '': `empty name ${i}`, 'content-type': 'application/json; charset="utf-8"', 'bin\u00e4r': BINARY },
    timestamp: t0 + i * 1000,
  };
}

function asBytes(v: string | Buffer | null | undefined): Buffer | null {
  return v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
}

/** Kafka's own console producer, from the jars the stack runs the broker on. */
function javaProduce(topic: string, compression: KafkaCompression, lines: string[]): Promise<void> {
  const version = /^KAFKA_VERSION=(\S+)$/m.exec(readFileSync(path.join(root, 'infra', 'stack.sh'), 'utf8'))![1];
  const cache = process.env.LAKE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'lake-catalog');
  const classpath = path.join(cache, `kafka-${version}`, 'libs', '*');
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java',
      ['-Xmx128m', '-cp', classpath, 'org.apache.kafka.tools.ConsoleProducer', '--bootstrap-server', config.kafka.bootstrap, '--topic', topic,
        '--command-property', `compression.type=${compression}`, '--command-property', 'linger.ms=100', '--command-property', 'partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner'],
      { timeout: 60_000 },
      (err, _out, stderr) => (err ? reject(new Error(`ConsoleProducer (${compression}) failed: ${err.message}\n${stderr.slice(-2000)}`)) : resolve()),
    );
    child.stdin!.end(lines.map((l) => `${l}\n`).join(''));
  });
}

describe('the Kafka adapter', () => {
  let messy: string;
  // Recent times: Kafka ages segments out by their records' timestamps (retention.ms, 7 days by default),
  // so messages stamped months ago would be deleted within seconds of being written.
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  const codecs: KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  const sent: Array<ProducedMessage & { partition: number }> = [];

  beforeAll(async () => {
    messy = await newTopic('messy', 3);
    // 40 messages per codec, each codec in its own request, so each partition holds batches of every codec
    for (const [c, codec] of codecs.entries()) {
      const batch = range(0, 40).map((i) => messyMessage(codec, c * 40 + i, t0) as ProducedMessage & { partition: number });
      await produce(kafka, messy, batch, { compression: codec });
      sent.push(...batch);
    }
  });

  afterAll(async () => {
    for (const topic of created) await deleteTopic(kafka, topic);
    expect(await checkTopic(kafka, messy)).toEqual([`Kafka topic ${JSON.stringify(messy)} does not exist on ${config.kafka.bootstrap}`]);
  });

  it('answers a metadata request for the cluster, and creating or deleting a topic twice is harmless', async () => {
    const health = await clusterHealth(kafka);
    expect(health.brokers).toBe(1);
    expect(health.topics).toBeGreaterThanOrEqual(1);
    await createTopic(kafka, messy, { partitions: 3 });
    const scratch = await newTopic('scratch', 1);
    await deleteTopic(kafka, scratch);
    await deleteTopic(kafka, scratch);
  });

  it('lists every partition with its log start and high watermark', async () => {
    const perPartition = [0, 1, 2].map((p) => sent.filter((m) => m.partition === p).length);
    expect(await topicOffsets(kafka, messy)).toEqual(perPartition.map((n, partition) => ({ partition, logStart: '0', highWatermark: String(n) })));
    const empty = await newTopic('empty', 3);
    expect(await topicOffsets(kafka, empty)).toEqual([0, 1, 2].map((partition) => ({ partition, logStart: '0', highWatermark: '0' })));
  });

  it('reads back keys, values, headers and timestamps byte for byte, whatever the codec', async () => {
    for (const partition of [0, 1, 2]) {
      const expected = sent.filter((m) => m.partition === partition);
      const { messages } = await readAll(messy, partition, '0', String(expected.length));
      expect(offsetsOf(messages)).toEqual(range(0, expected.length));
      messages.forEach((m, i) => {
        const want = expected[i];
        expect(m.partition).toBe(partition);
        expect(m.timestamp).toBe(want.timestamp);
        expect(m.key).toEqual(asBytes(want.key));
        expect(m.value).toEqual(asBytes(want.value));
        expect(m.headers).toEqual(Object.entries(want.headers!).map(([k, v]) => [k, asBytes(v)]));
      });
    }
    // the codecs really were used: every codec's JSON comes back from each partition
    const { messages } = await readAll(messy, 0, '0', '67');
    const seen = new Set(messages.map((m) => /"codec":"(\w+)"/.exec(m.value?.toString('utf8') ?? '')?.[1]).filter(Boolean));
    expect([...seen].sort()).toEqual([...codecs].sort());
  });

  it('reads exactly the offsets of a range, once and in order, even when it starts or ends inside a compressed batch', async () => {
    // partition 0 holds ~14 messages per codec, each codec's in one batch; tiny fetches force many requests
    const ranges: Array<[number, number]> = [[0, 1], [3, 9], [13, 15], [14, 29], [27, 28], [40, 41], [5, 66], [0, 67], [66, 67]];
    for (const [from, to] of ranges) {
      for (const maxBytes of [1, 300, 1 << 20]) {
        const { messages } = await readAll(messy, 0, String(from), String(to), maxBytes);
        expect(offsetsOf(messages), `[${from}, ${to}) in fetches of ${maxBytes} bytes`).toEqual(range(from, to));
      }
    }
    expect(await readAll(messy, 1, '10', '10')).toEqual({ messages: [], batches: 0 });
  });

  it('skips the records of aborted transactions, from any offset a read starts at', async () => {
    const topic = await newTopic('tx', 1);
    const { Producer } = require('@platformatic/kafka') as typeof import('@platformatic/kafka');
    const producer = new Producer({ clientId: 'lake-catalog-test', bootstrapBrokers: kafka.brokers, transactionalId: `${topic}-tx`, idempotent: true, acks: -1, autocreateTopics: false });
    try {
      const inTransaction = async (values: string[], outcome: 'commit' | 'abort') => {
        const tx = await producer.beginTransaction();
        await tx.send({ messages: values.map((v) => ({ topic, partition: 0, value: Buffer.from(v) })) });
        await tx[outcome]();
      };
      await inTransaction(['c1', 'c2'], 'commit');
      await inTransaction(['a1', 'a2', 'a3'], 'abort');
      await inTransaction(['c3'], 'commit');
    } finally {
      await producer.close();
    }
    await produce(kafka, topic, [{ partition: 0, value: 'plain' }]);
    const [{ highWatermark }] = await topicOffsets(kafka, topic);
    const values = (ms: KafkaMessage[]) => ms.map((m) => m.value!.toString());
    const all = await readAll(topic, 0, '0', highWatermark);
    expect(values(all.messages)).toEqual(['c1', 'c2', 'c3', 'plain']);
    // c1 0, c2 1, commit 2, a1 3, a2 4, a3 5, abort 6, c3 7, commit 8, plain 9: a read from inside the aborted one
    expect(all.messages.map((m) => m.offset)).toEqual(['0', '1', '7', '9']);
    expect(values((await readAll(topic, 0, '4', highWatermark, 1)).messages)).toEqual(['c3', 'plain']);
  });

  it('refuses a range past the end of the partition and a partition the topic does not have', async () => {
    const [p0] = await topicOffsets(kafka, messy);
    await expect(readAll(messy, 0, '0', String(Number(p0.highWatermark) + 5))).rejects.toThrow(/ends at \d+ .*cannot be read yet/);
    await expect(readAll(messy, 7, '0', '1')).rejects.toThrow(/has 3 partition\(s\), not 8/);
    await expect(readAll(messy, 0, '5', '4')).rejects.toThrow(RangeError);
    await expect(readAll(messy, 0, '-1', '4')).rejects.toThrow(/decimal offset/);
  });

  it('stops reading when its signal is aborted', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const batch of readPartition(kafka, messy, 0, '0', '67', { maxBytes: 1, signal: controller.signal })) {
          seen.push(...batch.map((m) => m.offset));
          controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(67);
  });

  it('finds per partition the first offset at or after a time, or the high watermark', async () => {
    const at = t0 + 100 * 1000; // message 100 went to partition 100 % 3 = 1
    const found = await offsetsForTime(kafka, messy, at);
    const ends = await topicOffsets(kafka, messy);
    for (const partition of [0, 1, 2]) {
      const expected = sent.filter((m) => m.partition === partition).findIndex((m) => m.timestamp! >= at);
      expect(found.get(partition)).toBe(String(expected));
    }
    const later = await offsetsForTime(kafka, messy, t0 + 10_000 * 1000);
    expect([...later.entries()]).toEqual(ends.map((o) => [o.partition, o.highWatermark]));
  });

  it("reads what Kafka's own Java producer wrote with gzip, snappy, lz4 and zstd", async () => {
    const topic = await newTopic('java', 1);
    const lines: string[] = [];
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      // a few KB of text per batch, so each codec really compresses
      const mine = range(0, 20).map((i) => JSON.stringify({ codec, i, text: `<p class="x">${'Ünïcödé '.repeat(50)}</p>` }));
      await javaProduce(topic, codec, mine);
      lines.push(...mine);
    }
    const [end] = await topicOffsets(kafka, topic);
    expect(end.highWatermark).toBe(String(lines.length));
    const { messages } = await readAll(topic, 0, '0', end.highWatermark, 2048);
    expect(messages.map((m) => m.value?.toString('utf8'))).toEqual(lines);
    // and a range that starts and ends inside the zstd batch
    expect(offsetsOf((await readAll(topic, 0, '63', '71')).messages)).toEqual(range(63, 71));
  });

  it('reads 100,000 small messages back completely in bounded batches', async () => {
    const topic = await newTopic('many', 3);
    const n = 100_000;
    const messages = range(0, n).map((i) => ({ partition: i % 3, key: `k${i % 97}`, value: `{"i":${i},"event":"click","user":"u${i % 1000}"}`, timestamp: t0 + i }));
    let started = performance.now();
    // uncompressed, so that the bytes a fetch is bounded by are the bytes of keys and values
    await produce(kafka, topic, messages);
    const produceS = (performance.now() - started) / 1000;
    const ends = await topicOffsets(kafka, topic);
    expect(ends.reduce((s, o) => s + Number(o.highWatermark), 0)).toBe(n);

    const maxBytes = 64 * 1024;
    started = performance.now();
    let total = 0;
    let bytes = 0;
    let batches = 0;
    let largestBatch = 0;
    for (const { partition, highWatermark } of ends) {
      let expected = 0;
      for await (const batch of readPartition(kafka, topic, partition, '0', highWatermark, { maxBytes })) {
        batches++;
        const size = batch.reduce((s, m) => s + (m.value?.length ?? 0) + (m.key?.length ?? 0), 0);
        largestBatch = Math.max(largestBatch, size);
        for (const m of batch) {
          if (Number(m.offset) !== expected) throw new Error(`partition ${partition}: offset ${m.offset} where ${expected} was due`);
          expected++;
        }
        total += batch.length;
        bytes += size;
      }
      expect(expected).toBe(Number(highWatermark));
    }
    const readS = (performance.now() - started) / 1000;
    console.log(
      `kafka: produced ${n} messages in ${produceS.toFixed(2)} s; readPartition read them in ${readS.toFixed(2)} s: ` +
        `${Math.round(n / readS)} messages/s, ${(bytes / readS / 1e6).toFixed(1)} MB/s of keys and values, ${batches} batches, largest ${largestBatch} bytes`,
    );
    expect(total).toBe(n);
    // a batch is one fetch response: at most maxBytes of stored bytes, or one record batch when that is larger
    // (the producer wrote batches of ~667 messages, ~35 KB)
    expect(largestBatch).toBeLessThanOrEqual(maxBytes);
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(bytes / maxBytes));
    expect(readS).toBeLessThan(60);
  });

  it('ages data out of a topic with a tiny retention, and says so when asked to read what is gone', async () => {
    // 1 MiB is the smallest segment Kafka 4 allows; retention keeps about one segment
    const topic = await newTopic('retention', 1, { 'segment.bytes': '1048576', 'retention.bytes': '1048576' });
    const filler = 'x'.repeat(1000);
    await produce(kafka, topic, range(0, 3500).map((i) => ({ key: String(i), value: `{"i":${i},"pad":"${filler}"}` })));
    const started = Date.now();
    const [aged] = await waitFor('the log start to move past 0', async () => {
      const offsets = await topicOffsets(kafka, topic);
      return Number(offsets[0].logStart) > 0 ? offsets : undefined;
    }, 30_000);
    console.log(`kafka: retention moved the log start to ${aged.logStart} of ${aged.highWatermark} after ${Date.now() - started} ms`);
    expect(aged.highWatermark).toBe('3500');

    const err = await readAll(topic, 0, '10', '20').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaOffsetAgedOutError);
    const gap = err as KafkaOffsetAgedOutError;
    expect(gap.message).toMatch(new RegExp(`offsets 10\\.\\.\\d+ of Kafka topic "${topic.replace(/\./g, '\\.')}" partition 0 aged out: the log starts at \\d+`));
    expect(Number(gap.logStart)).toBeGreaterThanOrEqual(Number(aged.logStart));
    expect(gap.missing).toBe(String(Number(gap.logStart) - 10));
    // from the log start on, everything is there
    const { messages } = await readAll(topic, 0, gap.logStart, aged.highWatermark);
    expect(offsetsOf(messages)).toEqual(range(Number(gap.logStart), 3500));
    expect(messages[0].key?.toString()).toBe(gap.logStart);
  });

  it('names a topic that does not exist', async () => {
    const missing = `${run}.missing-<script>"ü"`.replace(/[^A-Za-z0-9._-]/g, '_');
    const words = `Kafka topic ${JSON.stringify(missing)} does not exist on ${config.kafka.bootstrap}`;
    expect(await checkTopic(kafka, missing)).toEqual([words]);
    expect(await checkTopic(kafka, messy)).toEqual([]);
    await expect(topicOffsets(kafka, missing)).rejects.toThrow(KafkaTopicMissingError);
    await expect(readAll(missing, 0, '0', '1')).rejects.toThrow(words);
    await expect(produce(kafka, missing, [{ value: 'x' }])).rejects.toThrow(KafkaTopicMissingError);
    // looking never creates it
    expect(await checkTopic(kafka, missing)).toEqual([words]);
  });

  it('fails fast, naming the brokers, when nothing listens there', async () => {
    const port = await freePort();
    const nobody = kafkaEndpoint(`127.0.0.1:${port}`);
    const read = async () => {
      for await (const batch of readPartition(nobody, messy, 0, '0', '1')) void batch;
    };
    for (const call of [() => topicOffsets(nobody, messy), () => clusterHealth(nobody), read]) {
      const started = Date.now();
      const err = await call().then(() => undefined, (e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(err).toBeInstanceOf(KafkaUnreachableError);
      expect((err as Error).message).toMatch(new RegExp(`^Kafka brokers 127\\.0\\.0\\.1:${port} do not answer: .*ECONNREFUSED`));
    }
    const started = Date.now();
    const problems = await checkTopic(nobody, messy);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^Kafka brokers 127\\.0\\.0\\.1:${port} do not answer`))]);
  });

  it('leaves nothing behind that keeps a process alive', () => {
    // a process that reads, produces, lists and checks, and fails to reach a closed port, exits by itself
    const script = `
      const k = require(${JSON.stringify(path.join(root, 'adapters', 'kafka.ts'))});
      (async () => {
        const ep = k.kafkaEndpoint(${JSON.stringify(config.kafka.bootstrap)});
        await k.topicOffsets(ep, ${JSON.stringify(messy)});
        for await (const b of k.readPartition(ep, ${JSON.stringify(messy)}, 0, '0', '30', { maxBytes: 500 })) void b;
        await k.offsetsForTime(ep, ${JSON.stringify(messy)}, 0);
        await k.produce(ep, ${JSON.stringify(messy)}, [{ partition: 2, value: 'exit check' }], { compression: 'zstd' });
        await k.checkTopic(ep, 'no-such-topic');
        await k.clusterHealth(ep);
        await k.topicOffsets(k.kafkaEndpoint('127.0.0.1:1'), 'x').catch(() => undefined);
        console.log('done');
      })();`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('done');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
