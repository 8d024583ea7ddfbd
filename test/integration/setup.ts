// Integration tests run against the real local stack. They use their own catalog database
// (`<catalog>_test`), recreated and migrated once per run, so the demo catalog is never touched.
import pg from 'pg';
import { loadConfig, type LakeConfig } from '../../config';
import { createDb, migrateLatest } from '../../db/knex';

export function testConfig(): LakeConfig {
  const config = loadConfig();
  const url = new URL(config.postgres.url);
  url.pathname = `${url.pathname.replace(/^\//, '')}_test`;
  return { ...config, postgres: { ...config.postgres, url: url.toString() } };
}

export async function recreateTestDatabase(config: LakeConfig): Promise<void> {
  const url = new URL(config.postgres.url);
  const name = url.pathname.replace(/^\//, '');
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

export async function prepareTestDatabase(): Promise<LakeConfig> {
  const config = testConfig();
  await recreateTestDatabase(config);
  const db = createDb(config.postgres);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return config;
}

/** A name no other test run uses, for task queues, buckets and metastore databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
}
