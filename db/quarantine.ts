// Queries of the quarantine: the corrupt records a run found, with where and why, per source.
import type { Knex } from 'knex';

const CHUNK = 500;

export interface QuarantinedRecord {
  sourceId: number;
  runId: number;
  file: string;
  line: number;
  reason: string;
}

/** A merge replaces its run's quarantine: a retried merge must not count a line twice. */
export async function clearRunQuarantine(trx: Knex.Transaction, runId: number): Promise<void> {
  await trx('corrupt_records').where({ run_id: runId }).delete();
}

export async function quarantine(trx: Knex.Transaction, records: readonly QuarantinedRecord[]): Promise<void> {
  const rows = records.map((c) => ({ source_id: c.sourceId, run_id: c.runId, file: c.file, line: c.line, reason: c.reason }));
  for (let i = 0; i < rows.length; i += CHUNK) await trx('corrupt_records').insert(rows.slice(i, i + CHUNK));
}
