import type { Knex } from 'knex';

// The live grants by deadline: the expiry of a day's grants looks for every one past its deadline at once
// (db/governance.ts endDueGrants), among the many live ones that are not.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX grants_live_by_deadline ON grants (expires_at) WHERE status IN ('pending', 'active')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS grants_live_by_deadline`);
}
