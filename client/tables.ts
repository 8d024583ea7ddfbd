// What the Hive Metastore holds for a published table, read as engines will see it (`lake table`, and the
// access commands asking whether a table is there yet). Each call opens its own connection and closes it.
import { MetastoreClient, MetastoreError } from '../adapters/metastore/client';
import { listGrants, type TableGrant } from '../adapters/metastore/grants';
import { readPublishedTable } from '../adapters/metastore/publisher';
import type { PublishedTable } from '../adapters/metastore/table-spec';
import type { MetastoreConfig } from '../config';

export { MetastoreError };

export interface PublishedTableWithGrants extends PublishedTable {
  partitions: string[]; // partition names, as the metastore lists them
  grants: TableGrant[];
}

async function withMetastore<T>(config: MetastoreConfig, fn: (ms: MetastoreClient) => Promise<T>): Promise<T> {
  const ms = new MetastoreClient(config);
  try {
    return await fn(ms);
  } finally {
    ms.close();
  }
}

/** A published table with its partitions and grants, or undefined when the metastore has no such table. */
export function readTableWithGrants(config: MetastoreConfig, database: string, table: string): Promise<PublishedTableWithGrants | undefined> {
  return withMetastore(config, async (ms) => {
    const t = await readPublishedTable(ms, database, table);
    if (!t) return undefined;
    const partitions = t.partitionKeys.length ? await ms.getPartitionNames(database, table) : [];
    const grants = await listGrants(ms, { database, table });
    return { ...t, partitions, grants };
  });
}

/** Whether the metastore has the table (a grant's privileges need it). */
export function tableIsPublished(config: MetastoreConfig, database: string, table: string): Promise<boolean> {
  return withMetastore(config, async (ms) => {
    try {
      await ms.getTable(database, table);
      return true;
    } catch (e) {
      if (e instanceof MetastoreError && e.kind === 'NoSuchObject') return false;
      throw e;
    }
  });
}
