import type { Knex } from 'knex';

// The delimiter and header each CSV object was read with, so its table tells engines the same.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('source_objects', (t) => {
    t.jsonb('csv_dialect');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('source_objects', (t) => t.dropColumn('csv_dialect'));
}
