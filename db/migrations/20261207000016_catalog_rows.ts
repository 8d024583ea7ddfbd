import type { Knex } from 'knex';
import { refreshSearchDocuments } from '../search-index';

// A source's whole row of the catalog list in one place: catalog_entries gains what the list read by joining
// sources and source_activity for every matched source (its name, kind, format, schedule, stream; its
// volumes, last failure, last landing). And source_documents holds a search document of each whole source
// (every column's words in one tsvector), so a search of one word finds and ranks sources without visiting
// each column's document. It is a table of its own: documents of 1-2 kB inline in catalog_entries made every
// list read ten times the pages.
//
// Each group of columns is written from the one table it comes from, by a trigger taking the new row's
// values (sources, source_activity) or by refreshSearchDocuments (tags, schema, the document). A row lock
// orders writers of one entry, and each writes only its own columns, so two transactions that change a
// source and its activity at once both land, whatever order they commit in.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('catalog_entries', (t) => {
    t.text('name');
    t.text('kind');
    t.text('format');
    t.text('schedule');
    t.integer('parent_id'); // a logical source's stream: its format and failures are the stream's
    t.timestamp('last_seen_at', { useTz: true }); // a logical source: when its stream's crawl last saw it
    t.bigInteger('records').notNullable().defaultTo(0);
    t.bigInteger('bytes').notNullable().defaultTo(0);
    t.boolean('last_finished_failed');
    t.timestamp('last_completed_at', { useTz: true });
    t.boolean('whole_document').notNullable().defaultTo(false); // false: no source document (too large); its columns' answer
  });
  await knex.schema.createTable('source_documents', (t) => {
    t.integer('source_id').primary().references('sources.id').onDelete('CASCADE');
    t.specificType('doc', 'tsvector').notNullable();
  });
  await knex.raw('CREATE INDEX source_documents_doc ON source_documents USING gin (doc)');
  await knex.raw(`
    CREATE FUNCTION catalog_entries_source() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO catalog_entries AS e (source_id, name, kind, format, schedule, parent_id, last_seen_at)
      VALUES (NEW.id, NEW.name, NEW.kind, NEW.format, NEW.schedule, NEW.parent_id, NEW.last_seen_at)
      ON CONFLICT (source_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, format = excluded.format,
        schedule = excluded.schedule, parent_id = excluded.parent_id, last_seen_at = excluded.last_seen_at;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER catalog_entries_source AFTER INSERT OR UPDATE OF name, kind, format, schedule, parent_id, last_seen_at ON sources FOR EACH ROW EXECUTE FUNCTION catalog_entries_source()`);
  await knex.raw(`
    CREATE FUNCTION catalog_entries_activity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO catalog_entries AS e (source_id, records, bytes, last_finished_failed, last_completed_at)
      VALUES (NEW.source_id, NEW.records, NEW.bytes, NEW.last_finished_failed, NEW.last_completed_at)
      ON CONFLICT (source_id) DO UPDATE SET records = excluded.records, bytes = excluded.bytes,
        last_finished_failed = excluded.last_finished_failed, last_completed_at = excluded.last_completed_at;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER catalog_entries_activity AFTER INSERT OR UPDATE ON source_activity FOR EACH ROW EXECUTE FUNCTION catalog_entries_activity()`);

  await knex.raw(`
    INSERT INTO catalog_entries AS e (source_id, name, kind, format, schedule, parent_id, last_seen_at, records, bytes, last_finished_failed, last_completed_at)
    SELECT s.id, s.name, s.kind, s.format, s.schedule, s.parent_id, s.last_seen_at, coalesce(a.records, 0), coalesce(a.bytes, 0), a.last_finished_failed, a.last_completed_at
      FROM sources s LEFT JOIN source_activity a ON a.source_id = s.id
    ON CONFLICT (source_id) DO UPDATE SET name = excluded.name, kind = excluded.kind, format = excluded.format, schedule = excluded.schedule,
      parent_id = excluded.parent_id, last_seen_at = excluded.last_seen_at, records = excluded.records, bytes = excluded.bytes,
      last_finished_failed = excluded.last_finished_failed, last_completed_at = excluded.last_completed_at`);
  // The newest migration that changes the index's shape rebuilds it (an older one calling today's
  // refreshSearchDocuments would write columns it has not made yet).
  const ids: number[] = (await knex('sources').orderBy('id').select('id')).map((r: { id: number }) => r.id);
  for (let i = 0; i < ids.length; i += 500) await refreshSearchDocuments(knex, ids.slice(i, i + 500));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS catalog_entries_activity ON source_activity');
  await knex.raw('DROP TRIGGER IF EXISTS catalog_entries_source ON sources');
  await knex.raw('DROP FUNCTION IF EXISTS catalog_entries_activity()');
  await knex.raw('DROP FUNCTION IF EXISTS catalog_entries_source()');
  await knex.schema.dropTableIfExists('source_documents');
  await knex.schema.alterTable('catalog_entries', (t) => {
    for (const c of ['name', 'kind', 'format', 'schedule', 'parent_id', 'last_seen_at', 'records', 'bytes', 'last_finished_failed', 'last_completed_at', 'whole_document']) t.dropColumn(c);
  });
}
