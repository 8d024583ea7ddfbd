import type { Knex } from 'knex';

// A batch's inferred result (its schema, statistics sketches and samples, ~100 KB) is written once by its
// inference activity, read once by the merge, then replaced by its summary: compressing it cost the
// database 7 ms of CPU per batch (three quarters of each write) to save disk it holds for minutes.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE crawl_batches ALTER COLUMN result SET STORAGE EXTERNAL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE crawl_batches ALTER COLUMN result SET STORAGE EXTENDED`);
}
