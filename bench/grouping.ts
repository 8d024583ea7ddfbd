// Grouped inference throughput: one core, without grouping versus grouped by 4 discriminators,
// best of several passes each (passes alternate, so a busy neighbour slows both alike), on three inputs:
//   1. a mixed event stream (`source, service, label, elem` first in every
//      record, a `props` object whose shape depends on the label), 1,000 slices, generated in memory;
//      this is the figure with the target (>= 0.8x);
//   2. the same stream with column statistics over every record, as a crawl infers it (each slice's
//      statistics too, where the schema side only types a slice's records of a new shape);
//   3. the schema benchmark's corpus grouped by event_type, device.os, device.browser and
//      user.geo.country (about 1,600 slices): nested paths behind large objects, the harder case, since
//      the pass that finds the values has to skip about half of each record.
// `npx tsx bench/grouping.ts [MB]` runs it alone (default 100 MB of generated stream, first 100 MB of the corpus).
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JsonLinesScanner } from '../schema/infer/jsonl';
import type { DiscriminatorPath, GroupedInferenceResult } from '../schema/slices';
import type { InferenceResult } from '../schema/merge';
import { rng } from './corpus';
import { seconds } from './timing';

export const STREAM_DISCRIMINATORS: DiscriminatorPath[] = ['source', 'service', 'label', 'elem'];
/** event_type (8) x device.os (5) x device.browser (4) x user.geo.country (10). */
export const CORPUS_DISCRIMINATORS: DiscriminatorPath[] = ['event_type', ['device', 'os'], ['device', 'browser'], ['user', 'geo', 'country']];

const CHUNK = 1 << 20;

const SERVICES = ['kakaomusic', 'kakaomv', 'kakaotv', 'melon', 'kakaopage', 'webtoon', 'kakaomap', 'kakaotaxi', 'daum', 'tistory', 'brunch', 'kakaogame', 'kakaoshop', 'gift', 'pay', 'bank', 'story', 'talk', 'mail', 'cafe'];
const ACTIONS = ['add_track_listen', 'request_navv', 'play_start', 'play_end', 'search'];
const ELEMS = ['edge', 'node', 'view', 'click', 'impression'];
const PROP_NAMES = ['name', 'original_id', 'registm', 'description', 'duration_ms', 'rank', 'query', 'genre', 'artist', 'album', 'quality', 'is_paid', 'position', 'tags', 'device'];

/** About `bytes` of JSON lines: 2 sources x 20 services x 5 labels x 5 elems = 1,000 slices, `props` per label. */
export function mixedStream(bytes: number): Uint8Array {
  const r = rng(20191015);
  const labels = SERVICES.flatMap((service) => ACTIONS.map((action) => ({ service, label: `${service}_${action}`, props: [...PROP_NAMES].sort(() => r.next() - 0.5).slice(0, 3 + r.int(6)) })));
  const propValue = (name: string): unknown => {
    switch (name) {
      case 'original_id':
      case 'duration_ms':
      case 'rank':
      case 'position':
        return r.int(1_000_000);
      case 'registm':
        return 1_571_130_000 + r.int(100_000);
      case 'is_paid':
        return r.next() < 0.5;
      case 'tags':
        return ['a', 'b', 'c'].slice(0, r.int(4));
      case 'quality':
        return +(r.next() * 5).toFixed(2);
      default:
        return `${name}-${r.int(10_000)}`;
    }
  };
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const l = r.pick(labels);
    const record = {
      source: r.next() < 0.7 ? 'identified' : 'anonymous',
      service: l.service,
      label: l.label,
      elem: r.pick(ELEMS),
      operation: r.pick(['add', 'view', 'update']),
      from: `u${r.int(10_000_000)}`,
      to: `t${r.int(1_000_000)}`,
      id_type: 'uuid',
      timestamp: 1_571_130_000_000 + i * 7,
      split: r.pick(['a', 'b']),
      props: Object.fromEntries(l.props.map((p) => [p, propValue(p)])),
    };
    const line = JSON.stringify(record) + '\n';
    lines.push(line);
    size += line.length;
  }
  return new TextEncoder().encode(lines.join(''));
}

