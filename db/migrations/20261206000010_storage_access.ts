import type { Knex } from 'knex';

// Storage-level access: which principals have been given their own S3 key (the secret itself lives only
// on the S3 server), and whether a grant's end was proven by a denied read.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('principal_keys', (t) => {
    t.integer('principal_id').primary().references('principals.id').onDelete('CASCADE');
    t.string('access_key', 256).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('issued_at', { useTz: true }); // when a secret was last shown to the principal (null: never)
    t.integer('issues').notNullable().defaultTo(0); // how many secrets were shown: the first, then rotations
  });
  await knex.schema.alterTable('grants', (t) => {
    t.timestamp('revocation_verified_at', { useTz: true }); // the end was proven: storage read denied, privilege gone
    t.text('revocation_problem'); // why the last proof failed, while it does
  });
  await knex.raw(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
  await knex.raw(
    `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('warning', 'expired', 'revoked', 'breaking-change', 'source-failing', 'revocation-unverified'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DELETE FROM notifications WHERE kind = 'revocation-unverified'`);
  await knex.raw(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
  await knex.raw(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('warning', 'expired', 'revoked', 'breaking-change', 'source-failing'))`);
  await knex.schema.alterTable('grants', (t) => {
    t.dropColumn('revocation_problem');
    t.dropColumn('revocation_verified_at');
  });
  await knex.schema.dropTable('principal_keys');
}
