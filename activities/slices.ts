// The logical sources of a stream, as a crawl's merge and publish step writes them. Everything happens
// in the caller's transaction and in batches: a stream with a thousand slices costs a handful of
// statements per step, never a workflow or an activity per slice.
import type { Knex } from 'knex';
import type { MetastoreClient } from '../adapters/metastore/client';
import { dropView, publishView } from '../adapters/metastore/publisher';
import { viewParameters } from '../adapters/metastore/table-spec';
import { keyOfSlice, REMAINDER_KEY, sliceView, valuesOfRecord } from '../crawl/logical';
import type { SampleRow } from '../crawl/profile';
import type { SliceMergeSummary, SlicePublishSummary } from '../crawl/run';
import { defaultTableName, discriminatorPaths, type Source } from '../crawl/source';
import { recordProfiles, recordStatsOf, recordVolumes } from '../db/profiles';
import { quarantine } from '../db/quarantine';
import { latestSchemas, recordSchemaVersions } from '../db/schema-versions';
import { nextSchemaVersion } from '../crawl/schema-version';
import {
  insertSlices,
  markSlicesSeen,
  recomputeSlicePartitions,
  replaceObjectSlices,
  setPublishedView,
  slicesOfStream,
  takenSourceNames,
  upsertSlicePartitions,
  type SlicePartition,
  type SliceRow,
} from '../db/slices';
import { EMPTY_RESULT, mergeResults, withNamesOf, type InferenceResult, type Schema } from '../schema';
import { remainderSliceName, sliceNames } from '../schema/slices';

/** A stream: a source split by discriminators (only S3 JSON lines may be; see validateSourceDefinition). */
type Stream = Pick<Source, 'id' | 'name' | 'options' | 'schedule' | 'targetDatabase' | 'targetTable'>;

/** What the merge needs of a batch: its slices, objects with their records per slice, and its samples. */
export interface SliceBatchInput {
  slices?: Record<string, { values: string[] | null; result: InferenceResult }>;
  objects: {
    key: string;
    partition: string;
    keys: string[];
    values: string[];
    size: number;
    records: number;
    slices?: Record<string, number>;
    sliceCorrupt?: Record<string, number>;
  }[];
  samples?: SampleRow[];
}

/** The new slices a crawl result names; the rest are counted. */
const NAMED_NEW = 20;

async function slicesOf(trx: Knex, streamId: number): Promise<Map<string, SliceRow>> {
  const rows = await slicesOfStream(trx, streamId);
  return new Map(rows.map((r) => [keyOfSlice(r.location.values), r]));
}

/** Registers the slices not registered yet, inactive; names are given once and never change. */
async function registerSlices(trx: Knex.Transaction, stream: Stream, keys: { key: string; values: string[] | null }[]): Promise<SliceRow[]> {
  if (keys.length === 0) return [];
  const taken = await takenSourceNames(trx);
  const names = sliceNames(stream.name, keys.flatMap((k) => (k.values ? [k.values] : [])), { pattern: stream.options.slicePattern, taken });
  return insertSlices(
    trx,
    keys.map(({ key, values }) => {
      const name = values === null ? remainderSliceName(stream.name) : names.get(key)!;
      return { name, streamId: stream.id, stream: stream.name, values, schedule: stream.schedule, targetDatabase: stream.targetDatabase, targetTable: defaultTableName(name) };
    }),
  );
}

/**
 * Merges a stream crawl's slices into the catalog: registers new slices, writes a schema version for
 * each slice whose schema changed (and only for it), records when each was last seen, its partition
 * volumes (from records per slice per manifest object), samples and statistics.
 * `touched` are the stream partitions whose manifest changed (a crawl), or undefined for a backfill,
 * whose volumes are what it read.
 */
