import type { Knex } from 'knex';

// Column statistics over every record a crawl scanned, per source, as mergeable sketches: each crawl
// merges what it read into them, and `column_stats` shows their figures.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('source_stats', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL'); // the last crawl merged in
    t.jsonb('stats').notNullable(); // StatsJSON (schema/stats.ts)
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('source_stats');
}
