// The Kafka benchmark of `npm run bench` (`BENCH_ONLY=kafka` alone), against the stack's broker: what
// inferring a topic costs against only consuming it, as a ratio of two figures of the same run.
//   a. the client consuming and discarding every message (`readPartition` over every partition), and
//   b. the connector inferring them (`kafkaConnector.read` over the ranges a crawl plans, one after the
//      other in this process, as the inference activity reads one batch; no Temporal, no catalog),
// alternating a and b, best of several passes after a warm-up of each. The topic is the bench's own
// (200,000 messages of the schema benchmark's events: mixed kinds, optional and drifting fields, keys in
// any order; keyed by user, with headers, lz4 as producers commonly send), deleted at the end.
import { randomBytes } from 'node:crypto';
import type { LakeConfig } from '../config';
import { createTopic, deleteTopic, kafkaEndpoint, produce, readPartition, topicOffsets, type ProducedMessage } from '../adapters/kafka';
import { createS3Client } from '../adapters/s3';
import { kafkaConnector } from '../connectors/kafka';
import { planTopicRead, MESSAGES_PER_BATCH } from '../crawl/kafka';
import type { KafkaSourceDefinition } from '../crawl/source';
import { makeEvent, rng } from './corpus';
import type { Ratio } from './crawl';
import { seconds } from './timing';

const MESSAGES = Number(process.env.BENCH_KAFKA_MESSAGES ?? 200_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const PARTITIONS = 3;
const PRODUCE_CHUNK = 20_000;

/** Message i of the bench topic: an event of the corpus with its top-level keys in an order of its own. */
function message(r: ReturnType<typeof rng>, i: number, now: number): ProducedMessage {
  const event = makeEvent(r, i, MESSAGES);
  const entries = Object.entries(event);
  for (let k = entries.length - 1; k > 0; k--) {
    const j = r.int(k + 1);
    [entries[k], entries[j]] = [entries[j]!, entries[k]!];
  }
  const user = Number(event.user_id ?? event.userId);
  return {
    partition: user % PARTITIONS,
    key: `user-${user}`,
    value: JSON.stringify(Object.fromEntries(entries)),
    headers: { 'content-type': 'application/json', ...(i % 4 === 0 ? { 'trace-id': r.hex(16) } : {}) },
    // the last two hours: the broker deletes what is older than its retention (7 days) at once
    timestamp: now - 2 * 3_600_000 + Math.floor((i / MESSAGES) * 2 * 3_600_000),
  };
}

export async function kafkaBench(config: LakeConfig): Promise<Ratio[]> {
  const endpoint = kafkaEndpoint(config.kafka.bootstrap, 'lake-catalog-bench');
  const topic = `lake-bench.kafka-${randomBytes(4).toString('hex')}`;
  const s3 = createS3Client(config.s3);
  try {
    await createTopic(endpoint, topic, { partitions: PARTITIONS });
    let t = process.hrtime.bigint();
    const r = rng(20191015);
    const now = Date.now();
    let valueBytes = 0;
    for (let from = 0; from < MESSAGES; from += PRODUCE_CHUNK) {
      const chunk = Array.from({ length: Math.min(PRODUCE_CHUNK, MESSAGES - from) }, (_, k) => message(r, from + k, now));
      for (const m of chunk) valueBytes += Buffer.byteLength(m.value as string);
      await produce(endpoint, topic, chunk, { compression: 'lz4' });
    }
    const mb = valueBytes / 1e6;
    console.log(`\nkafka: topic ${topic}, ${MESSAGES} messages (${mb.toFixed(0)} MB of values) over ${PARTITIONS} partitions produced in ${seconds(t).toFixed(1)} s; best of ${PASSES} passes after a warm-up, alternating`);

    const partitions = await topicOffsets(endpoint, topic);
    const consume = async (): Promise<number> => {
      let n = 0;
      for (const p of partitions) {
        for await (const messages of readPartition(endpoint, topic, p.partition, p.logStart, p.highWatermark)) n += messages.length;
      }
      return n;
    };
    // the ranges a first crawl plans: every partition from its start, in batches of MESSAGES_PER_BATCH
    const ranges = planTopicRead(partitions, new Map(), MESSAGES_PER_BATCH).ranges;
    const source: KafkaSourceDefinition & { id: number } = {
      id: 0, name: 'bench-kafka', kind: 'kafka', location: { topic }, schedule: 'hourly', targetDatabase: 'lake_bench', targetTable: 'bench_kafka', options: {}, enabled: true,
    };
    const infer = async (): Promise<number> => {
      let n = 0;
      for (const range of ranges) {
        const read = await kafkaConnector.read({ s3, kafkaBootstrap: config.kafka.bootstrap }, source, [range], () => undefined);
        n += read.result.records + read.result.corruptRecords;
      }
      return n;
    };

    const timings = { consumed: [] as number[], inferred: [] as number[] };
    // this process's CPU per pass too: on a shared host it says what the side itself costs
    const cpu = { consumed: [] as number[], inferred: [] as number[] };
    for (let pass = 0; pass <= PASSES; pass++) {
      // alternate which goes first, so a busy neighbour slows both alike
      const order = pass % 2 === 0 ? (['consumed', 'inferred'] as const) : (['inferred', 'consumed'] as const);
      for (const side of order) {
        t = process.hrtime.bigint();
        const used = process.cpuUsage();
        const n = await (side === 'consumed' ? consume() : infer());
        const s = seconds(t);
        const { user, system } = process.cpuUsage(used);
        if (n !== MESSAGES) throw new Error(`kafka bench: ${side} ${n} messages of ${MESSAGES}`);
        if (pass > 0) {
          // pass 0 warms up
          timings[side].push(s);
          cpu[side].push((user + system) / 1e6);
        }
      }
    }
    const consumed = Math.min(...timings.consumed);
    const inferred = Math.min(...timings.inferred);
    const rate = (s: number) => `${Math.round(MESSAGES / s).toLocaleString('en-US').padStart(9)} messages/s  ${(mb / s).toFixed(0).padStart(4)} MB/s`;
    const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)} s`;
    const cpuOf = (xs: number[]) => `CPU ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)} s`;
    console.log(`consumed and discarded (readPartition):   ${rate(consumed)}   (passes ${spread(timings.consumed)}, ${cpuOf(cpu.consumed)})`);
    console.log(`inferred (kafkaConnector.read, ${ranges.length} ranges): ${rate(inferred)}   (passes ${spread(timings.inferred)}, ${cpuOf(cpu.inferred)})   ratio ${(consumed / inferred).toFixed(2)}x consumed`);
    return [{ name: 'kafka inferred / consumed', value: consumed / inferred, note: 'messages per second, same client, one process' }];
  } finally {
    s3.destroy();
    await deleteTopic(endpoint, topic).catch((e) => console.error(`kafka bench: topic ${topic} not deleted: ${(e as Error).message}`));
  }
}