export async function mergeSlices(
  trx: Knex.Transaction,
  input: { stream: Stream; runId: number; batches: SliceBatchInput[]; touched?: string[] },
): Promise<SliceMergeSummary> {
  const { stream, runId, batches } = input;
  const combined = new Map<string, { values: string[] | null; result: InferenceResult }>();
  for (const b of batches) {
    for (const [key, s] of Object.entries(b.slices ?? {})) {
      const had = combined.get(key);
      combined.set(key, had ? { values: s.values, result: mergeResults(had.result, s.result) } : s);
    }
  }

  const known = await slicesOf(trx, stream.id);
  // a combination seen only in corrupt lines is not registered: its lines count for the remainder
  const folded = new Set([...combined].filter(([key, s]) => key !== REMAINDER_KEY && s.result.records === 0 && !known.has(key)).map(([key]) => key));
  for (const key of folded) {
    const rest = combined.get(REMAINDER_KEY);
    combined.set(REMAINDER_KEY, { values: null, result: mergeResults(rest?.result ?? EMPTY_RESULT, combined.get(key)!.result) });
    combined.delete(key);
  }
  const fresh = [...combined].filter(([key]) => !known.has(key)).map(([key, s]) => ({ key, values: s.values }));
  const registered = await registerSlices(trx, stream, fresh);
  for (const r of registered) known.set(keyOfSlice(r.location.values), r);

  // schema versions: one per slice whose schema changed
  const seenIds = [...combined.keys()].map((k) => known.get(k)!.id);
  const latest = await latestSchemas(trx, seenIds);
  const versions = [...combined].map(([key, s]) => ({ sourceId: known.get(key)!.id, next: nextSchemaVersion(latest.get(known.get(key)!.id), s.result.schema) }));
  const changed = versions.filter((v) => v.next.written && v.next.change !== 'initial').length;
  await recordSchemaVersions(trx, runId, versions);
  await markSlicesSeen(trx, seenIds, runId);

  await recordSliceVolumes(trx, stream.id, known, batches, folded, input.touched);

  // each slice's share of the run's quarantine (the run's rows were replaced just before, in mergeCrawl)
  const quarantined = [...combined].flatMap(([key, s]) =>
    s.result.corruptSamples.map((c) => ({ sourceId: known.get(key)!.id, runId, file: c.file, line: c.line, reason: c.reason })),
  );
  await quarantine(trx, quarantined);

  // samples and statistics: the profiled head records, split by slice
  const sampled = new Map<string, SampleRow[]>();
  const discriminators = discriminatorPaths(stream.options);
  for (const row of batches.flatMap((b) => b.samples ?? [])) {
    const key = keyOfSlice(valuesOfRecord(row.record, discriminators));
    if (known.has(key)) sampled.set(key, [...(sampled.get(key) ?? []), row]);
  }
  // scanned statistics first: the profile then writes sample-based figures only for slices without them
  await recordStatsOf(trx, runId, new Map([...combined].flatMap(([key, s]) => (s.result.stats ? [[known.get(key)!.id, s.result.stats] as const] : []))));
  await recordProfiles(trx, runId, new Map([...sampled].map(([key, rows]) => [known.get(key)!.id, rows] as const)));
  await recordVolumes(trx, [...known.values()].map((s) => s.id), runId);

  return {
    total: known.size,
    seen: combined.size,
    new: registered.length,
    newNames: registered.slice(0, NAMED_NEW).map((r) => r.name),
    changed,
    remainderRecords: combined.get(REMAINDER_KEY)?.result.records ?? 0,
  };
}

/** Records and corrupt lines of each slice in one object (`folded` slice keys count as the remainder's). */
function sliceCounts(o: SliceBatchInput['objects'][number], folded: Set<string>): Map<string, { records: number; corrupt: number }> {
  const counts = new Map<string, { records: number; corrupt: number }>();
  const at = (key: string) => {
    const k = folded.has(key) ? REMAINDER_KEY : key;
    let c = counts.get(k);
    if (!c) counts.set(k, (c = { records: 0, corrupt: 0 }));
    return c;
  };
  for (const [key, records] of Object.entries(o.slices ?? {})) at(key).records += records;
  for (const [key, corrupt] of Object.entries(o.sliceCorrupt ?? {})) at(key).corrupt += corrupt;
  return counts;
}

