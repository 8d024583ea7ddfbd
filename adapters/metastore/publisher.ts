// Publishes a table and its partitions to the Hive Metastore so that it ends equal to the spec.
// Idempotent: each step reads what is there and changes only the difference, so a retry after a crash
// or an outage at any point finishes the job, and publishing the same spec twice changes nothing.
import { hive, MetastoreClient, MetastoreError } from './client';
import {
  ownedParameters,
  planPartitions,
  planTable,
  sameStorage,
  schemaVersionOf,
  storageFor,
  tableStorage,
  type PartitionSpec,
  type PublishedTable,
  type Storage,
  type TablePlan,
  type TableSpec,
  type ViewSpec,
} from './table-spec';
import type { HiveColumn } from '../../schema/hive';

/** A refusal that no retry can fix: a table lake catalog does not own, or a partitioning that changed. */
export class PublishRefusedError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'PublishRefusedError';
  }
}

export interface PublishResult {
  table: TablePlan['action'];
  cascade: boolean;
  reasons: string[];
  partitionsAdded: number;
  partitionsDropped: number;
}

const PARTITION_BATCH = 500;

export async function ensureDatabase(ms: MetastoreClient, name: string, description = 'published by lake catalog'): Promise<void> {
  try {
    await ms.getDatabase(name);
  } catch (e) {
    if (!(e instanceof MetastoreError && e.kind === 'NoSuchObject')) throw e;
    try {
      await ms.createDatabase({ name, description, parameters: { 'lake.managed': 'true' } });
    } catch (err) {
      if (!(err instanceof MetastoreError && err.kind === 'AlreadyExists')) throw err;
    }
  }
}

export async function readPublishedTable(ms: MetastoreClient, database: string, table: string): Promise<PublishedTable | undefined> {
  let t: hive.Table;
  try {
    t = await ms.getTable(database, table);
  } catch (e) {
    if (e instanceof MetastoreError && e.kind === 'NoSuchObject') return undefined;
    throw e;
  }
  const parameters = { ...(t.parameters ?? {}) };
  const schemaVersion = schemaVersionOf(parameters);
  return {
    columns: (t.sd?.cols ?? []).map(fromFieldSchema),
    partitionKeys: (t.partitionKeys ?? []).map(fromFieldSchema),
    location: t.sd?.location ?? '',
    storage: {
      inputFormat: t.sd?.inputFormat ?? '',
      outputFormat: t.sd?.outputFormat ?? '',
      serializationLib: t.sd?.serdeInfo?.serializationLib ?? '',
      serdeParameters: { ...(t.sd?.serdeInfo?.parameters ?? {}) },
    },
    parameters,
    ...(schemaVersion !== undefined ? { schemaVersion } : {}),
    ...(t.tableType === 'VIRTUAL_VIEW' ? { viewText: t.viewExpandedText ?? t.viewOriginalText ?? '' } : {}),
  };
}

