// The catalog's own offsets of its Kafka sources: per partition, the first offset the next crawl reads.
// Moved only in a merge's transaction, with the schema version the read produced (a crawl killed before
// its merge leaves them, and the next crawl reads the same messages again, counted once).
import type { Knex } from 'knex';

export async function committedOffsets(db: Knex, sourceId: number): Promise<Map<number, string>> {
  const rows: { partition: number; next_offset: string }[] = await db('kafka_offsets').where({ source_id: sourceId }).select('partition', 'next_offset');
  return new Map(rows.map((r) => [r.partition, String(r.next_offset)]));
}

/** Sets each partition's next offset (by partition number, as the plan recorded them). */
export async function commitOffsets(trx: Knex.Transaction, sourceId: number, runId: number, next: Record<string, string>): Promise<void> {
  const rows = Object.entries(next).map(([partition, offset]) => ({ source_id: sourceId, partition: Number(partition), next_offset: offset, run_id: runId, updated_at: trx.fn.now() }));
  if (rows.length === 0) return;
  await trx('kafka_offsets').insert(rows).onConflict(['source_id', 'partition']).merge(['next_offset', 'run_id', 'updated_at']);
}
