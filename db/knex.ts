// The catalog database: one knex factory, used by the worker, the CLI and the tests.
import knex, { Knex } from 'knex';
import pg from 'pg';
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

/** Runs `fn` on the server's maintenance database, for creating and dropping a catalog database (the
 *  database named in `url` itself cannot be dropped from a connection to it). */
export async function withServerAdmin<T>(url: string, fn: (admin: pg.Client, database: string) => Promise<T>): Promise<T> {
  const u = new URL(url);
  const database = u.pathname.replace(/^\//, '');
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    return await fn(admin, database);
  } finally {
    await admin.end();
  }
}