export async function publishTable(ms: MetastoreClient, spec: TableSpec, partitions: PartitionSpec[]): Promise<PublishResult> {
  await ensureDatabase(ms, spec.database);
  const published = await readPublishedTable(ms, spec.database, spec.table);
  const plan = planTable(published, spec);
  if (plan.action === 'refuse') throw new PublishRefusedError(plan.reason);

  if (plan.action === 'create') {
    try {
      await ms.createTable(toThriftTable(spec, plan.columns));
    } catch (e) {
      // Created by a previous attempt whose answer was lost: the next publish aligns it.
      if (!(e instanceof MetastoreError && e.kind === 'AlreadyExists')) throw e;
      return publishTable(ms, spec, partitions);
    }
  } else if (plan.action === 'alter') {
    // Partitions first: a retry after a crash between the two still finds the table to alter, and so
    // aligns the partitions again (engines read each partition with its own storage and columns).
    await alignPartitions(ms, spec, plan.columns);
    // Keep what Hive itself added to the parameters (e.g. transient_lastDdlTime); set ours.
    const table = toThriftTable(spec, plan.columns, published?.parameters);
    await ms.alterTable(spec.database, spec.table, table, { cascade: plan.cascade });
  }

  // New partitions get the table's columns as they now stand.
  const columns = plan.action === 'none' ? (published as PublishedTable).columns : plan.columns;
  const keys = spec.partitionKeys.map((k) => k.name);
  let added = 0;
  let dropped = 0;
  if (keys.length > 0) {
    const names = await ms.getPartitionNames(spec.database, spec.table);
    const { add, drop } = planPartitions(keys, names, partitions);
    for (let i = 0; i < add.length; i += PARTITION_BATCH) {
      const batch = add.slice(i, i + PARTITION_BATCH).map((p) => toThriftPartition(spec, columns, p));
      await ms.addPartitions(spec.database, spec.table, batch);
    }
    for (const values of drop) {
      try {
        await ms.dropPartition(spec.database, spec.table, values);
      } catch (e) {
        if (!(e instanceof MetastoreError && e.kind === 'NoSuchObject')) throw e; // dropped already
      }
    }
    added = add.length;
    dropped = drop.length;
  }
  return {
    table: plan.action,
    cascade: plan.action === 'alter' && plan.cascade,
    reasons: plan.action === 'alter' ? plan.reasons : [],
    partitionsAdded: added,
    partitionsDropped: dropped,
  };
}

/** Gives every published partition whose storage or columns differ from the spec's the spec's. */
async function alignPartitions(ms: MetastoreClient, spec: TableSpec, columns: HiveColumn[]): Promise<number> {
  if (spec.partitionKeys.length === 0) return 0;
  const storage = storageFor(spec.format, spec);
  const wantColumns = JSON.stringify(columns.map((c) => [c.name, c.type]));
  const stale = (await ms.getPartitions(spec.database, spec.table)).filter((p) => {
    const sd = p.sd;
    const had: Storage = {
      inputFormat: sd?.inputFormat ?? '',
      outputFormat: sd?.outputFormat ?? '',
      serializationLib: sd?.serdeInfo?.serializationLib ?? '',
      serdeParameters: { ...(sd?.serdeInfo?.parameters ?? {}) },
    };
    return !sameStorage(had, storage) || JSON.stringify((sd?.cols ?? []).map((c) => [c.name, c.type])) !== wantColumns;
  });
  for (let i = 0; i < stale.length; i += PARTITION_BATCH) {
    const batch = stale.slice(i, i + PARTITION_BATCH).map((p) => {
      const fresh = toThriftPartition(spec, columns, { values: p.values, location: p.sd?.location ?? '' });
      return new hive.Partition({ ...fresh, createTime: p.createTime, parameters: { ...(p.parameters ?? {}), ...fresh.parameters } });
    });
    await ms.alterPartitions(spec.database, spec.table, batch);
  }
  return stale.length;
}

/**
 * Creates or replaces a view lake catalog owns. A table or view of that name that is not this source's
 * view (another owner, or a table) is refused, never replaced.
 */
export async function publishView(ms: MetastoreClient, spec: ViewSpec): Promise<'create' | 'alter'> {
  await ensureDatabase(ms, spec.database);
  const table = ownedTable({
    database: spec.database,
    table: spec.table,
    sd: new hive.StorageDescriptor({
      cols: spec.columns.map(toFieldSchema),
      location: undefined as unknown as string, // a view has no data of its own
      inputFormat: 'org.apache.hadoop.mapred.SequenceFileInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat',
      compressed: false,
      numBuckets: -1,
      serdeInfo: new hive.SerDeInfo({ name: spec.table, serializationLib: undefined as unknown as string, parameters: {} }),
      bucketCols: [],
      sortCols: [],
      parameters: {},
    }),
    partitionKeys: [],
    parameters: spec.parameters,
    view: spec.sql,
  });
  try {
    await ms.createTable(table);
    return 'create';
  } catch (e) {
    if (!(e instanceof MetastoreError && e.kind === 'AlreadyExists')) throw e;
  }
  const existing = await ms.getTable(spec.database, spec.table);
  if (existing.tableType !== 'VIRTUAL_VIEW' || existing.parameters?.['lake.source'] !== spec.parameters['lake.source']) {
    throw new PublishRefusedError(`${spec.database}.${spec.table} exists and is not the view of ${spec.parameters['lake.source']}: rename one of them`);
  }
  await ms.alterTable(spec.database, spec.table, table, { cascade: false });
  return 'alter';
}

