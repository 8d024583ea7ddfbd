// Integration tests run against the real local stack. They use their own catalog database
// (`<catalog>_test`), recreated and migrated once per run, so the demo catalog is never touched.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalogBeside, loadConfig, type LakeConfig } from '../../config';
import { createDb, migrateLatest, withServerAdmin } from '../../db/knex';

export function testConfig(): LakeConfig {
  return catalogBeside(loadConfig(), 'test');
}

export async function recreateTestDatabase(config: LakeConfig): Promise<void> {
  await withServerAdmin(config.postgres.url, async (admin, name) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });
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

/** The Temporal CLI the stack built (infra/stack.sh names its version; the cache is per user), for tests
 *  that start a dev server of their own. */
export function stackTemporalBinary(): string {
  const version = /^TEMPORAL_CLI_VERSION=(\S+)$/m.exec(readFileSync(path.join(__dirname, '..', '..', 'infra', 'stack.sh'), 'utf8'))![1];
  const cache = process.env.LAKE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'lake-catalog');
  return path.join(cache, 'bin', `temporal-${version}`, 'temporal');
}

/** Polls `fn` every 250 ms until it gives a value, failing after `timeoutMs` with what was awaited. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A name no other test run uses, for task queues, buckets and metastore databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
}

/** Runs the `lake` CLI against the test catalog (the CLI reads its settings from the environment), as on
 *  a terminal: progress lines are collected in `progress`. */
export async function runLake(config: LakeConfig, ...args: string[]): Promise<{ code: number; out: string; err: string; progress: string[] }> {
  const { main } = await import('../../cli/main');
  const saved = process.env.LAKE_DATABASE_URL;
  process.env.LAKE_DATABASE_URL = config.postgres.url;
  let out = '';
  let err = '';
  const progress: string[] = [];
  try {
    const code = await main(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), progress: (l) => void progress.push(l) });
    return { code, out, err, progress };
  } finally {
    process.env.LAKE_DATABASE_URL = saved;
  }
}
