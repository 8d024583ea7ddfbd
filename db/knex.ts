// The catalog database: one knex factory, used by the worker, the CLI and the tests.
import knex, { Knex } from 'knex';
import type { PostgresConfig } from '../config';
import { migrationSource } from './migrations';

export function createDb(config: Pick<PostgresConfig, 'url'>, pool = { min: 0, max: 5 }): Knex {
  return knex({
    client: 'pg',
    connection: config.url,
    pool,
    migrations: { migrationSource, tableName: 'knex_migrations' },
  });
}

/** Applies every pending migration; returns the names it applied. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}