/** Partition volumes of the slices. A crawl keeps records and corrupt lines per slice per manifest object
 *  (deleting an object deletes its rows) and recomputes the touched partitions; a backfill writes what it read. */
async function recordSliceVolumes(
  trx: Knex.Transaction,
  streamId: number,
  known: Map<string, SliceRow>,
  batches: SliceBatchInput[],
  folded: Set<string>,
  touched: string[] | undefined,
): Promise<void> {
  const objects = batches.flatMap((b) => b.objects).filter((o) => o.slices || o.sliceCorrupt);
  if (touched) {
    const rows = objects.flatMap((o) => [...sliceCounts(o, folded)].map(([key, c]) => ({ key: o.key, sliceId: known.get(key)!.id, records: c.records, corrupt: c.corrupt })));
    await replaceObjectSlices(trx, streamId, objects.map((o) => o.key), rows);
    if (touched.length === 0) return;
    await recomputeSlicePartitions(trx, streamId, [...known.values()].map((s) => s.id), touched);
    return;
  }
  const byPartition = new Map<string, SlicePartition>();
  for (const o of objects) {
    for (const [key, c] of sliceCounts(o, folded)) {
      const sliceId = known.get(key)!.id;
      const id = `${sliceId}/${o.partition}`;
      const p = byPartition.get(id) ?? { sliceId, path: o.partition, keys: o.keys, values: o.values, records: 0, bytes: 0, objects: 0, corrupt: 0 };
      p.records += c.records;
      p.bytes += o.records ? Math.round((o.size * c.records) / o.records) : 0;
      p.objects += 1;
      p.corrupt += c.corrupt;
      byPartition.set(id, p);
    }
  }
  await upsertSlicePartitions(trx, [...byPartition.values()]);
}

/**
 * Publishes each active slice as a Hive view over the stream's table, and drops the view of a slice no
 * longer active. A view whose text is what was last published is left alone, so a crawl that changed
 * nothing makes no metastore call per slice.
 */
export async function publishSliceViews(
  db: Knex,
  ms: MetastoreClient,
  stream: Stream & { schema: Schema; repeatedKeys: string[]; partitionKeys: string[] },
): Promise<SlicePublishSummary> {
  const slices = [...(await slicesOf(db, stream.id)).values()];
  const latest = await latestSchemas(db, slices.filter((s) => s.enabled).map((s) => s.id));
  const summary: SlicePublishSummary = { views: 0, created: 0, altered: 0, dropped: 0 };
  for (const s of slices) {
    const version = latest.get(s.id);
    const view = s.enabled && version
      ? sliceView({
        stream: { database: stream.targetDatabase, table: stream.targetTable, schema: stream.schema, partitionKeys: stream.partitionKeys },
        // named as the stream's table publishes the same keys; partition keys come from the table
        slice: withNamesOf(version.schema, stream.schema, stream.repeatedKeys),
        values: s.location.values,
        discriminators: discriminatorPaths(stream.options),
        flatten: stream.options.flatten ?? [],
      })
      : undefined;
    const table = defaultTableName(s.name);
    if (!view) {
      if (s.published_view !== null) {
        await dropView(ms, stream.targetDatabase, table);
        await setPublishedView(db, s.id, null);
        summary.dropped++;
      }
      continue;
    }
    summary.views++;
    const text = JSON.stringify({ sql: view.sql, columns: view.columns });
    if (text === s.published_view) continue;
    const action = await publishView(ms, {
      database: stream.targetDatabase,
      table,
      columns: view.columns,
      sql: view.sql,
      parameters: viewParameters({ source: s.name, stream: stream.name, schemaVersion: version!.version }),
    });
    summary[action === 'create' ? 'created' : 'altered']++;
    await setPublishedView(db, s.id, text);
  }
  return summary;
}
