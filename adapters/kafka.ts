// Kafka, for topics as sources: offsets, exact offset ranges of one partition, and (for tests and the demo)
// topics and producing.
//
// Client: @platformatic/kafka 1.x (pure JS; 2.x needs Node 22). Its Consumer exposes the raw Fetch and
// ListOffsets requests, so a range is read without joining a consumer group and without committing
// anything to the broker: the catalog keeps its own offsets. kafkajs 2.2.4 (maintenance only) has no
// group-less read: its consumer always joins a group. Codecs: gzip through node:zlib, snappy and lz4
// through the client's own WASM; zstd is in node:zlib only from Node 22, so on Node 20 this module plugs
// in fzstd (pure JS, also reads frames that do not record their size, as the Java client writes them)
// to decompress and @bokuweb/zstd-wasm to compress. Nothing native is downloaded at install time.
//
// Offsets cross workflow boundaries as decimal strings (bigint is not JSON); inside, they are bigint.
// Every call opens its own client and closes it before it settles, so no socket or timer outlives it.
import type { Admin, ClusterMetadata, ClusterTopicMetadata, Consumer } from '@platformatic/kafka';

// The client and codecs are loaded on first use: together they take ~0.3 s to load, which every command
// and test that never talks to Kafka would otherwise pay.
let libs: { kafka: typeof import('@platformatic/kafka'); zstdWasm: typeof import('@bokuweb/zstd-wasm'); fzstd: typeof import('fzstd') } | undefined;
function lib() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return (libs ??= {
    kafka: require('@platformatic/kafka') as typeof import('@platformatic/kafka'),
    zstdWasm: require('@bokuweb/zstd-wasm') as typeof import('@bokuweb/zstd-wasm'),
    fzstd: require('fzstd') as typeof import('fzstd'),
  });
}

export interface KafkaEndpoint {
  brokers: string[];
  clientId?: string;
}

export interface PartitionOffsets {
  partition: number;
  /** The first offset still in the log (older ones aged out or were deleted). */
  logStart: string;
  /** The offset the next message will get; under read_committed, the last stable offset, which is the
   *  same unless a transaction is open. Reading up to it never waits. */
  highWatermark: string;
}

export interface KafkaMessage {
  partition: number;
  offset: string;
  /** ms since epoch: the producer's create time, or the broker's append time when the topic says so. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
}

export interface ProducedMessage {
  partition?: number;
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  timestamp?: number;
}

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** The endpoint of a comma-separated bootstrap list (config.kafka.bootstrap, LAKE_KAFKA_BOOTSTRAP). */
export function kafkaEndpoint(bootstrap: string, clientId?: string): KafkaEndpoint {
  const brokers = bootstrap.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return clientId === undefined ? { brokers } : { brokers, clientId };
}

export class KafkaTopicMissingError extends Error {
  constructor(readonly topic: string, readonly brokers: string[]) {
    super(`Kafka topic ${JSON.stringify(topic)} does not exist on ${brokers.join(',')}`);
    this.name = 'KafkaTopicMissingError';
  }
}

export class KafkaUnreachableError extends Error {
  constructor(readonly brokers: string[], readonly reason: string) {
    super(`Kafka brokers ${brokers.join(',')} do not answer: ${reason}`);
    this.name = 'KafkaUnreachableError';
  }
}

/** `from` is below the partition's log start: the messages in between aged out (retention) or were
 *  deleted. Not a failure of the read: the caller reports the gap and reads on from `logStart`. */
export class KafkaOffsetAgedOutError extends Error {
  constructor(readonly topic: string, readonly partition: number, readonly from: string, readonly logStart: string) {
    super(`offsets ${from}..${BigInt(logStart) - 1n} of Kafka topic ${JSON.stringify(topic)} partition ${partition} aged out: the log starts at ${logStart}`);
    this.name = 'KafkaOffsetAgedOutError';
  }

  /** How many offsets are gone. */
  get missing(): string {
    return String(BigInt(this.logStart) - BigInt(this.from));
  }
}

// --- clients -------------------------------------------------------------------------------------------

const CLIENT_ID = 'lake-catalog';
// A Consumer needs a group id to be constructed; nothing here ever joins or commits to it.
const UNUSED_GROUP = 'lake-catalog-never-joined';

// Refused connections fail after the retries (~1 s); a host that drops packets after ~3 s per try.
const CONNECTION = { connectTimeout: 3000, timeout: 15_000, retries: 2, retryDelay: 250, metadataMaxAge: 1000 } as const;

function baseOptions(endpoint: KafkaEndpoint) {
  if (endpoint.brokers.length === 0) throw new Error('no Kafka brokers given');
  return { clientId: endpoint.clientId ?? CLIENT_ID, bootstrapBrokers: endpoint.brokers, ...CONNECTION };
}

/** Runs `fn` with a client of its own, closed before the call settles; errors name the brokers. */
async function withClient<C extends { close(): Promise<unknown> }, T>(endpoint: KafkaEndpoint, client: C, fn: (client: C) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } catch (e) {
    throw translate(e, endpoint);
  } finally {
    await client.close().catch(() => undefined);
  }
}

