import type { Knex } from 'knex';

// Kafka topics as sources. The catalog keeps its own offsets: per source and partition, the next offset a
// crawl reads, committed in the merge's transaction with the schema version it produced (a consumer
// group's offsets would move apart from the catalog's on any failure between the two). A corrupt message
// is quarantined at its offset, which outgrows an integer on a busy topic.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE sources DROP CONSTRAINT sources_kind_check');
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT sources_kind_check CHECK (kind IN ('s3', 'postgres', 'kafka', 'logical'))`);
  await knex.schema.createTable('kafka_offsets', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.integer('partition').notNullable();
    t.bigInteger('next_offset').notNullable(); // the first offset the next crawl reads
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL'); // the run that committed it
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source_id', 'partition']);
  });
  await knex.raw('ALTER TABLE corrupt_records ALTER COLUMN line TYPE bigint');
}

export async function down(knex: Knex): Promise<void> {
  // a catalog without the kind holds no topic: its sources go, and their logical sources, runs, versions … with them
  await knex('sources').where({ kind: 'kafka' }).delete();
  // a quarantined offset past an integer's range cannot be kept as a line number
  await knex('corrupt_records').where('line', '>', 2_147_483_647).delete();
  await knex.raw('ALTER TABLE corrupt_records ALTER COLUMN line TYPE integer');
  await knex.schema.dropTable('kafka_offsets');
  await knex.raw('ALTER TABLE sources DROP CONSTRAINT sources_kind_check');
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT sources_kind_check CHECK (kind IN ('s3', 'postgres', 'logical'))`);
}
