// `npm run migrate`: applies the catalog's pending migrations.
import { loadConfig, redactUrl } from '../config';
import { createDb, migrateLatest } from './knex';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(config.postgres);
  try {
    const applied = await migrateLatest(db);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'catalog schema is up to date');
  } catch (e) {
    throw new Error(`migration of ${redactUrl(config.postgres.url)} failed: ${(e as Error).message}`);
  } finally {
    await db.destroy();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
