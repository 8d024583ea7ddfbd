// Activities: every step that touches the outside world, each idempotent. They get their
// connections from `ActivityDeps`, built once per worker process.
import type { Knex } from 'knex';
import type { MetastoreClient } from '../adapters/metastore/client';

export interface ActivityDeps {
  db: Knex;
  metastore: MetastoreClient;
}

/** A small summary of what the catalog holds; safe to show in workflow history (no rows, no secrets). */
export interface CatalogSummary {
  sources: number;
  metastoreDatabases: number;
}

export function createActivities(deps: ActivityDeps) {
  return {
    async catalogSummary(): Promise<CatalogSummary> {
      const [{ count }] = await deps.db('sources').count<{ count: string }[]>({ count: '*' });
      const databases = await deps.metastore.getAllDatabases();
      return { sources: Number(count), metastoreDatabases: databases.length };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
