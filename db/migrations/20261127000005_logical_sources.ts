import type { Knex } from 'knex';

// Logical sources: the slices of a stream of mixed records, each a source of its own (kind 'logical')
// so that schema versions, samples, statistics, volumes, metadata and grants attach to it unchanged.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE sources DROP CONSTRAINT sources_kind_check`);
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT sources_kind_check CHECK (kind IN ('s3', 'postgres', 'logical'))`);
  await knex.schema.alterTable('sources', (t) => {
    t.integer('parent_id').references('sources.id').onDelete('CASCADE'); // a logical source's stream
    t.integer('last_seen_run_id').references('crawl_runs.id').onDelete('SET NULL'); // the last crawl that read records of it
    t.timestamp('last_seen_at', { useTz: true });
    t.text('published_view'); // the view text last published for it (null: no view)
    t.index(['parent_id']);
  });
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT sources_logical_has_parent CHECK ((kind = 'logical') = (parent_id IS NOT NULL))`);

  // Records per slice per manifest object: what a slice's partition volumes are computed from, so that
  // a changed or deleted object changes its slices' volumes too.
  await knex.schema.createTable('source_object_slices', (t) => {
    t.integer('stream_id').notNullable();
    t.text('key').notNullable();
    t.integer('slice_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.bigInteger('records').notNullable();
    t.primary(['stream_id', 'key', 'slice_id']);
    t.foreign(['stream_id', 'key']).references(['source_id', 'key']).inTable('source_objects').onDelete('CASCADE');
    t.index(['slice_id']);
  });

  // A stream's crawl records volumes for the stream and each of its slices.
  await knex.schema.alterTable('partition_volumes', (t) => {
    t.dropUnique(['run_id', 'path']);
    t.unique(['run_id', 'source_id', 'path']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('sources').where({ kind: 'logical' }).delete(); // their volumes, versions, grants … go with them
  await knex.schema.alterTable('partition_volumes', (t) => {
    t.dropUnique(['run_id', 'source_id', 'path']);
    t.unique(['run_id', 'path']);
  });
  await knex.schema.dropTableIfExists('source_object_slices');
  await knex.raw(`ALTER TABLE sources DROP CONSTRAINT sources_logical_has_parent`);
  await knex.schema.alterTable('sources', (t) => {
    t.dropColumn('published_view');
    t.dropColumn('last_seen_at');
    t.dropColumn('last_seen_run_id');
    t.dropColumn('parent_id');
  });
  await knex.raw(`ALTER TABLE sources DROP CONSTRAINT sources_kind_check`);
  await knex.raw(`ALTER TABLE sources ADD CONSTRAINT sources_kind_check CHECK (kind IN ('s3', 'postgres'))`);
}
