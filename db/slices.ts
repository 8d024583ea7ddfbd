// Queries of a stream's logical sources (slices): their rows in `sources`, the records of each slice per
// manifest object (source_object_slices), and their partition volumes. Each runs in a few statements per
// chunk, so a stream with a thousand slices costs a handful of statements per merge.
import type { Knex } from 'knex';
import { refreshSearchDocuments } from './search-index';

const CHUNK = 500;

export interface SliceRow {
  id: number;
  name: string;
  location: { stream: string; values: string[] | null };
  enabled: boolean;
  published_view: string | null;
}

export interface NewSlice {
  name: string;
  streamId: number;
  stream: string;
  values: string[] | null;
  schedule: string;
  targetDatabase: string;
  targetTable: string;
}

export async function slicesOfStream(db: Knex, streamId: number): Promise<SliceRow[]> {
  return db('sources').where({ parent_id: streamId }).select('id', 'name', 'location', 'enabled', 'published_view');
}

/** Every source name taken (slice names must not collide with any). */
export async function takenSourceNames(db: Knex): Promise<string[]> {
  return (await db('sources').select('name')).map((r: { name: string }) => r.name);
}

/** Registers slices, inactive. */
export async function insertSlices(trx: Knex.Transaction, slices: readonly NewSlice[]): Promise<SliceRow[]> {
  const rows = slices.map((s) => ({
    name: s.name,
    kind: 'logical',
    parent_id: s.streamId,
    location: JSON.stringify({ stream: s.stream, values: s.values }),
    format: null,
    schedule: s.schedule,
    target_database: s.targetDatabase,
    target_table: s.targetTable,
    options: '{}',
    layout: JSON.stringify({ kind: 'none' }),
    enabled: false,
  }));
  const saved: SliceRow[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    saved.push(...(await trx('sources').insert(rows.slice(i, i + CHUNK)).returning(['id', 'name', 'location', 'enabled', 'published_view'])));
  }
  await refreshSearchDocuments(trx, saved.map((s) => s.id)); // findable by name before their first schema
  return saved;
}

export async function markSlicesSeen(trx: Knex.Transaction, ids: readonly number[], runId: number): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK) {
    await trx('sources').whereIn('id', ids.slice(i, i + CHUNK)).update({ last_seen_at: trx.fn.now(), last_seen_run_id: runId });
  }
}

/** What was last published as the slice's view (its text), or null when it has none. */
export async function setPublishedView(db: Knex, sliceId: number, text: string | null): Promise<void> {
  await db('sources').where({ id: sliceId }).update({ published_view: text });
}

export interface ObjectSliceRow {
  key: string;
  sliceId: number;
  records: number;
  corrupt: number;
}

/** Replaces the records per slice of the given manifest objects. */
export async function replaceObjectSlices(trx: Knex.Transaction, streamId: number, keys: readonly string[], rows: readonly ObjectSliceRow[]): Promise<void> {
  for (let i = 0; i < keys.length; i += CHUNK) await trx('source_object_slices').where({ stream_id: streamId }).whereIn('key', keys.slice(i, i + CHUNK)).delete();
  const inserted = rows.map((r) => ({ stream_id: streamId, key: r.key, slice_id: r.sliceId, records: r.records, corrupt: r.corrupt }));
  for (let i = 0; i < inserted.length; i += CHUNK) await trx('source_object_slices').insert(inserted.slice(i, i + CHUNK));
}

/** The slices' volumes of the stream partitions `touched`, from records per slice per manifest object
 *  (bytes pro rata of records); a slice gone from a partition loses its row and its profile there. */
export async function recomputeSlicePartitions(trx: Knex.Transaction, streamId: number, sliceIds: readonly number[], touched: readonly string[]): Promise<void> {
  await trx('source_partitions').whereIn('source_id', sliceIds).whereIn('path', touched).delete();
  await trx.raw(
    `insert into source_partitions (source_id, path, keys, values, records, bytes, objects, corrupt_records, updated_at)
     select os.slice_id, so.partition, sp.keys, sp.values, sum(os.records),
            coalesce(sum(round(so.size::numeric * os.records / nullif(so.records, 0))), 0)::bigint, count(*), sum(os.corrupt), now()
       from source_object_slices os
       join source_objects so on so.source_id = os.stream_id and so.key = os.key
       join source_partitions sp on sp.source_id = os.stream_id and sp.path = so.partition
      where os.stream_id = ? and so.partition = any(?::text[])
      group by os.slice_id, so.partition, sp.keys, sp.values`,
    [streamId, [...touched]],
  );
  await trx.raw(
    `delete from partition_profiles pp where pp.source_id = any(?::int[]) and pp.path = any(?::text[])
       and not exists (select 1 from source_partitions sp where sp.source_id = pp.source_id and sp.path = pp.path)`,
    [[...sliceIds], [...touched]],
  );
}

export interface SlicePartition {
  sliceId: number;
  path: string;
  keys: string[];
  values: string[];
  records: number;
  bytes: number;
  objects: number;
  corrupt: number;
}

/** Writes slice partitions' volumes as given (a backfill: what it read). */
export async function upsertSlicePartitions(trx: Knex.Transaction, partitions: readonly SlicePartition[]): Promise<void> {
  const rows = partitions.map((p) => ({
    source_id: p.sliceId, path: p.path, keys: JSON.stringify(p.keys), values: JSON.stringify(p.values), records: p.records, bytes: p.bytes, objects: p.objects, corrupt_records: p.corrupt, updated_at: trx.fn.now(),
  }));
  for (let i = 0; i < rows.length; i += CHUNK) await trx('source_partitions').insert(rows.slice(i, i + CHUNK)).onConflict(['source_id', 'path']).merge();
}
