// Kafka topics as sources. Bookkeeping is offsets: a plan reads each partition from the offset the catalog
// committed up to the high watermark it sees, in ranges fanned out over the inference queue; a crawl's merge
// commits the new offsets in its own transaction, with the schema version (db/kafka-offsets.ts). A message's
// value is one record of JSON lines, its key, headers, timestamp, partition and offset metadata columns
// (crawl/kafka.ts), and its timestamp's hour the partition its volume counts in. What a range read is kept
// like an S3 object in the manifest (one entry per partition, hour and run of offsets), so volumes, a
// stream's logical sources and their volumes work as for S3 streams, and a range merged twice counts once.
import type { Knex } from 'knex';
import { checkTopic, KafkaOffsetAgedOutError, offsetsForTime, readPartition, topicOffsets, type KafkaEndpoint } from '../adapters/kafka';
import { resolveBrokers } from '../adapters/secrets';
import { hourOf, planTopicBackfill, planTopicRead, parseTopicBound, recordLine, MESSAGES_PER_BATCH, type PlannedRange, type TopicPartitionOffsets } from '../crawl/kafka';
import type { SampleRow } from '../crawl/profile';
import type { CrawlCounts, InferProgress } from '../crawl/run';
import { discriminatorPaths, InvalidSourceError, type KafkaSourceDefinition } from '../crawl/source';
import { commitOffsets, committedOffsets } from '../db/kafka-offsets';
import { recomputePartitions, recordObjects } from '../db/manifest';
import { PROFILE } from '../db/profiles';
import { EMPTY_RESULT, mergeResults, type InferenceResult } from '../schema';
import { JsonLinesScanner } from '../schema/infer/jsonl';
import type { GroupedInferenceResult } from '../schema/slices';
import type { BatchResult, BatchSlice, Connector, ConnectorDeps, MergedRun, ObjectStats, PlannedCrawl, PlanRequest } from './connector';
import { gatherSlices } from './stream-slices';

type KafkaSource = KafkaSourceDefinition & { id: number };

/** A run of offsets longer than this without messages (compaction, transaction markers) starts a new
 *  manifest entry rather than feeding the scanner a blank line per missing offset. */
const MAX_BLANK_OFFSETS = 1000;
/** Bytes of lines handed to a scanner at once. */
const FEED_BYTES = 256 * 1024;
const FETCH_BYTES = 1 << 20;

function endpointOf(deps: Pick<ConnectorDeps, 'kafkaBootstrap'>, source: Pick<KafkaSourceDefinition, 'name' | 'location'>): KafkaEndpoint {
  const brokers = source.location.bootstrapRef ? resolveBrokers(source.location.bootstrapRef) : deps.kafkaBootstrap.split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new InvalidSourceError(source.name, [{ field: 'location.bootstrapRef', reason: 'no Kafka brokers: name a secret, or set LAKE_KAFKA_BOOTSTRAP for the worker' }]);
  return { brokers, clientId: `lake-catalog/${source.name}` };
}

const fileOf = (source: KafkaSource, partition: number) => `kafka://${source.location.topic}/${partition}`;