function scan(bytes: Uint8Array, file: string, stats: boolean, discriminators?: DiscriminatorPath[]): JsonLinesScanner {
  const scanner = new JsonLinesScanner(file, { stats, ...(discriminators ? { discriminators } : {}) });
  for (let i = 0; i < bytes.length; i += CHUNK) scanner.push(bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
  return scanner;
}

export function readCorpus(file: string, limit = Infinity): Uint8Array {
  const size = Math.min(statSync(file).size, limit);
  const bytes = new Uint8Array(size);
  const fd = openSync(file, 'r');
  for (let off = 0; off < size; ) off += readSync(fd, bytes, off, Math.min(1 << 26, size - off), off);
  closeSync(fd);
  const end = bytes.lastIndexOf(0x0a) + 1;
  return end > 0 ? bytes.subarray(0, end) : bytes;
}

/** Best-of-`passes` throughput ratio grouped / ungrouped, after a warm-up pass of each. */
function measure(label: string, bytes: Uint8Array, file: string, discriminators: DiscriminatorPath[], passes: number, stats = false): number {
  const mb = bytes.length / 1e6;
  let plainBest = Infinity;
  let groupedBest = Infinity;
  let plain: InferenceResult | undefined;
  let result: GroupedInferenceResult | undefined;
  for (let i = 0; i <= passes; i++) {
    // each side timed to its finished result: the grouped scan's end builds the slices' schemas
    let t = process.hrtime.bigint();
    plain = scan(bytes, file, stats).end();
    const p = seconds(t);
    t = process.hrtime.bigint();
    result = scan(bytes, file, stats, discriminators).endGrouped();
    const g = seconds(t);
    if (i > 0) {
      plainBest = Math.min(plainBest, p);
      groupedBest = Math.min(groupedBest, g);
    }
  }
  result = result!;
  const same = JSON.stringify(result.stream) === JSON.stringify(plain);
  const ratio = plainBest / groupedBest;
  const rate = (s: number) => (mb / s).toFixed(0).padStart(5);
  const by = discriminators.map((d) => (typeof d === 'string' ? d : d.join('.'))).join(', ');
  console.log(`${label}: ${mb.toFixed(0)} MB, ${result.stream.records} records into ${Object.keys(result.slices).length} slices + ${result.remainder.records} in the remainder by ${by}; stream identical to ungrouped: ${same}`);
  console.log(`  ungrouped (1 core): ${rate(plainBest)} MB/s   grouped by 4: ${rate(groupedBest)} MB/s   ratio ${ratio.toFixed(2)}x`);
  if (!same) process.exitCode = 1;
  return ratio;
}

/** Prints the figures and returns the ratios for the summary table of bench/main.ts. */
export function groupingBench(corpusFile: string | undefined, passes: number, megabytes = 100): { name: string; value: number; note: string }[] {
  console.log(`\ngrouped inference, best of ${passes} passes after a warm-up (one core)`);
  const bytes = mixedStream(megabytes * 1e6);
  const stream = measure('mixed event stream', bytes, 'stream.jsonl', STREAM_DISCRIMINATORS, passes);
  const withStats = measure('mixed event stream, with column statistics', bytes, 'stream.jsonl', STREAM_DISCRIMINATORS, passes, true);
  const ratios = [
    { name: 'grouped by 4 / ungrouped inference', value: stream, note: 'throughput of the schema scan, 1,000 slices, target >= 0.8x' },
    { name: 'grouped by 4 / ungrouped, with statistics', value: withStats, note: 'throughput as a crawl infers (per-slice statistics over every record)' },
  ];
  if (corpusFile && existsSync(corpusFile)) {
    const nested = measure('schema corpus, nested paths', readCorpus(corpusFile, megabytes * 1e6), corpusFile, CORPUS_DISCRIMINATORS, passes);
    ratios.push({ name: 'grouped by 4 nested / ungrouped', value: nested, note: 'throughput, ~1,600 slices, discriminators behind large objects' });
  }
  return ratios;
}

if (require.main === module) {
  groupingBench(join(__dirname, '..', '.stack', 'bench', 'events.jsonl'), Number(process.env.BENCH_PASSES ?? 3), Number(process.argv[2] ?? 100));
}
