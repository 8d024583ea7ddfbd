// The catalog's search index: one document per source and per column (search_documents), and per source
// what the catalog list needs of the same inputs (catalog_entries: tags, column count, newest schema
// version). Written here and nowhere else, by `refreshSearchDocuments`, which every writer of what it
// indexes calls in its own transaction: a source saved or registered (db/sources.ts, db/slices.ts), a
// schema version recorded (db/schema-versions.ts), column metadata written (db/metadata.ts). A removed
// source takes its rows with it (foreign keys).
//
// What a document holds, weighted for ranking:
//   source  A: its name, target database and table, split at _ - . (so `user_id` is found by "user" and "id")
//   column  B: its path (`props.track_id`, `items[].sku`), split the same way; B: its tags;
//           C: its description, in English (stemmed: "purchases" finds "purchase")
// Columns are those of the newest schema, nested ones included, and any column people wrote metadata for.
// A source's own document (source_documents) is the union of all its documents, so a one-word search
// finds and ranks sources without visiting their columns (for one word, "some document has it" and "the
// union has it" are the same; several words must still meet in one column's document).
import type { Knex } from 'knex';
import type { Schema } from '../schema';
import { columnsOf } from '../schema/fields';

const CHUNK = 500;
const DOCS_PER_STATEMENT = 5000;
/** A source whose columns' words exceed this many characters has no document of its own (a tsvector holds
 *  at most 1 MB); its columns' documents answer for it. */
export const MAX_SOURCE_DOCUMENT_CHARS = 200_000;

// The documents' shape, in one place: a source's name (A); a column's path and tags (B), its description (C).
// Applied to every column's words at once, the column document is the source document's columns part.
const NAME_DOCUMENT = (name: string, database: string, table: string) =>
  `setweight(to_tsvector('simple', regexp_replace(concat_ws(' ', ${name}, ${database}, ${table}), '[_\\-.]', ' ', 'g')), 'A')`;
const COLUMN_DOCUMENT = (path: string, description: string, tags: string) =>
  `setweight(to_tsvector('simple', regexp_replace(${path}, '[_\\-.\\[\\]]', ' ', 'g')), 'B')
   || setweight(to_tsvector('english', coalesce(${description}, '')), 'C')
   || setweight(to_tsvector('simple', ${tags}), 'B')`;
/** The first key of the advisory locks that serialise refreshes of one source (the second is its id). */
const LOCK_SPACE = 0x5ea4c4;

interface ColumnDocument {
  source_id: number;
  path: string;
  description: string | null;
  tags: string[];
}

/** Rewrites the search documents and catalog entries of these sources from what the catalog holds now.
 *  Ids of sources that no longer exist are skipped. Call it in the transaction of the change. */
export async function refreshSearchDocuments(db: Knex | Knex.Transaction, sourceIds: readonly number[]): Promise<void> {
  const unique = [...new Set(sourceIds.map((id) => Math.trunc(id)))].sort((a, b) => a - b);
  if (unique.length === 0) return;
  const run = async (trx: Knex.Transaction) => {
    for (let i = 0; i < unique.length; i += CHUNK) await refreshChunk(trx, unique.slice(i, i + CHUNK));
  };
  if (db.isTransaction) await run(db as Knex.Transaction);
  else await db.transaction(run);
}

