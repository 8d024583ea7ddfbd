import type { Knex } from 'knex';
import { IDENTIFYING_TAGS } from '../../schema/identifying';
import { remaskSource } from '../identifying';

// Identifying tags a crawl suggests per column (schema/identifying.ts), with the evidence people read
// before accepting them (`lake column accept-tags`). Replaced by each crawl's merge; a column tagged
// identifying has none.
// Then what was stored before identifying values were masked when written: the batch results of runs
// already merged or failed are pruned to their summaries (as mergeCrawl now does), and the sources with
// identifying columns get their stored samples and statistics masked (a fresh catalog has none).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('column_tag_suggestions', (t) => {
    t.integer('source_id').notNullable().references('sources.id').onDelete('CASCADE');
    t.text('path').notNullable(); // column path, as column_metadata's
    t.text('tag').notNullable();
    t.specificType('evidence', 'text[]').notNullable(); // "e-mail pattern in 98% of 1,204 values", "name matches 'email'"
    t.integer('run_id').references('crawl_runs.id').onDelete('SET NULL');
    t.timestamp('suggested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['source_id', 'path']);
  });

  await knex.raw(`
    update crawl_batches b
       set result = jsonb_build_object('pruned', jsonb_build_object(
             'batchNo', b.batch_no,
             'files', greatest(coalesce(jsonb_array_length(b.result->'objects'), 0), 1),
             'bytesRead', coalesce(b.bytes_read, 0),
             'records', coalesce((b.result->'result'->>'records')::bigint, 0),
             'corruptRecords', coalesce((b.result->'result'->>'corruptRecords')::bigint, 0)))
      from crawl_runs r
     where r.id = b.run_id and r.status in ('merged', 'published', 'completed', 'failed')
       and b.status = 'inferred' and b.result is not null and b.result->'pruned' is null`);

  const tagged = await knex('column_metadata').whereRaw('tags && ?::text[]', [[...IDENTIFYING_TAGS]]).distinct('source_id');
  for (const { source_id } of tagged as { source_id: number }[]) await knex.transaction((trx) => remaskSource(trx, source_id));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('column_tag_suggestions');
}