async function plan(deps: ConnectorDeps, source: KafkaSource, input: PlanRequest): Promise<PlannedCrawl> {
  const endpoint = endpointOf(deps, source);
  const partitions: TopicPartitionOffsets[] = await topicOffsets(endpoint, source.location.topic);
  if (input.kind === 'backfill') {
    const range = input.range!;
    const bound = async (text: string, edge: 'from' | 'to'): Promise<Map<number, string>> => {
      const b = parseTopicBound(text);
      if ('error' in b) throw new InvalidSourceError(source.name, [{ field: `range.${edge}`, reason: b.error }]);
      if ('offset' in b) return new Map(partitions.map((p) => [p.partition, edge === 'to' ? String(BigInt(b.offset) + 1n) : b.offset]));
      // a date's range is inclusive: up to the next midnight
      const ms = edge === 'to' && /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? b.time + 86_400_000 : b.time;
      return offsetsForTime(endpoint, source.location.topic, ms);
    };
    const ranges = planTopicBackfill(partitions, await bound(range.from, 'from'), await bound(range.to, 'to'));
    const messages = ranges.reduce((n, r) => n + Number(BigInt(r.to) - BigInt(r.from)), 0);
    return { batches: ranges.map((r) => [r]), counts: countsOf(ranges.length, messages), scope: { topic: source.location.topic, range, ranges: ranges.length }, format: 'kafka' };
  }
  const read = planTopicRead(partitions, await committedOffsets(deps.db, source.id), MESSAGES_PER_BATCH);
  const agedOut = read.gaps.reduce((n, g) => n + Number(g.missing), 0);
  return {
    batches: read.ranges.map((r) => [r]),
    counts: countsOf(read.ranges.length, Number(read.messages)),
    scope: { topic: source.location.topic, next: read.next, gaps: read.gaps, agedOut },
    format: 'kafka',
  };
}

function countsOf(ranges: number, messages: number): CrawlCounts {
  return { added: messages, changed: 0, deleted: 0, unchanged: 0, files: ranges, bytes: 0 };
}

/** One manifest entry in the making: messages of one partition, one hour, offsets close together. */
interface Segment {
  hour: ReturnType<typeof hourOf>;
  scanner: JsonLinesScanner;
  first: bigint;
  last: bigint;
  bytes: number;
  maxTimestamp: number;
  pending: Uint8Array[];
  pendingBytes: number;
}

async function read(deps: Pick<ConnectorDeps, 's3' | 'kafkaBootstrap'>, source: KafkaSource, batch: unknown[], onProgress: (p: InferProgress) => void): Promise<BatchResult> {
  const range = batch[0] as PlannedRange;
  const endpoint = endpointOf(deps, source);
  const file = fileOf(source, range.partition);
  const discriminators = discriminatorPaths(source.options);
  const options = { stats: true, detectTemporal: source.options.detectDates ?? false, ...(discriminators.length ? { discriminators } : {}) };
  const progress: InferProgress = { filesDone: 0, filesTotal: 1, bytesDone: 0, rows: 0 };

  const done: { segment: Segment; grouped?: GroupedInferenceResult; result: InferenceResult }[] = [];
  const samples: SampleRow[] = [];
  let open: Segment | undefined;
  const flush = (s: Segment) => {
    // one chunk of whole lines: pushed one by one, each line would be copied into the scanner's carry
    // and scanned alone, waiting for the newline after it
    if (s.pending.length > 0) s.scanner.push(Buffer.concat(s.pending));
    s.pending = [];
    s.pendingBytes = 0;
  };
  const close = (s: Segment) => {
    flush(s);
    if (discriminators.length) {
      const grouped = s.scanner.endGrouped();
      done.push({ segment: s, grouped, result: grouped.stream });
    } else done.push({ segment: s, result: s.scanner.end() });
  };
  const NEWLINE = new Uint8Array([0x0a]);

  let from = range.from;
  let agedOut = 0n;
  for (;;) {
    try {
      for await (const messages of readPartition(endpoint, source.location.topic, range.partition, from, range.to, { maxBytes: FETCH_BYTES })) {
        for (const m of messages) {
          const offset = BigInt(m.offset);
          from = String(offset + 1n);
          progress.rows! += 1;
          if (m.value === null) continue; // a tombstone: a key deleted, no record
          const hour = hourOf(m.timestamp);
          if (open && (open.hour.path !== hour.path || offset - open.last > BigInt(MAX_BLANK_OFFSETS))) {
            close(open);
            open = undefined;
          }
          if (!open) {
            open = { hour, scanner: new JsonLinesScanner(file, { ...options, firstLine: Number(offset) }), first: offset, last: offset - 1n, bytes: 0, maxTimestamp: m.timestamp, pending: [], pendingBytes: 0 };
          }
          // one line per offset: the scanner's line numbers are the offsets
          for (let gap = open.last + 1n; gap < offset; gap++) open.pending.push(NEWLINE);
          const line = recordLine({ ...m, value: m.value });
          open.pending.push(line, NEWLINE);
          open.pendingBytes += line.length + 1;
          open.last = offset;
          open.bytes += m.value.length + (m.key?.length ?? 0);
          open.maxTimestamp = Math.max(open.maxTimestamp, m.timestamp);
          if (samples.length < PROFILE.maxRecords) {
            try {
              samples.push({ partition: hour.path, file: `${file}@${m.offset}`, record: JSON.parse(Buffer.from(line).toString('utf8')) as Record<string, unknown> });
            } catch {
              // a corrupt message is quarantined by the scan, not sampled
            }
          }
          if (open.pendingBytes >= FEED_BYTES) flush(open);
        }
        progress.bytesDone = done.reduce((n, d) => n + d.segment.bytes, 0) + (open?.bytes ?? 0);
        onProgress(progress);
      }
      break;
    } catch (e) {
      // retention overtook the read: what aged out is a gap, counted, and the read goes on from the log start
      if (!(e instanceof KafkaOffsetAgedOutError)) throw e;
      agedOut += BigInt(e.missing);
      from = e.logStart;
      if (BigInt(from) >= BigInt(range.to)) break;
    }
  }
  if (open) close(open);
  progress.filesDone = 1;
  onProgress(progress);

  let result: InferenceResult = EMPTY_RESULT;
  const objects: ObjectStats[] = [];
  const slices: Record<string, BatchSlice> = {};
  for (const { segment: s, grouped, result: r } of done) {
    result = mergeResults(result, r);
    objects.push({
      key: `${range.partition}/${s.first}-${s.last}`,
      etag: '',
      size: s.bytes,
      lastModified: new Date(s.maxTimestamp).toISOString(),
      partition: s.hour.path,
      keys: s.hour.keys,
      values: s.hour.values,
      format: 'jsonl',
      gzip: false,
      records: r.records,
      corruptRecords: r.corruptRecords,
      ...(grouped ? gatherSlices(slices, grouped) : {}),
    });
  }
  return {
    result,
    objects,
    samples,
    rows: Number(progress.rows),
    ...(discriminators.length ? { slices } : {}),
    ...(agedOut > 0n ? { agedOut: Number(agedOut) } : {}),
  };
}

