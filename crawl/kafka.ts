// Pure rules of reading a Kafka topic: which offsets a crawl reads (from the catalog's committed offsets to
// the high watermarks seen at plan time, with retention gaps reported), how a message becomes one record
// of JSON lines (its key, headers and timestamp as metadata columns), and which hour it counts in.
//
// Offsets are decimal strings wherever they cross a workflow or the catalog (bigint is not JSON).

/** One partition's offsets as the broker reports them. */
export interface TopicPartitionOffsets {
  partition: number;
  logStart: string;
  highWatermark: string;
}

/** One planned read: offsets [from, to) of one partition. A batch of a topic's crawl is one range. */
export interface PlannedRange {
  partition: number;
  from: string;
  to: string;
}

/** Offsets that aged out of a partition (retention) before the catalog read them. */
export interface RetentionGap {
  partition: number;
  /** The catalog's committed offset: the first one it had not read. */
  committed: string;
  /** The partition's log start at plan time: reading resumed here. */
  logStart: string;
  missing: string;
}

export interface TopicReadPlan {
  ranges: PlannedRange[];
  gaps: RetentionGap[];
  /** Per partition, where the next crawl starts once this one is merged: the high watermark seen. */
  next: Record<string, string>;
  messages: string;
}

/** Messages one batch reads at most: a batch's inference stays bounded in time and memory, and a topic's
 *  partitions fan out over the inference workers. */
export const MESSAGES_PER_BATCH = 50_000;

/**
 * What a crawl of a topic reads: each partition from its committed offset (a new partition, or a new
 * source, from the log start) up to the high watermark seen now, cut into ranges of at most `perBatch`
 * messages. A committed offset below the log start lost those messages to retention: a gap, reported
 * with its size, and the read resumes at the log start. A committed offset past the high watermark (the
 * topic was deleted and made again) reads the partition from its start.
 */
export function planTopicRead(partitions: readonly TopicPartitionOffsets[], committed: ReadonlyMap<number, string>, perBatch = MESSAGES_PER_BATCH): TopicReadPlan {
  const ranges: PlannedRange[] = [];
  const gaps: RetentionGap[] = [];
  const next: Record<string, string> = {};
  let messages = 0n;
  for (const p of [...partitions].sort((a, b) => a.partition - b.partition)) {
    const logStart = BigInt(p.logStart);
    const end = BigInt(p.highWatermark);
    const had = committed.get(p.partition);
    let from = had === undefined ? logStart : BigInt(had);
    if (from > end) from = logStart;
    if (from < logStart) {
      if (had !== undefined) gaps.push({ partition: p.partition, committed: String(from), logStart: String(logStart), missing: String(logStart - from) });
      from = logStart;
    }
    next[String(p.partition)] = String(end);
    ranges.push(...cutRange(p.partition, from, end, perBatch));
    messages += end - from;
  }
  return { ranges, gaps, next, messages: String(messages) };
}

/** Per partition, the offsets [from, to) of a backfill, cut into batches. */
export function planTopicBackfill(partitions: readonly TopicPartitionOffsets[], from: ReadonlyMap<number, string>, to: ReadonlyMap<number, string>, perBatch = MESSAGES_PER_BATCH): PlannedRange[] {
  return [...partitions].sort((a, b) => a.partition - b.partition).flatMap((p) => {
    const start = maxOf(BigInt(p.logStart), BigInt(from.get(p.partition) ?? p.logStart));
    const end = minOf(BigInt(p.highWatermark), BigInt(to.get(p.partition) ?? p.highWatermark));
    return cutRange(p.partition, start, end, perBatch);
  });
}

/** A backfill's bound: an offset (digits, the same in every partition) or a time (a date, yyyy-MM-dd, is
 *  its midnight UTC; or an ISO timestamp). */
export type TopicBound = { offset: string } | { time: number };

