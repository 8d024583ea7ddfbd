import type { Knex } from 'knex';

// The catalog's search index, written when what it indexes changes (db/search-index.ts) rather than
// computed from every source's schema JSON at each query: one document per source and per column, with
// its tsvector under a GIN index. Beside it, per source, what the list's facets need of the same inputs
// (the union of its column tags, its column count, its newest schema version), so the list reads one row
// per source instead of aggregating column metadata and schema JSON on every page.
// And per source what its crawls did (source_activity: volumes summed over its partitions, its newest
// run, newest finished run, newest completed run), kept by triggers: partitions are written by many
// statements in several modules (merge, slices, backfill) and runs by several, and a sum that one of
// them forgot would be silently wrong; a trigger sees every write. Both are read by db/catalog-list.ts.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('search_documents', (t) => {
    t.bigIncrements('id').primary();
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('path'); // the column's path; null: the source itself
    t.text('matched').notNullable(); // what a hit shows: the name, description and tags it matched in
    t.specificType('doc', 'tsvector').notNullable();
    t.index(['source_id']);
  });
  await knex.raw('CREATE INDEX search_documents_doc ON search_documents USING gin (doc)');

  await knex.schema.createTable('catalog_entries', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}'); // every tag of its columns
    t.integer('columns').notNullable().defaultTo(0); // columns of the newest schema, nested ones included
    t.integer('schema_version'); // the newest version (null: never crawled)
    t.timestamp('schema_created_at', { useTz: true }); // when the newest version was recorded
  });

  await knex.schema.createTable('source_activity', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.bigInteger('records').notNullable().defaultTo(0); // sum over source_partitions
    t.bigInteger('bytes').notNullable().defaultTo(0);
    t.integer('last_run_id'); // the newest run, any status (a logical source has none: its stream's)
    t.integer('last_finished_run_id'); // the newest run that completed or failed
    t.boolean('last_finished_failed'); // …and whether it failed
    t.timestamp('last_completed_at', { useTz: true }); // when the newest completed run finished: data landed
  });
  // Volumes by deltas of each statement's rows (transition tables), so a crawl writing 100,000 partitions
  // one statement at a time adds its own rows and never re-sums the source's partitions.
  await knex.raw(`
    CREATE FUNCTION source_activity_volumes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO source_activity (source_id, records, bytes)
          SELECT source_id, sum(records), sum(bytes) FROM new_rows GROUP BY source_id
          ON CONFLICT (source_id) DO UPDATE SET records = source_activity.records + excluded.records, bytes = source_activity.bytes + excluded.bytes;
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE source_activity a SET records = a.records - d.records, bytes = a.bytes - d.bytes
          FROM (SELECT source_id, sum(records) AS records, sum(bytes) AS bytes FROM old_rows GROUP BY source_id) d
         WHERE a.source_id = d.source_id;
      ELSE
        INSERT INTO source_activity (source_id, records, bytes)
          SELECT source_id, sum(records), sum(bytes) FROM (
            SELECT source_id, records, bytes FROM new_rows
            UNION ALL SELECT source_id, -records, -bytes FROM old_rows) d
          WHERE EXISTS (SELECT 1 FROM sources s WHERE s.id = d.source_id)
          GROUP BY source_id
          ON CONFLICT (source_id) DO UPDATE SET records = source_activity.records + excluded.records, bytes = source_activity.bytes + excluded.bytes;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER source_activity_partitions_insert AFTER INSERT ON source_partitions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION source_activity_volumes()`);
  await knex.raw(`CREATE TRIGGER source_activity_partitions_update AFTER UPDATE ON source_partitions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION source_activity_volumes()`);
  await knex.raw(`CREATE TRIGGER source_activity_partitions_delete AFTER DELETE ON source_partitions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION source_activity_volumes()`);
  // Runs are not deleted (only with their source), so the newest ones only move forward.
  await knex.raw(`
    CREATE FUNCTION source_activity_runs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO source_activity AS a (source_id, last_run_id, last_finished_run_id, last_finished_failed, last_completed_at)
      VALUES (NEW.source_id, NEW.id,
              CASE WHEN NEW.finished_at IS NOT NULL THEN NEW.id END,
              CASE WHEN NEW.finished_at IS NOT NULL THEN NEW.status = 'failed' END,
              CASE WHEN NEW.status = 'completed' THEN NEW.finished_at END)
      ON CONFLICT (source_id) DO UPDATE SET
        last_run_id = greatest(a.last_run_id, excluded.last_run_id),
        last_finished_failed = CASE WHEN excluded.last_finished_run_id >= coalesce(a.last_finished_run_id, 0) THEN excluded.last_finished_failed ELSE a.last_finished_failed END,
        last_finished_run_id = greatest(a.last_finished_run_id, excluded.last_finished_run_id),
        last_completed_at = greatest(a.last_completed_at, excluded.last_completed_at);
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER source_activity_runs AFTER INSERT OR UPDATE OF status, finished_at ON crawl_runs FOR EACH ROW EXECUTE FUNCTION source_activity_runs()`);
  await knex.raw(`
    INSERT INTO source_activity (source_id, records, bytes, last_run_id, last_finished_run_id, last_finished_failed, last_completed_at)
    SELECT s.id, coalesce(v.records, 0), coalesce(v.bytes, 0), r.last_run_id, f.id, f.status = 'failed', c.finished_at
      FROM sources s
      LEFT JOIN (SELECT source_id, sum(records) AS records, sum(bytes) AS bytes FROM source_partitions GROUP BY source_id) v ON v.source_id = s.id
      LEFT JOIN (SELECT source_id, max(id) AS last_run_id FROM crawl_runs GROUP BY source_id) r ON r.source_id = s.id
      LEFT JOIN (SELECT DISTINCT ON (source_id) source_id, id, status FROM crawl_runs WHERE finished_at IS NOT NULL ORDER BY source_id, id DESC) f ON f.source_id = s.id
      LEFT JOIN (SELECT source_id, max(finished_at) AS finished_at FROM crawl_runs WHERE status = 'completed' GROUP BY source_id) c ON c.source_id = s.id`);

  // the documents themselves are written by the newest migration that changes their shape (…16_catalog_rows)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS source_activity_runs ON crawl_runs');
  for (const op of ['insert', 'update', 'delete']) await knex.raw(`DROP TRIGGER IF EXISTS source_activity_partitions_${op} ON source_partitions`);
  await knex.raw('DROP FUNCTION IF EXISTS source_activity_runs()');
  await knex.raw('DROP FUNCTION IF EXISTS source_activity_volumes()');
  await knex.schema.dropTableIfExists('source_activity');
  await knex.schema.dropTableIfExists('catalog_entries');
  await knex.schema.dropTableIfExists('search_documents');
}
