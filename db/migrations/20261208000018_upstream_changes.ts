import type { Knex } from 'knex';

// Drift early warning: a schema change seen at a topic, recorded for the lake source its records land in
// (one row per topic version and lake, so a retried merge records it once), and told to that source's
// holders under a notification kind of its own.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('upstream_changes', (t) => {
    t.increments('id');
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE'); // the lake source told
    t.integer('upstream_id').notNullable().references('sources.id').onDelete('CASCADE'); // the topic that changed
    t.integer('version').notNullable(); // the topic's schema version
    t.string('change_class', 20).notNullable(); // additive | breaking, as the lake sees it
    t.jsonb('fields').notNullable(); // the changed fields (UpstreamField[])
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['source_id', 'upstream_id', 'version']);
  });
  await knex.raw(`ALTER TABLE upstream_changes ADD CONSTRAINT upstream_changes_class_check CHECK (change_class IN ('additive', 'breaking'))`);
  await knex.raw(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
  await knex.raw(
    `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('warning', 'expired', 'revoked', 'breaking-change', 'source-failing', 'revocation-unverified', 'upstream-breaking-change'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DELETE FROM notifications WHERE kind = 'upstream-breaking-change'`);
  await knex.raw(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
  await knex.raw(
    `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('warning', 'expired', 'revoked', 'breaking-change', 'source-failing', 'revocation-unverified'))`,
  );
  await knex.schema.dropTable('upstream_changes');
}
