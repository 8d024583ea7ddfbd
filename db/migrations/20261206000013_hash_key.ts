import type { Knex } from 'knex';

// Keys the catalog holds and nobody else: the key of the A-3 views' keyed hash (one per catalog, so the
// hashes of one value are equal in every table and joins still work).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('catalog_keys', (t) => {
    t.string('name', 100).primary();
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('catalog_keys');
}
