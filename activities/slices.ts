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
import { defaultTableName, discriminatorPaths, type S3SourceDefinition } from '../crawl/source';
import { notifySourceHolders } from '../db/governance';
import { recordProfiles, recordStatsOf, recordVolumes } from '../db/profiles';
import { diffVersion, EMPTY_RESULT, mergeResults, mergeSchemas, withNamesOf, type InferenceResult, type Schema } from '../schema';
import { remainderSliceName, sliceNames } from '../schema/slices';

type Stream = S3SourceDefinition & { id: number };

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

interface SliceRow {
  id: number;
  name: string;
  location: { stream: string; values: string[] | null };
  enabled: boolean;
  published_view: string | null;
}

const CHUNK = 500;
/** The new slices a crawl result names; the rest are counted. */
const NAMED_NEW = 20;

async function slicesOf(trx: Knex, streamId: number): Promise<Map<string, SliceRow>> {
  const rows: SliceRow[] = await trx('sources').where({ parent_id: streamId }).select('id', 'name', 'location', 'enabled', 'published_view');
  return new Map(rows.map((r) => [keyOfSlice(r.location.values), r]));
}

/** Registers the slices not registered yet, inactive; names are given once and never change. */
async function registerSlices(trx: Knex.Transaction, stream: Stream, keys: { key: string; values: string[] | null }[]): Promise<SliceRow[]> {
  if (keys.length === 0) return [];
  const taken: string[] = (await trx('sources').select('name')).map((r: { name: string }) => r.name);
  const names = sliceNames(stream.name, keys.flatMap((k) => (k.values ? [k.values] : [])), { pattern: stream.options.slicePattern, taken });
  const rows = keys.map(({ key, values }) => {
    const name = values === null ? remainderSliceName(stream.name) : names.get(key)!;
    return {
      name,
      kind: 'logical',
      parent_id: stream.id,
      location: JSON.stringify({ stream: stream.name, values }),
      format: null,
      schedule: stream.schedule,
      target_database: stream.targetDatabase,
      target_table: defaultTableName(name),
      options: '{}',
      layout: JSON.stringify({ kind: 'none' }),
      enabled: false,
    };
  });
  const saved: SliceRow[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    saved.push(...(await trx('sources').insert(rows.slice(i, i + CHUNK)).returning(['id', 'name', 'location', 'enabled', 'published_view'])));
  }
  return saved;
}

/** Latest schema version per source, for many sources in one query per chunk. */
async function latestVersions(trx: Knex, ids: number[]): Promise<Map<number, { version: number; schema: Schema }>> {
  const out = new Map<number, { version: number; schema: Schema }>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await trx.raw(
      `select distinct on (source_id) source_id, version, schema from schema_versions where source_id = any(?::int[]) order by source_id, version desc`,
      [ids.slice(i, i + CHUNK)],
    );
    for (const r of rows.rows) out.set(r.source_id, { version: r.version, schema: r.schema });
  }
  return out;
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
  const latest = await latestVersions(trx, seenIds);
  const versions: Record<string, unknown>[] = [];
  let changed = 0;
  for (const [key, s] of combined) {
    const slice = known.get(key)!;
    const prev = latest.get(slice.id);
    const next = prev ? mergeSchemas(prev.schema, s.result.schema) : s.result.schema;
    const diff = diffVersion(prev?.schema, next);
    if (prev && diff.change === 'none') continue;
    const version = (prev?.version ?? 0) + 1;
    const change = prev ? diff.change : 'initial';
    if (prev) changed++;
    versions.push({ source_id: slice.id, version, schema: JSON.stringify(next), changes: JSON.stringify(diff.changes), change_class: change, run_id: runId });
    if (change === 'breaking') {
      await notifySourceHolders(trx, { sourceId: slice.id, kind: 'breaking-change', event: `schema/v${version}`, payload: { schemaVersion: version, runId, changes: diff.changes.length } });
    }
  }
  for (let i = 0; i < versions.length; i += CHUNK) await trx('schema_versions').insert(versions.slice(i, i + CHUNK));
  for (let i = 0; i < seenIds.length; i += CHUNK) {
    await trx('sources').whereIn('id', seenIds.slice(i, i + CHUNK)).update({ last_seen_at: trx.fn.now(), last_seen_run_id: runId });
  }

  await recordSliceVolumes(trx, stream.id, known, batches, folded, input.touched);

  // each slice's share of the run's quarantine (the run's rows were replaced just before, in mergeCrawl)
  const quarantined = [...combined].flatMap(([key, s]) =>
    s.result.corruptSamples.map((c) => ({ source_id: known.get(key)!.id, run_id: runId, file: c.file, line: c.line, reason: c.reason })),
  );
  for (let i = 0; i < quarantined.length; i += CHUNK) await trx('corrupt_records').insert(quarantined.slice(i, i + CHUNK));

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
    const keys = objects.map((o) => o.key);
    for (let i = 0; i < keys.length; i += CHUNK) await trx('source_object_slices').where({ stream_id: streamId }).whereIn('key', keys.slice(i, i + CHUNK)).delete();
    const rows = objects.flatMap((o) =>
      [...sliceCounts(o, folded)].map(([key, c]) => ({ stream_id: streamId, key: o.key, slice_id: known.get(key)!.id, records: c.records, corrupt: c.corrupt })),
    );
    for (let i = 0; i < rows.length; i += CHUNK) await trx('source_object_slices').insert(rows.slice(i, i + CHUNK));
    if (touched.length === 0) return;
    const ids = [...known.values()].map((s) => s.id);
    await trx('source_partitions').whereIn('source_id', ids).whereIn('path', touched).delete();
    await trx.raw(
      `insert into source_partitions (source_id, path, keys, values, records, bytes, objects, corrupt_records, updated_at)
       select os.slice_id, so.partition, sp.keys, sp.values, sum(os.records),
              coalesce(sum(round(so.size::numeric * os.records / nullif(so.records, 0))), 0)::bigint, count(*), sum(os.corrupt), now()
         from source_object_slices os
         join source_objects so on so.source_id = os.stream_id and so.key = os.key
         join source_partitions sp on sp.source_id = os.stream_id and sp.path = so.partition
        where os.stream_id = ? and so.partition = any(?::text[])
        group by os.slice_id, so.partition, sp.keys, sp.values`,
      [streamId, touched],
    );
    // a slice gone from a partition keeps no profile of it
    await trx.raw(
      `delete from partition_profiles pp where pp.source_id = any(?::int[]) and pp.path = any(?::text[])
         and not exists (select 1 from source_partitions sp where sp.source_id = pp.source_id and sp.path = pp.path)`,
      [ids, touched],
    );
    return;
  }
  const byPartition = new Map<string, { sliceId: number; path: string; keys: string[]; values: string[]; records: number; bytes: number; objects: number; corrupt: number }>();
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
  const rows = [...byPartition.values()].map((p) => ({
    source_id: p.sliceId, path: p.path, keys: JSON.stringify(p.keys), values: JSON.stringify(p.values), records: p.records, bytes: p.bytes, objects: p.objects, corrupt_records: p.corrupt, updated_at: trx.fn.now(),
  }));
  for (let i = 0; i < rows.length; i += CHUNK) await trx('source_partitions').insert(rows.slice(i, i + CHUNK)).onConflict(['source_id', 'path']).merge();
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
  const latest = await latestVersions(db, slices.filter((s) => s.enabled).map((s) => s.id));
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
        await db('sources').where({ id: s.id }).update({ published_view: null });
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
    await db('sources').where({ id: s.id }).update({ published_view: text });
  }
  return summary;
}
