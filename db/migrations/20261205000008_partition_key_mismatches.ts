import type { Knex } from 'knex';

// Records that repeat their partition keys with another value than their path's (schema/infer/
// partition-keys.ts): counted per manifest object (with the first one, to show where to look) and summed
// per partition, as corrupt records are.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('source_objects', (t) => {
    t.bigInteger('key_mismatches').notNullable().defaultTo(0);
    t.jsonb('first_key_mismatch');
  });
  await knex.schema.alterTable('source_partitions', (t) => {
    t.bigInteger('key_mismatches').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('source_partitions', (t) => t.dropColumn('key_mismatches'));
  await knex.schema.alterTable('source_objects', (t) => {
    t.dropColumn('first_key_mismatch');
    t.dropColumn('key_mismatches');
  });
}