/** Drops a view; one already gone is fine. */
export async function dropView(ms: MetastoreClient, database: string, table: string): Promise<void> {
  try {
    await ms.dropTable(database, table);
  } catch (e) {
    if (!(e instanceof MetastoreError && e.kind === 'NoSuchObject')) throw e;
  }
}

function fromFieldSchema(f: hive.FieldSchema): HiveColumn {
  return f.comment ? { name: f.name, type: f.type, comment: f.comment } : { name: f.name, type: f.type };
}

function toFieldSchema(c: HiveColumn): hive.FieldSchema {
  return new hive.FieldSchema({ name: c.name, type: c.type, comment: c.comment as string });
}

function storageDescriptor(spec: TableSpec, columns: HiveColumn[], location: string, storage: Storage): hive.StorageDescriptor {
  return new hive.StorageDescriptor({
    cols: columns.map(toFieldSchema),
    location,
    inputFormat: storage.inputFormat,
    outputFormat: storage.outputFormat,
    compressed: false,
    numBuckets: -1,
    serdeInfo: new hive.SerDeInfo({ name: spec.table, serializationLib: storage.serializationLib, parameters: storage.serdeParameters }),
    bucketCols: [],
    sortCols: [],
    parameters: {},
  });
}

function toThriftTable(spec: TableSpec, columns: HiveColumn[], existingParameters: Record<string, string> = {}): hive.Table {
  return ownedTable({
    database: spec.database,
    table: spec.table,
    sd: storageDescriptor(spec, columns, spec.location, tableStorage(spec)),
    partitionKeys: spec.partitionKeys.map(toFieldSchema),
    parameters: { ...existingParameters, ...ownedParameters(spec) },
  });
}

/** A table or view as lake catalog writes it: owned by lake-catalog; a view when `view` holds its SELECT. */
function ownedTable(o: { database: string; table: string; sd: hive.StorageDescriptor; partitionKeys: hive.FieldSchema[]; parameters: Record<string, string>; view?: string }): hive.Table {
  return new hive.Table({
    tableName: o.table,
    dbName: o.database,
    owner: 'lake-catalog',
    createTime: Math.floor(Date.now() / 1000),
    lastAccessTime: 0,
    retention: 0,
    sd: o.sd,
    partitionKeys: o.partitionKeys,
    parameters: o.parameters,
    viewOriginalText: o.view as string,
    viewExpandedText: o.view as string,
    tableType: o.view === undefined ? 'EXTERNAL_TABLE' : 'VIRTUAL_VIEW',
  });
}

function partitionParameters(spec: TableSpec): Record<string, string> {
  const header = spec.parameters['skip.header.line.count'];
  return header ? { 'skip.header.line.count': header } : {};
}

function toThriftPartition(spec: TableSpec, columns: HiveColumn[], p: PartitionSpec): hive.Partition {
  return new hive.Partition({
    values: p.values,
    dbName: spec.database,
    tableName: spec.table,
    createTime: Math.floor(Date.now() / 1000),
    lastAccessTime: 0,
    sd: storageDescriptor(spec, columns, p.location, storageFor(spec.format, spec)),
    // engines read a partition with the partition's own properties: carry the header count there too
    parameters: partitionParameters(spec),
  });
}
