import type { Knex } from 'knex';

// What people see of a source: samples, volume history, column statistics, and column metadata
// (descriptions, tags, roles) that people write.
export async function up(knex: Knex): Promise<void> {
  // A small, fresh set of sample rows per source, replaced by each crawl. Never in workflow history.
  await knex.schema.createTable('source_samples', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL');
    t.jsonb('rows').notNullable(); // [{ partition, file, record }]
    t.timestamp('taken_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // The records profiled per partition (the head of one object, a few hundred rows): the basis of the
  // source's statistics and samples, so they describe every partition, not only the last crawl's.
  await knex.schema.createTable('partition_profiles', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('path').notNullable();
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL');
    t.jsonb('rows').notNullable(); // [{ partition, file, record }]
    t.primary(['source_id', 'path']);
  });

  // Volumes per partition per crawl, kept as history so growth and gaps show.
  await knex.schema.createTable('partition_volumes', (t) => {
    t.bigIncrements('id').primary();
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.integer('run_id').references('crawl_runs.id').onDelete('CASCADE');
    t.text('path').notNullable();
    t.bigInteger('records').notNullable();
    t.bigInteger('bytes').notNullable();
    t.integer('objects').notNullable();
    t.bigInteger('corrupt_records').notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['run_id', 'path']);
    t.index(['source_id', 'recorded_at']);
  });

  // Column statistics of the latest crawl, per column path ('props.name').
  await knex.schema.createTable('column_stats', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('path').notNullable();
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL');
    t.double('null_fraction').notNullable();
    t.bigInteger('distinct_estimate').notNullable();
    t.text('min');
    t.text('max');
    t.bigInteger('basis_records').notNullable(); // how many records the figures come from
    t.primary(['source_id', 'path']);
  });

  // What people say about columns. Roles: id_type, timestamp, uuid. Tags: pii, identified, …
  await knex.schema.createTable('column_metadata', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('path').notNullable();
    t.text('description');
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    t.string('role', 20);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source_id', 'path']);
  });
  await knex.raw(`ALTER TABLE column_metadata ADD CONSTRAINT column_metadata_role_check CHECK (role IS NULL OR role IN ('id_type', 'timestamp', 'uuid'))`);
  await knex.raw(`CREATE UNIQUE INDEX column_metadata_one_role ON column_metadata (source_id, role) WHERE role IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['column_metadata', 'column_stats', 'partition_volumes', 'partition_profiles', 'source_samples']) await knex.schema.dropTableIfExists(table);
}