/** A crawl records what it read (volumes by hour) and commits the offsets it planned to, in the merge's
 *  transaction; a backfill re-read messages for their schema only: offsets and volumes stay. */
async function advance(trx: Knex.Transaction, source: KafkaSource, run: MergedRun, results: readonly BatchResult[]): Promise<string[]> {
  if (run.kind !== 'crawl') return [];
  const objects = results.flatMap((r) => r.objects);
  await recordObjects(trx, source.id, run.id, objects);
  const touched = [...new Set(objects.map((o) => o.partition))];
  await recomputePartitions(trx, source.id, touched);
  await commitOffsets(trx, source.id, run.id, (run.scope.next as Record<string, string> | undefined) ?? {});
  return touched;
}

/** The brokers answer and the topic exists. */
async function check(deps: Pick<ConnectorDeps, 's3' | 'kafkaBootstrap'>, def: KafkaSourceDefinition): Promise<string[]> {
  let endpoint: KafkaEndpoint;
  try {
    endpoint = endpointOf(deps, def);
  } catch (e) {
    return [`location.bootstrapRef: ${(e as Error).message}`];
  }
  return (await checkTopic(endpoint, def.location.topic)).map((p) => `location.topic: ${p}`);
}

export const kafkaConnector: Connector<KafkaSource> = {
  kind: 'kafka',
  plan,
  read,
  advance,
  // a topic's records are in the broker, not the lake: it is catalogued (and may land in an S3 source), not published
  lakeTable: () => undefined,
  previewRefusal: (source) => `--dry-run reads S3 sources; ${source.name} is a Kafka topic (crawl it: only new messages are read)`,
  check,
};
