// Queries of an S3 source's manifest (source_objects: what was read of each object) and of the partitions
// it makes up (source_partitions: their volumes). The manifest advances only in the merge's transaction,
// with the schema version it produced.
import type { Knex } from 'knex';
import type { CsvDialect } from '../schema/infer/csv';
import type { PartitionKeyMismatch } from '../schema/infer/partition-keys';

const CHUNK = 500;

/** A catalogued object as a plan classifies it (no modification time: a pg Date a row, which a plan of
 *  a million objects would hold for nothing). */
export interface ManifestRow {
  key: string;
  etag: string;
  size: number; // bigint: pg may hand it over as text, readers take Number() of it
  partition: string;
}

/** One object as a merge records it. */
export interface ManifestObject {
  key: string;
  etag: string;
  size: number;
  lastModified: string;
  partition: string;
  keys: string[];
  values: string[];
  format: string;
  gzip: boolean;
  records: number;
  corruptRecords: number;
  keyMismatches?: number;
  firstKeyMismatch?: PartitionKeyMismatch;
  csv?: CsvDialect;
}

export interface PartitionVolumes {
  objects: number;
  records: number;
  bytes: number;
  corrupt: number;
  mismatches: number;
}

/**
 * A source's manifest; with `partitions`, only the objects under those partition paths (prefixes of an
 * object's partition, as a listing's scope is), so a pruned listing of a large source reads the few
 * partitions it listed, not every object the catalog knows.
 */
export async function manifestOf(db: Knex, sourceId: number, partitions?: readonly string[]): Promise<ManifestRow[]> {
  const q = db('source_objects').where({ source_id: sourceId }).select('key', 'etag', 'size', 'partition');
  if (partitions === undefined) return q;
  if (partitions.length === 0) return [];
  const patterns = partitions.filter((p) => p !== '').map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return patterns.length ? q.whereRaw('"partition" like any (?)', [patterns]) : [];
}

/** The partition paths of a source's manifest ('' for unpartitioned objects left out). */
export async function manifestPartitions(db: Knex, sourceId: number): Promise<string[]> {
  return db('source_objects').where({ source_id: sourceId }).whereNot({ partition: '' }).distinct('partition').pluck('partition');
}

/** How many objects a source's manifest holds. */
export async function manifestSize(db: Knex, sourceId: number): Promise<number> {
  const [{ n }] = await db('source_objects').where({ source_id: sourceId }).count<{ n: string }[]>({ n: '*' });
  return Number(n);
}

/** Rows per statement when recording objects: one round trip per thousand objects, not two per object
 *  (14 parameters a row, well under PostgreSQL's 65,535). */
const OBJECT_ROWS = 1000;

/** Records objects read by a crawl (a partition seen for the first time gets its row, its volumes are
 *  computed by `recomputePartitions`). A key listed twice is recorded as its last entry says. */
export async function recordObjects(trx: Knex.Transaction, sourceId: number, runId: number, objects: readonly ManifestObject[]): Promise<void> {
  const byKey = new Map<string, ManifestObject>();
  for (const o of objects) {
    byKey.delete(o.key); // the last entry wins, in its own place
    byKey.set(o.key, o);
  }
  const unique = [...byKey.values()];
  for (let i = 0; i < unique.length; i += OBJECT_ROWS) {
    const rows = unique.slice(i, i + OBJECT_ROWS).map((o) => ({
      source_id: sourceId, key: o.key, etag: o.etag, size: o.size, last_modified: o.lastModified, partition: o.partition,
      format: o.format, gzip: o.gzip, records: o.records, corrupt_records: o.corruptRecords, run_id: runId,
      key_mismatches: o.keyMismatches ?? 0, first_key_mismatch: o.firstKeyMismatch ? JSON.stringify(o.firstKeyMismatch) : null,
      csv_dialect: o.csv ? JSON.stringify(o.csv) : null,
    }));
    await trx('source_objects').insert(rows).onConflict(['source_id', 'key']).merge();
  }
  // a partition's first object names its keys and values; one already recorded keeps its row
  const partitions = new Map<string, ManifestObject>();
  for (const o of unique) if (!partitions.has(o.partition)) partitions.set(o.partition, o);
  const fresh = [...partitions.values()].map((o) => ({
    source_id: sourceId, path: o.partition, keys: JSON.stringify(o.keys), values: JSON.stringify(o.values),
    objects: 0, records: 0, bytes: 0, corrupt_records: 0, key_mismatches: 0, updated_at: trx.fn.now(),
  }));
  for (let i = 0; i < fresh.length; i += OBJECT_ROWS) {
    await trx('source_partitions').insert(fresh.slice(i, i + OBJECT_ROWS)).onConflict(['source_id', 'path']).ignore();
  }
}

