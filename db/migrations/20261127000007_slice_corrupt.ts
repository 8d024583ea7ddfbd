import type { Knex } from 'knex';

// Corrupt lines per slice per manifest object: a corrupt line of a stream is counted in the slice its
// discriminator values name (schema/slices.ts), so a slice's partitions show their corrupt records too.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('source_object_slices', (t) => {
    t.bigInteger('corrupt').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('source_object_slices', (t) => {
    t.dropColumn('corrupt');
  });
}
