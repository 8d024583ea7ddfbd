import type { Knex } from 'knex';

// Registered sources: what the crawler reads. Connection secrets are never stored here, only the name
// of a secret reference resolved by the worker at run time.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sources', (t) => {
    t.increments('id').primary();
    t.string('name', 200).notNullable().unique();
    t.string('kind', 20).notNullable(); // 's3' | 'postgres'
    t.jsonb('location').notNullable(); // s3: { bucket, prefix }; postgres: { secretRef, schema, table }
    t.string('format', 20); // jsonl | jsonl.gz | csv | parquet | auto (s3 only)
    t.string('schedule', 100).notNullable().defaultTo('nightly'); // hourly | nightly | cron expression
    t.string('target_database', 128);
    t.string('target_table', 128);
    t.jsonb('options').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT sources_kind_check CHECK (kind IN ('s3', 'postgres'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sources');
}
