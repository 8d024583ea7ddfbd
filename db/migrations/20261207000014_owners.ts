import type { Knex } from 'knex';

// Who answers for a source: its owners approve its requests, edit its metadata and start its crawls. A
// logical source is owned by its stream's owners. Admins may do everything.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('source_owners', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.integer('principal_id').notNullable().references('principals.id').onDelete('CASCADE');
    t.string('added_by', 200).notNullable();
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source_id', 'principal_id']);
    t.index(['principal_id']);
  });
  await knex.schema.alterTable('principals', (t) => {
    t.boolean('admin').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('principals', (t) => t.dropColumn('admin'));
  await knex.schema.dropTable('source_owners');
}