/** Deletes objects from the manifest; returns the partitions they were in. */
export async function deleteObjects(trx: Knex.Transaction, sourceId: number, keys: readonly string[]): Promise<string[]> {
  const partitions: string[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const gone = await trx('source_objects').where({ source_id: sourceId }).whereIn('key', keys.slice(i, i + CHUNK)).delete().returning('partition');
    for (const g of gone) partitions.push(g.partition);
  }
  return partitions;
}

/** Volumes of partitions from the manifest; a partition left with no object is dropped. Every partition
 *  named here has its row already (created when its first object was recorded). */
export async function recomputePartitions(trx: Knex.Transaction, sourceId: number, partitions: readonly string[]): Promise<void> {
  for (const path of partitions) {
    const agg = await trx('source_objects')
      .where({ source_id: sourceId, partition: path })
      .first(
        trx.raw('count(*)::int as objects'),
        trx.raw('coalesce(sum(records), 0)::bigint as records'),
        trx.raw('coalesce(sum(size), 0)::bigint as bytes'),
        trx.raw('coalesce(sum(corrupt_records), 0)::bigint as corrupt'),
        trx.raw('coalesce(sum(key_mismatches), 0)::bigint as mismatches'),
      );
    if (!agg || Number(agg.objects) === 0) {
      await trx('source_partitions').where({ source_id: sourceId, path }).delete();
      await trx('partition_profiles').where({ source_id: sourceId, path }).delete();
      continue;
    }
    await trx('source_partitions')
      .where({ source_id: sourceId, path })
      .update({ objects: Number(agg.objects), records: Number(agg.records), bytes: Number(agg.bytes), corrupt_records: Number(agg.corrupt), key_mismatches: Number(agg.mismatches), updated_at: trx.fn.now() });
  }
}

export async function upsertPartition(
  trx: Knex.Transaction,
  sourceId: number,
  path: string,
  kv: { keys: string[]; values: string[] },
  v: PartitionVolumes,
): Promise<void> {
  const row = {
    source_id: sourceId,
    path,
    keys: JSON.stringify(kv.keys),
    values: JSON.stringify(kv.values),
    objects: v.objects,
    records: v.records,
    bytes: v.bytes,
    corrupt_records: v.corrupt,
    key_mismatches: v.mismatches,
    updated_at: trx.fn.now(),
  };
  await trx('source_partitions').insert(row).onConflict(['source_id', 'path']).merge();
}

export async function partitionCount(db: Knex, sourceId: number): Promise<number> {
  const [{ n }] = await db('source_partitions').where({ source_id: sourceId }).count<{ n: string }[]>({ n: '*' });
  return Number(n);
}

export interface PartitionRow {
  path: string;
  keys: string[];
  values: string[];
  records: string;
}

export async function partitionsOf(db: Knex, sourceId: number): Promise<PartitionRow[]> {
  return db('source_partitions').where({ source_id: sourceId }).orderBy('path');
}

/** The partition keys the catalog knows for a source ([] when it has no partition yet). */
export async function knownPartitionKeys(db: Knex, sourceId: number): Promise<string[] | undefined> {
  return (await db('source_partitions').where({ source_id: sourceId }).first('keys'))?.keys;
}

export interface PublishedObjectRow {
  key: string;
  format: string;
  gzip: boolean;
  records: string;
  size: string;
  csv_dialect: CsvDialect | null;
}

/** What a table publishes of its objects: formats, CSV dialects and volumes. */
export async function manifestObjectsOf(db: Knex, sourceId: number): Promise<PublishedObjectRow[]> {
  return db('source_objects').where({ source_id: sourceId }).select('key', 'format', 'gzip', 'records', 'size', 'csv_dialect');
}