function withAdmin<T>(endpoint: KafkaEndpoint, fn: (admin: Admin) => Promise<T>): Promise<T> {
  return withClient(endpoint, new (lib().kafka.Admin)(baseOptions(endpoint)), fn);
}

function newConsumer(endpoint: KafkaEndpoint): Consumer {
  const { Consumer, FetchIsolationLevels } = lib().kafka;
  return new Consumer({ ...baseOptions(endpoint), groupId: UNUSED_GROUP, isolationLevel: FetchIsolationLevels.READ_COMMITTED });
}

function withConsumer<T>(endpoint: KafkaEndpoint, fn: (consumer: Consumer) => Promise<T>): Promise<T> {
  return withClient(endpoint, newConsumer(endpoint), fn);
}

// --- errors --------------------------------------------------------------------------------------------

interface ClientError {
  code?: string;
  apiId?: string;
  message?: string;
  errors?: unknown[];
  cause?: unknown;
}

/** Every error in a client error's tree (platformatic nests them in `errors` and `cause`). */
function errorTree(e: unknown, out: ClientError[] = [], depth = 0): ClientError[] {
  if (depth > 6 || e === null || typeof e !== 'object') return out;
  const err = e as ClientError;
  out.push(err);
  for (const sub of err.errors ?? []) errorTree(sub, out, depth + 1);
  if (err.cause !== undefined) errorTree(err.cause, out, depth + 1);
  return out;
}

function hasApiError(e: unknown, apiId: string): boolean {
  return errorTree(e).some((x) => x.apiId === apiId);
}

/** The metadata request answered that the topic does not exist. The client turns the broker's
 *  UNKNOWN_TOPIC_OR_PARTITION into a UserError "Unknown topic <name>." that keeps no error code. */
function isTopicMissing(e: unknown): boolean {
  return (
    hasApiError(e, 'UNKNOWN_TOPIC_OR_PARTITION') ||
    hasApiError(e, 'UNKNOWN_TOPIC_ID') ||
    errorTree(e).some((x) => x.code === 'PLT_KFK_USER' && /^Unknown topic /.test(x.message ?? ''))
  );
}

const UNREACHABLE_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

/** The deepest message that says why, e.g. "connect ECONNREFUSED 127.0.0.1:1" rather than "Cannot connect to any broker." */
function rootReason(e: unknown): string {
  const tree = errorTree(e);
  const system = tree.find((x) => x.code !== undefined && !x.code.startsWith('PLT_KFK_') && x.message);
  const last = system ?? tree[tree.length - 1];
  return (last?.message ?? String(e)).split('\n')[0];
}

function translate(e: unknown, endpoint: KafkaEndpoint): unknown {
  if (e instanceof KafkaTopicMissingError || e instanceof KafkaUnreachableError || e instanceof KafkaOffsetAgedOutError) return e;
  const tree = errorTree(e);
  if (tree.some((x) => x.code !== undefined && UNREACHABLE_CODES.has(x.code))) {
    return new KafkaUnreachableError(endpoint.brokers, rootReason(e));
  }
  // the broker's own words ("Value must be at least 1048576") sit deep in the tree, under a generic message
  const said = [...new Set(tree.map((x) => (x as { serverErrorMessage?: string | null }).serverErrorMessage).filter((m): m is string => !!m))];
  if (said.length > 0 && e instanceof Error) return new Error(`${e.message} (${endpoint.brokers.join(',')}): ${said.join('; ')}`, { cause: e });
  return e;
}

// --- zstd on Node 20 -----------------------------------------------------------------------------------

type Codec = { compressSync(data: unknown): Buffer; decompressSync(data: unknown): Buffer; available: boolean };
let zstdReady: Promise<void> | undefined;

function asBuffer(data: unknown): Buffer {
  // the client hands over a Buffer or its own DynamicBuffer, whose `buffer` is the joined bytes
  return Buffer.isBuffer(data) ? data : (data as { buffer: Buffer }).buffer;
}

