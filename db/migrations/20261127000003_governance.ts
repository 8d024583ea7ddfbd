import type { Knex } from 'knex';

// Governance: who asked for what (requests), who holds what until when (grants), every state change
// (audit, append-only) and what people must be told (notification outbox). The levels themselves live
// in governance/levels.ts; the database only checks their names.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('principals', (t) => {
    t.increments('id').primary();
    t.string('name', 200).notNullable();
    t.string('kind', 10).notNullable(); // user | group
    t.string('email', 320);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['kind', 'name']);
  });
  await knex.raw(`ALTER TABLE principals ADD CONSTRAINT principals_kind_check CHECK (kind IN ('user', 'group'))`);

  await knex.schema.createTable('access_requests', (t) => {
    t.increments('id').primary();
    t.integer('principal_id').notNullable().references('principals.id').onDelete('CASCADE');
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.string('level', 8).notNullable();
    t.text('reason').notNullable();
    t.integer('days').notNullable(); // bounded by the level's maximum (checked in governance/levels.ts)
    t.string('status', 20).notNullable().defaultTo('pending');
    t.string('requested_by', 200).notNullable();
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('decided_by', 200);
    t.timestamp('decided_at', { useTz: true });
    t.text('decision_note');
    t.index(['source_id', 'status']);
  });
  await knex.raw(`ALTER TABLE access_requests ADD CONSTRAINT access_requests_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled'))`);
  await knex.raw(`ALTER TABLE access_requests ADD CONSTRAINT access_requests_level_check CHECK (level ~ '^A-[1-5]$')`);
  await knex.raw(`ALTER TABLE access_requests ADD CONSTRAINT access_requests_days_check CHECK (days > 0)`);

  // What was granted is copied onto the grant (table, privileges) so that revoking takes away exactly
  // that, even if the source later publishes elsewhere or a level's definition changes.
  await knex.schema.createTable('grants', (t) => {
    t.increments('id').primary();
    t.integer('request_id').unique().references('access_requests.id').onDelete('CASCADE');
    t.integer('principal_id').notNullable().references('principals.id').onDelete('CASCADE');
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.string('level', 8).notNullable();
    t.string('status', 20).notNullable().defaultTo('pending'); // pending (not yet applied) | active | expired | revoked
    t.boolean('enable_catalog').notNullable().defaultTo(true); // the source is listed in the holder's catalog (list, search): db/catalog.ts
    t.string('target_database', 128).notNullable();
    t.string('target_table', 128).notNullable();
    t.jsonb('privileges').notNullable().defaultTo('[]'); // metastore privileges, e.g. ["SELECT"]
    t.string('approved_by', 200).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('applied_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('max_expires_at', { useTz: true }).notNullable(); // created_at + the level's maximum period
    t.bigInteger('warn_before_ms').notNullable();
    t.timestamp('warned_for', { useTz: true }); // the expiry a warning was recorded for (an extension warns again)
    t.timestamp('expired_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.string('revoked_by', 200);
    t.text('revoke_reason');
    t.string('workflow_id', 300).notNullable();
    t.index(['source_id', 'status']);
    t.index(['principal_id', 'status']);
  });
  await knex.raw(`ALTER TABLE grants ADD CONSTRAINT grants_status_check CHECK (status IN ('pending', 'active', 'expired', 'revoked'))`);
  await knex.raw(`ALTER TABLE grants ADD CONSTRAINT grants_level_check CHECK (level ~ '^A-[1-5]$')`);

  // The audit log has no foreign keys: it outlives what it speaks of (a removed source, a principal).
  await knex.schema.createTable('governance_audit', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('actor', 200).notNullable();
    t.string('entity', 20).notNullable(); // principal | request | grant
    t.integer('entity_id').notNullable();
    t.string('action', 40).notNullable(); // requested, approved, rejected, cancelled, created, activated, extended, warned, expired, revoked, …
    t.string('from_status', 20);
    t.string('to_status', 20);
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['entity', 'entity_id', 'id']);
  });
  await knex.raw(`
    CREATE FUNCTION governance_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'governance_audit is append-only (% refused)', TG_OP;
    END $$`);
  await knex.raw(`CREATE TRIGGER governance_audit_no_change BEFORE UPDATE OR DELETE ON governance_audit FOR EACH ROW EXECUTE FUNCTION governance_audit_append_only()`);
  await knex.raw(`CREATE TRIGGER governance_audit_no_truncate BEFORE TRUNCATE ON governance_audit FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_append_only()`);

  // Outbox: recorded in the transaction of the change it reports; delivered later (webhook), at least once.
  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id').primary();
    t.integer('principal_id').references('principals.id').onDelete('SET NULL');
    t.string('recipient', 200).notNullable(); // the principal's name (or an address)
    t.string('kind', 30).notNullable();
    t.integer('source_id').references('sources.id').onDelete('SET NULL');
    t.integer('grant_id').references('grants.id').onDelete('SET NULL');
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.string('dedupe_key', 300).notNullable().unique(); // one notification per event and recipient, whatever retries
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.integer('delivery_attempts').notNullable().defaultTo(0);
    t.text('last_error');
  });
  await knex.raw(
    `ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('warning', 'expired', 'revoked', 'breaking-change', 'source-failing'))`,
  );
  await knex.raw(`CREATE INDEX notifications_undelivered ON notifications (id) WHERE delivered_at IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['notifications', 'governance_audit', 'grants', 'access_requests', 'principals']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP FUNCTION IF EXISTS governance_audit_append_only()');
}
