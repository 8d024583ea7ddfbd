import type { Knex } from 'knex';

// The crawl's bookkeeping. What a crawl read lives here, never in workflow history: the workflow carries
// run ids, batch numbers and counts.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sources', (t) => {
    t.jsonb('layout').notNullable().defaultTo(JSON.stringify({ kind: 'hive' })); // partition layout of an s3 source
    t.boolean('enabled').notNullable().defaultTo(true);
  });

  // One row per crawl (or backfill) attempt; keyed by the Temporal run that started it, so a retried
  // planning activity finds its own run again instead of creating a second one.
  await knex.schema.createTable('crawl_runs', (t) => {
    t.increments('id').primary();
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.string('workflow_id', 300).notNullable();
    t.string('workflow_run_id', 100).notNullable().unique();
    t.string('kind', 20).notNullable().defaultTo('crawl'); // crawl | backfill
    t.string('status', 20).notNullable().defaultTo('planned'); // planned | merged | published | completed | failed
    t.jsonb('scope').notNullable().defaultTo('{}'); // listed partitions, backfill range, cursor window
    t.jsonb('counts').notNullable().defaultTo('{}'); // added, changed, deleted, unchanged, batches, files, bytes
    t.jsonb('summary').notNullable().defaultTo('{}'); // the result shown to people: versions, publish result
    t.text('error');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['source_id', 'started_at']);
  });

  // The work of a run, by reference: each batch lists its objects (or a cursor window) and, once
  // inferred, holds its result. A batch already inferred is never read again on a retry.
  await knex.schema.createTable('crawl_batches', (t) => {
    t.integer('run_id').notNullable().references('crawl_runs.id').onDelete('CASCADE');
    t.integer('batch_no').notNullable();
    t.jsonb('objects').notNullable(); // [{ key, etag, size, lastModified, partition, format, gzip }]
    t.string('status', 20).notNullable().defaultTo('pending'); // pending | inferred
    t.jsonb('result'); // InferenceResult + per-partition volumes
    t.bigInteger('bytes_read');
    t.timestamp('inferred_at', { useTz: true });
    t.primary(['run_id', 'batch_no']);
  });

  // The manifest: what was processed per source object, to tell new, changed and deleted objects apart.
  await knex.schema.createTable('source_objects', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.string('etag', 200).notNullable();
    t.bigInteger('size').notNullable();
    t.timestamp('last_modified', { useTz: true }).notNullable();
    t.text('partition').notNullable().defaultTo(''); // partition path relative to the source prefix
    t.string('format', 20).notNullable(); // jsonl | csv | parquet
    t.boolean('gzip').notNullable().defaultTo(false);
    t.bigInteger('records').notNullable().defaultTo(0);
    t.bigInteger('corrupt_records').notNullable().defaultTo(0);
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL');
    t.primary(['source_id', 'key']);
    t.index(['source_id', 'partition']);
  });

  // Incremental position of a database table source.
  await knex.schema.createTable('source_cursors', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.string('cursor_column', 128).notNullable();
    t.text('value'); // the high-water mark, as text (id or ISO timestamp)
    t.bigInteger('rows_seen').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Every distinct schema of a source, with its diff from the previous version.
  await knex.schema.createTable('schema_versions', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.jsonb('schema').notNullable();
    t.jsonb('changes').notNullable().defaultTo('[]');
    t.string('change_class', 20).notNullable(); // initial | additive | breaking
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source_id', 'version']);
  });

  // Partitions as the catalog knows them, with their volumes.
  await knex.schema.createTable('source_partitions', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('path').notNullable(); // 'date_id=2019-10-15/hour=20/'
    t.jsonb('keys').notNullable(); // ['date_id', 'hour']
    t.jsonb('values').notNullable(); // ['2019-10-15', '20']
    t.bigInteger('records').notNullable().defaultTo(0);
    t.bigInteger('bytes').notNullable().defaultTo(0);
    t.integer('objects').notNullable().defaultTo(0);
    t.bigInteger('corrupt_records').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source_id', 'path']);
  });

  // Quarantine: each corrupt record or unreadable object, with where and why.
  await knex.schema.createTable('corrupt_records', (t) => {
    t.bigIncrements('id').primary();
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.integer('run_id').references('crawl_runs.id').onDelete('CASCADE');
    t.text('file').notNullable();
    t.integer('line').notNullable();
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['source_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['corrupt_records', 'source_partitions', 'schema_versions', 'source_cursors', 'source_objects', 'crawl_batches', 'crawl_runs']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('sources', (t) => {
    t.dropColumn('layout');
    t.dropColumn('enabled');
  });
}