/** Makes the client read and write zstd batches where node:zlib cannot. Idempotent. */
function ensureZstd(): Promise<void> {
  const zstd = lib().kafka.compressionsAlgorithms.zstd as unknown as Codec;
  if (zstd.available) return Promise.resolve();
  zstdReady ??= lib().zstdWasm.init().then(() => {
    zstd.decompressSync = (data) => {
      const b = asBuffer(data);
      const out = lib().fzstd.decompress(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    };
    zstd.compressSync = (data) => {
      const out = lib().zstdWasm.compress(asBuffer(data), 3);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    };
    zstd.available = true;
  });
  return zstdReady;
}

// --- metadata ------------------------------------------------------------------------------------------

async function topicMetadata(client: Admin | Consumer, endpoint: KafkaEndpoint, topic: string): Promise<{ cluster: ClusterMetadata; topic: ClusterTopicMetadata }> {
  let cluster: ClusterMetadata;
  try {
    cluster = await client.metadata({ topics: [topic], autocreateTopics: false, forceUpdate: true });
  } catch (e) {
    if (isTopicMissing(e)) throw new KafkaTopicMissingError(topic, endpoint.brokers);
    throw e;
  }
  const t = cluster.topics.get(topic);
  if (!t) throw new KafkaTopicMissingError(topic, endpoint.brokers);
  return { cluster, topic: t };
}

async function listOffsets(consumer: Consumer, topic: string, timestamp: bigint): Promise<bigint[]> {
  const offsets = await consumer.listOffsets({ topics: [topic], timestamp });
  return offsets.get(topic) ?? [];
}

const EARLIEST = -2n;
const LATEST = -1n;

/** Every partition's log start offset and high watermark, sorted by partition. */
export async function topicOffsets(endpoint: KafkaEndpoint, topic: string): Promise<PartitionOffsets[]> {
  return withConsumer(endpoint, async (consumer) => {
    await topicMetadata(consumer, endpoint, topic);
    const [starts, ends] = [await listOffsets(consumer, topic, EARLIEST), await listOffsets(consumer, topic, LATEST)];
    return starts.map((start, partition) => ({ partition, logStart: String(start), highWatermark: String(ends[partition]) }));
  });
}

/** Per partition, the first offset whose timestamp is >= ms (the high watermark when none). */
export async function offsetsForTime(endpoint: KafkaEndpoint, topic: string, ms: number): Promise<Map<number, string>> {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a Kafka timestamp is ms since the epoch, got ${ms}`);
  return withConsumer(endpoint, async (consumer) => {
    await topicMetadata(consumer, endpoint, topic);
    const found = await listOffsets(consumer, topic, BigInt(Math.floor(ms)));
    const ends = await listOffsets(consumer, topic, LATEST);
    return new Map(found.map((offset, partition) => [partition, String(offset < 0n ? ends[partition] : offset)]));
  });
}

// --- reading -------------------------------------------------------------------------------------------

// Batch attributes (record batch v2): bit 3 the timestamp type, bit 5 a control batch (transaction marker).
const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL_BATCH = 0x20;
const DEFAULT_MAX_BYTES = 1 << 20;
// A fetch that returns nothing waits at most this long on the broker before answering.
const FETCH_WAIT_MS = 500;

function parseOffset(name: string, s: string): bigint {
  if (!/^\d+$/.test(s)) throw new RangeError(`${name} must be a decimal offset, got ${JSON.stringify(s)}`);
  return BigInt(s);
}

/** Messages of [from, to) in offset order; skips offsets that are absent (compaction, transaction markers,
 *  aborted transactions) and stops at `to` even when the broker returns more. If `from` is below the log
 *  start (aged out), it throws KafkaOffsetAgedOutError before reading; if retention overtakes the read, it
 *  throws the same error from there. Each batch is one fetch response: at most ~maxBytes (default 1 MiB) of
 *  the log's stored bytes, or a single record batch when that alone is larger, which compression makes
 *  several times larger once decoded. Only that one response is held in memory. */
export async function* readPartition(
  endpoint: KafkaEndpoint,
  topic: string,
  partition: number,
  from: string,
  to: string,
  opts: { maxBytes?: number; signal?: AbortSignal } = {},
): AsyncIterable<KafkaMessage[]> {
  let next = parseOffset('from', from);
  const end = parseOffset('to', to);
  if (end < next) throw new RangeError(`offset range [${from}, ${to}) ends before it starts`);
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`a partition is an integer >= 0, got ${partition}`);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (next === end) return;
  opts.signal?.throwIfAborted();
  await ensureZstd();
  const consumer = newConsumer(endpoint);
  try {
    const { topic: meta } = await topicMetadata(consumer, endpoint, topic).catch((e) => Promise.reject(translate(e, endpoint)));
    if (partition >= meta.partitionsCount) throw new RangeError(`Kafka topic ${JSON.stringify(topic)} has ${meta.partitionsCount} partition(s), not ${partition + 1}`);
    const agedOut = async (): Promise<KafkaOffsetAgedOutError | undefined> => {
      const logStart = (await listOffsets(consumer, topic, EARLIEST))[partition];
      return next < logStart ? new KafkaOffsetAgedOutError(topic, partition, String(next), String(logStart)) : undefined;
    };
    const before = await agedOut().catch((e) => Promise.reject(translate(e, endpoint)));
    if (before) throw before;
    let emptyFetches = 0;
    const aborting = new Set<bigint>(); // producers inside an aborted transaction at the current batch
    while (next < end) {
      opts.signal?.throwIfAborted();
      let response;
      try {
        response = await consumer.fetch({
          node: meta.partitions[partition].leader,
          topics: [{ topicId: meta.id, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: maxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
          maxBytes,
          minBytes: 1,
          maxWaitTime: FETCH_WAIT_MS,
        });
      } catch (e) {
        if (hasApiError(e, 'OFFSET_OUT_OF_RANGE')) throw (await agedOut()) ?? e;
        throw translate(e, endpoint);
      }
      const p = response.responses[0]?.partitions.find((x) => x.partitionIndex === partition);
      const out: KafkaMessage[] = [];
      // read_committed still returns the records of aborted transactions: the response lists, per producer,
      // the first offset of each aborted transaction it covers, and such a producer's transactional batches
      // are skipped from there until its marker (a control batch) ends the transaction (as Kafka's own
      // consumer does)
      const abortedFrom = [...(p?.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
      for (const batch of p?.records ?? []) {
        const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
        while (abortedFrom.length > 0 && abortedFrom[0]!.firstOffset <= last) aborting.add(abortedFrom.shift()!.producerId);
        const control = (batch.attributes & CONTROL_BATCH) !== 0;
        if (control) aborting.delete(batch.producerId);
        const aborted = (batch.attributes & TRANSACTIONAL) !== 0 && aborting.has(batch.producerId);
        if (last < next) continue; // a batch before `next`, returned whole
        if (!control && !aborted) {
          const appendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
          for (const r of batch.records) {
            const offset = batch.firstOffset + BigInt(r.offsetDelta);
            if (offset < next || offset >= end) continue;
            out.push({
              partition,
              offset: String(offset),
              timestamp: Number(appendTime ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta),
              key: r.key ?? null,
              value: r.value ?? null,
              headers: r.headers.map(([k, v]) => [k === null ? '' : k.toString('utf8'), v ?? null]),
            });
          }
        }
        next = last + 1n;
        if (next >= end) break;
      }
      if (out.length > 0) yield out;
      if ((p?.records?.length ?? 0) > 0) {
        emptyFetches = 0;
        continue;
      }
      const readable = p ? p.lastStableOffset : -1n;
      if (p && next >= readable) {
        throw new RangeError(`Kafka topic ${JSON.stringify(topic)} partition ${partition} ends at ${readable} (high watermark ${p.highWatermark}): offsets ${next}..${end - 1n} cannot be read yet`);
      }
      if (++emptyFetches >= 5) throw new Error(`Kafka returned no records at offset ${next} of topic ${JSON.stringify(topic)} partition ${partition} five times, below its end ${readable}`);
    }
  } finally {
    await consumer.close().catch(() => undefined);
  }
}

// --- topics and producing (tests, the demo) -------------------------------------------------------------

const SEND_CHUNK_MESSAGES = 2000;
const SEND_CHUNK_BYTES = 512 * 1024;

function toBuffer(v: string | Buffer): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

export async function produce(endpoint: KafkaEndpoint, topic: string, messages: ProducedMessage[], opts: { compression?: KafkaCompression } = {}): Promise<void> {
  if (messages.length === 0) return;
  const compression = opts.compression ?? 'none';
  if (compression === 'zstd') await ensureZstd();
  // Idempotent: a send the client retries (a timeout on a busy host after the broker wrote it) is not
  // written twice, so a topic holds exactly the messages given.
  const producer = new (lib().kafka.Producer)({ ...baseOptions(endpoint), compression, acks: -1, idempotent: true, autocreateTopics: false });
  try {
    // chunks keep each request far below the broker's message.max.bytes (1 MiB), compressed or not
    let chunk: Parameters<typeof producer.send>[0]['messages'] = [];
    let bytes = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await producer.send({ messages: chunk });
      chunk = [];
      bytes = 0;
    };
    for (const m of messages) {
      const key = m.key === undefined || m.key === null ? undefined : toBuffer(m.key);
      const value = m.value === null ? undefined : toBuffer(m.value);
      const headers = new Map<Buffer, Buffer>(Object.entries(m.headers ?? {}).map(([k, v]) => [Buffer.from(k, 'utf8'), toBuffer(v)]));
      const size = (key?.length ?? 0) + (value?.length ?? 0) + [...headers].reduce((n, [k, v]) => n + k.length + v.length, 0) + 32;
      if (chunk.length > 0 && (chunk.length >= SEND_CHUNK_MESSAGES || bytes + size > SEND_CHUNK_BYTES)) await flush();
      chunk.push({
        topic,
        ...(m.partition !== undefined ? { partition: m.partition } : {}),
        ...(key !== undefined ? { key } : {}),
        ...(value !== undefined ? { value } : {}),
        ...(headers.size > 0 ? { headers } : {}),
        ...(m.timestamp !== undefined ? { timestamp: BigInt(m.timestamp) } : {}),
      });
      bytes += size;
    }
    await flush();
  } catch (e) {
    if (isTopicMissing(e)) throw new KafkaTopicMissingError(topic, endpoint.brokers);
    throw translate(e, endpoint);
  } finally {
    await producer.close().catch(() => undefined);
  }
}

async function waitFor(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the topic, or leaves an existing one as it is; resolves once every partition has a leader. */
export async function createTopic(endpoint: KafkaEndpoint, topic: string, opts: { partitions: number; config?: Record<string, string> }): Promise<void> {
  await withAdmin(endpoint, async (admin) => {
    try {
      await admin.createTopics({
        topics: [topic],
        partitions: opts.partitions,
        replicas: -1, // the broker's default
        configs: Object.entries(opts.config ?? {}).map(([name, value]) => ({ name, value })),
      });
    } catch (e) {
      if (!hasApiError(e, 'TOPIC_ALREADY_EXISTS')) throw e;
    }
    await waitFor(`topic ${JSON.stringify(topic)} has a leader for every partition`, 15_000, async () => {
      const md = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
      const t = md?.topics.get(topic);
      return t !== undefined && t.partitions.length === t.partitionsCount && t.partitions.every((p) => p.leader >= 0);
    });
  });
}

/** Deletes the topic if it exists; resolves once the broker no longer lists it. */
export async function deleteTopic(endpoint: KafkaEndpoint, topic: string): Promise<void> {
  await withAdmin(endpoint, async (admin) => {
    try {
      await admin.deleteTopics({ topics: [topic] });
    } catch (e) {
      if (!hasApiError(e, 'UNKNOWN_TOPIC_OR_PARTITION') && !hasApiError(e, 'UNKNOWN_TOPIC_ID')) throw e;
    }
    await waitFor(`topic ${JSON.stringify(topic)} is deleted`, 15_000, async () => !(await admin.listTopics()).includes(topic));
  });
}

// --- health --------------------------------------------------------------------------------------------

const CHECK_TIMEOUT_MS = 8000;

function withDeadline<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Problems reaching the topic, in words for people ([] when it answers): brokers unreachable, topic
 *  missing, partitions without a leader. Bounded time. */
export async function checkTopic(endpoint: KafkaEndpoint, topic: string): Promise<string[]> {
  try {
    return await withDeadline(CHECK_TIMEOUT_MS, `asking ${endpoint.brokers.join(',')} about topic ${JSON.stringify(topic)}`, withConsumer(endpoint, async (consumer) => {
      const { topic: t } = await topicMetadata(consumer, endpoint, topic);
      return t.partitions.flatMap((p, i) => (p.leader < 0 ? [`partition ${i} of Kafka topic ${JSON.stringify(topic)} has no leader`] : []));
    }));
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
}

/** The cluster answers a metadata request (for `stack status`). */
export async function clusterHealth(endpoint: KafkaEndpoint): Promise<{ brokers: number; topics: number }> {
  return withDeadline(CHECK_TIMEOUT_MS, `asking ${endpoint.brokers.join(',')} for metadata`, withAdmin(endpoint, async (admin) => {
    const topics = await admin.listTopics();
    const md = await admin.metadata({ topics: [], forceUpdate: true });
    return { brokers: md.brokers.size, topics: topics.length };
  }));
}
