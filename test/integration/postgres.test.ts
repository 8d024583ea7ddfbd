import { afterAll, describe, expect, it } from 'vitest';
import { createDb, migrateLatest } from '../../db/knex';
import { testConfig } from './setup';

describe('catalog migrations on the stack\'s PostgreSQL', () => {
  const db = createDb(testConfig().postgres);
  afterAll(() => db.destroy());

  it('creates the sources table with its columns', async () => {
    expect(await db.schema.hasTable('sources')).toBe(true);
    for (const column of ['name', 'kind', 'location', 'format', 'schedule', 'options']) {
      expect(await db.schema.hasColumn('sources', column)).toBe(true);
    }
  });

  it('applies nothing the second time (migrations are idempotent)', async () => {
    expect(await migrateLatest(db)).toEqual([]);
  });

  it('rolls back and re-applies cleanly', async () => {
    await db.migrate.rollback(undefined, true);
    expect(await db.schema.hasTable('sources')).toBe(false);
    expect((await migrateLatest(db)).length).toBeGreaterThan(0);
    expect(await db.schema.hasTable('sources')).toBe(true);
  });

  it('refuses a source of an unknown kind', async () => {
    await expect(db('sources').insert({ name: 'bad-kind', kind: 'ftp', location: {} })).rejects.toThrow(/sources_kind_check/);
  });
});