async function refreshChunk(db: Knex.Transaction, ids: number[]): Promise<void> {
  // two writers of one source (a merge, a description edit) would otherwise both delete, then both insert
  await db.raw(`select pg_advisory_xact_lock(${LOCK_SPACE}, id) from unnest(?::int[]) as id order by id`, [ids]);
  const latest: { source_id: number; version: number; schema: Schema; created_at: Date }[] = (
    await db.raw(
      `select distinct on (source_id) source_id, version, schema, created_at from schema_versions where source_id = any(?::int[]) order by source_id, version desc`,
      [ids],
    )
  ).rows;
  const metadata: { source_id: number; path: string; description: string | null; tags: string[] }[] = await db('column_metadata')
    .whereIn('source_id', ids)
    .orderBy(['source_id', 'path'])
    .select('source_id', 'path', 'description', 'tags');

  const schemaOf = new Map(latest.map((l) => [l.source_id, l]));
  const metaOf = new Map<number, Map<string, { description: string | null; tags: string[] }>>();
  for (const m of metadata) {
    if (!metaOf.has(m.source_id)) metaOf.set(m.source_id, new Map());
    metaOf.get(m.source_id)!.set(m.path, m);
  }

  const docs: ColumnDocument[] = [];
  const entries: {
    source_id: number; tags: string[]; columns: number; schema_version: number | null; schema_created_at: Date | null;
    words: { paths: string; descriptions: string; tags: string } | null; // null: too many for one document
  }[] = [];
  for (const id of ids) {
    const l = schemaOf.get(id);
    const meta = metaOf.get(id) ?? new Map<string, { description: string | null; tags: string[] }>();
    const paths = l ? columnsOf(l.schema).map((c) => c.path) : [];
    const columns = paths.length;
    const seen = new Set(paths);
    for (const path of meta.keys()) if (!seen.has(path)) paths.push(path); // metadata of a column gone from the schema stays findable
    for (const path of paths) {
      const m = meta.get(path);
      docs.push({ source_id: id, path, description: m?.description ?? null, tags: m?.tags ?? [] });
    }
    const tags = [...new Set([...meta.values()].flatMap((m) => m.tags))].sort();
    const own = docs.slice(docs.length - paths.length);
    const words = {
      paths: own.map((d) => d.path).join(' '),
      descriptions: own.flatMap((d) => (d.description ? [d.description] : [])).join(' '),
      tags: own.flatMap((d) => d.tags).join(' '),
    };
    const fits = words.paths.length + words.descriptions.length + words.tags.length <= MAX_SOURCE_DOCUMENT_CHARS;
    entries.push({ source_id: id, tags, columns, schema_version: l?.version ?? null, schema_created_at: l?.created_at ?? null, words: fits ? words : null });
  }

  await db('search_documents').whereIn('source_id', ids).delete();
  await db.raw(
    `insert into search_documents (source_id, path, matched, doc)
     select s.id, null, concat_ws(' ', s.name, s.target_table), ${NAME_DOCUMENT('s.name', 's.target_database', 's.target_table')}
       from sources s where s.id = any(?::int[])`,
    [ids],
  );
  for (let i = 0; i < docs.length; i += DOCS_PER_STATEMENT) {
    // only documents of sources still there: a source removed meanwhile has none
    await db.raw(
      `insert into search_documents (source_id, path, matched, doc)
       select d.source_id, d.path, concat_ws(' ', d.path, d.description, nullif(array_to_string(d.tags, ' '), '')),
              ${COLUMN_DOCUMENT('d.path', 'd.description', "array_to_string(d.tags, ' ')")}
         from jsonb_to_recordset(?::jsonb) as d(source_id int, path text, description text, tags text[])
        where exists (select 1 from sources s where s.id = d.source_id)`,
      [JSON.stringify(docs.slice(i, i + DOCS_PER_STATEMENT))],
    );
  }
  // only this function's columns: the rest of an entry is written by triggers from sources and source_activity
  await db.raw(
    `insert into catalog_entries (source_id, tags, columns, schema_version, schema_created_at, whole_document)
     select e.source_id, e.tags, e.columns, e.schema_version, e.schema_created_at, e.words is not null
       from jsonb_to_recordset(?::jsonb) as e(source_id int, tags text[], columns int, schema_version int, schema_created_at timestamptz, words jsonb)
      where exists (select 1 from sources s where s.id = e.source_id)
     on conflict (source_id) do update set tags = excluded.tags, columns = excluded.columns, schema_version = excluded.schema_version,
       schema_created_at = excluded.schema_created_at, whole_document = excluded.whole_document`,
    [JSON.stringify(entries)],
  );
  await db('source_documents').whereIn('source_id', ids).delete();
  await db.raw(
    `insert into source_documents (source_id, doc)
     select e.source_id, ${NAME_DOCUMENT('s.name', 's.target_database', 's.target_table')} || ${COLUMN_DOCUMENT("e.words->>'paths'", "e.words->>'descriptions'", "e.words->>'tags'")}
       from jsonb_to_recordset(?::jsonb) as e(source_id int, words jsonb)
       join sources s on s.id = e.source_id
      where e.words is not null`,
    [JSON.stringify(entries)],
  );
}