export function parseTopicBound(text: string): TopicBound | { error: string } {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { offset: String(BigInt(t)) };
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(t) ? Date.parse(`${t}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(t) ? Date.parse(t) : NaN;
  if (Number.isNaN(ms)) return { error: `"${text}" is neither an offset (digits) nor a date (yyyy-MM-dd) or an ISO timestamp` };
  return { time: ms };
}

function cutRange(partition: number, from: bigint, to: bigint, perBatch: number): PlannedRange[] {
  const out: PlannedRange[] = [];
  const step = BigInt(perBatch);
  for (let at = from; at < to; at += step) out.push({ partition, from: String(at), to: String(minOf(at + step, to)) });
  return out;
}

const minOf = (a: bigint, b: bigint) => (a < b ? a : b);
const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);

// --- messages as records -----------------------------------------------------------------------------

/** The metadata columns every record of a topic gets, beside its value's fields. */
export const KAFKA_COLUMNS = ['kafka_key', 'kafka_headers', 'kafka_timestamp', 'kafka_partition', 'kafka_offset'] as const;

export interface MessageParts {
  partition: number;
  offset: string;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array;
  headers: Array<[string, Uint8Array | null]>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text of bytes that are UTF-8; other bytes as `base64:` and their base64, so a binary key still reads. */
export function bytesAsText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return `base64:${Buffer.from(bytes).toString('base64')}`;
  }
}

const SPACE = 0x20;
const isWhitespace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * One line of JSON lines for a message: its value, an object, with the metadata columns put in front of
 * its own fields (`{"kafka_key":…,"kafka_headers":{…},"kafka_timestamp":…,"kafka_partition":…,"kafka_offset":…, <value's fields>}`),
 * so one scan types the value and the metadata together. A value that is not an object is left as it is
 * (the scan quarantines it). Newlines become spaces: in valid JSON they are only whitespace between tokens
 * (a pretty-printed message), and a message is one record whatever its layout.
 */
export function recordLine(m: MessageParts): Uint8Array {
  const v = m.value;
  let start = 0;
  while (start < v.length && isWhitespace(v[start]!)) start++;
  if (v[start] !== 0x7b /* { */) return withoutNewlines(v);
  let after = start + 1;
  while (after < v.length && isWhitespace(v[after]!)) after++;
  const empty = v[after] === 0x7d; /* } */
  const headers: Record<string, string | null> = {};
  for (const [k, h] of m.headers) headers[k] = h === null ? null : bytesAsText(h);
  const meta =
    `{"kafka_key":${m.key === null ? 'null' : JSON.stringify(bytesAsText(m.key))},"kafka_headers":${JSON.stringify(headers)},` +
    `"kafka_timestamp":${Math.trunc(m.timestamp)},"kafka_partition":${m.partition},"kafka_offset":${m.offset}${empty ? '' : ','}`;
  // allocUnsafe takes small lines from Node's pool: a zeroed array of its own per message cost more than the copy
  const headLength = Buffer.byteLength(meta);
  const line = Buffer.allocUnsafe(headLength + v.length - start - 1);
  line.write(meta, 0);
  line.set(v.subarray(start + 1), headLength);
  return withoutNewlines(line, headLength);
}

function withoutNewlines(bytes: Uint8Array, from = 0): Uint8Array {
  // most messages hold neither: indexOf finds that natively, far faster than a loop over every byte
  if (bytes.indexOf(0x0a, from) < 0 && bytes.indexOf(0x0d, from) < 0) return bytes;
  let copy: Uint8Array | undefined;
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a || b === 0x0d) (copy ??= Uint8Array.from(bytes))[i] = SPACE;
  }
  return copy ?? bytes;
}

/** The hour a message counts in for volumes (records per hour): its timestamp's, in UTC, as a partition. */
export function hourOf(timestamp: number): MessageHour {
  const ms = Number.isFinite(timestamp) && timestamp >= 0 ? timestamp : 0;
  // messages come in time order mostly: the last hour answers nearly every call without a Date
  const start = ms - (ms % HOUR_MS);
  if (lastHour?.start === start) return lastHour.hour;
  const iso = new Date(start).toISOString();
  const date = iso.slice(0, 10);
  const hour = iso.slice(11, 13);
  lastHour = { start, hour: { path: `date=${date}/hour=${hour}/`, keys: ['date', 'hour'], values: [date, hour] } };
  return lastHour.hour;
}

export interface MessageHour {
  path: string;
  keys: string[];
  values: string[];
}

const HOUR_MS = 3_600_000;
let lastHour: { start: number; hour: MessageHour } | undefined;
