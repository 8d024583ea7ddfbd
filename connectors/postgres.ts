// PostgreSQL tables as sources: a plan counts the rows past the cursor (a high-water mark on a monotonic
// column), a batch reads them all into the table's schema and statistics, and a crawl's merge moves the
// cursor to the last value read (a backfill reads from the start and leaves it). The database URL is a
// secret the worker resolves here, and only here.
import type { Knex } from 'knex';
import { countNewRows, readNewRows, readTableSchema, tableExists } from '../adapters/postgres-source';
import { resolveSecret } from '../adapters/secrets';
import type { SampleRow } from '../crawl/profile';
import type { CrawlCounts, InferProgress } from '../crawl/run';
import type { PostgresSourceDefinition } from '../crawl/source';
import { advanceCursor, cursorOf } from '../db/cursors';
import { PROFILE } from '../db/profiles';
import { EMPTY_RESULT, NUMERIC_KINDS, StatsAccumulator } from '../schema';
import { statsPathOf } from '../schema/stats';
import type { BatchResult, Connector, ConnectorDeps, MergedRun, PlannedCrawl, PlanRequest } from './connector';

type PostgresSource = PostgresSourceDefinition & { id: number };

/** A window of rows of a database table source. */
export interface PlannedTableWindow {
  after: string | null;
}

async function plan(deps: ConnectorDeps, source: PostgresSource, input: PlanRequest): Promise<PlannedCrawl> {
  const after = input.kind === 'backfill' ? null : await cursorOf(deps.db, source.id);
  const url = resolveSecret(source.location.secretRef);
  const newRows = await countNewRows(url, { ...source.location, after });
  const window: PlannedTableWindow = { after };
  const counts: CrawlCounts = { added: newRows, changed: 0, deleted: 0, unchanged: 0, files: 1, bytes: 0 };
  return { batches: [[window]], counts, scope: { after }, format: 'table' };
}

async function read(_deps: unknown, source: PostgresSource, batch: unknown[], onProgress: (p: InferProgress) => void): Promise<BatchResult> {
  const window = (batch as PlannedTableWindow[])[0]!;
  const url = resolveSecret(source.location.secretRef);
  const schema = await readTableSchema(url, source.location.schema, source.location.table);
  let rows = 0;
  let maxCursor: string | null = window.after;
  const samples: SampleRow[] = [];
  const stats = new StatsAccumulator(); // over every row read
  const numeric = new Set(schema.columns.filter((c) => NUMERIC_KINDS.has(c.type.kind)).map((c) => statsPathOf([c.name])));
  const file = `pg://${source.location.secretRef}/${source.location.schema}.${source.location.table}`;
  for await (const batch of readNewRows(url, { ...source.location, after: window.after, batchSize: 5000 })) {
    for (const row of batch.rows.slice(0, PROFILE.maxRecords - samples.length)) {
      samples.push({ partition: '', file, record: JSON.parse(JSON.stringify(row)) }); // Dates to ISO text
    }
    for (const row of batch.rows) stats.observe(row, numeric);
    rows += batch.rows.length;
    if (batch.maxCursor !== null && batch.maxCursor !== undefined) maxCursor = String(batch.maxCursor);
    onProgress({ filesDone: 0, filesTotal: 1, bytesDone: 0, rows });
  }
  return { result: { ...EMPTY_RESULT, schema, records: rows, stats: stats.toJSON() }, objects: [], maxCursor, rows, samples };
}

async function advance(trx: Knex.Transaction, source: PostgresSource, run: MergedRun, results: readonly BatchResult[]): Promise<string[]> {
  if (run.kind !== 'crawl') return [];
  const r = results[0]!;
  await advanceCursor(trx, source.id, source.location.cursorColumn, r.maxCursor ?? null, r.rows ?? 0);
  return [];
}

/** The secret resolves, the database answers and the table exists. */
async function check(_deps: unknown, def: PostgresSourceDefinition): Promise<string[]> {
  let url: string;
  try {
    url = resolveSecret(def.location.secretRef);
  } catch (e) {
    return [`location.secretRef: ${(e as Error).message}`];
  }
  try {
    if (!(await tableExists(url, def.location))) return [`location: table ${def.location.schema}.${def.location.table} does not exist`];
  } catch (e) {
    return [`location.secretRef: the database of secret "${def.location.secretRef}" is unreachable (${(e as Error).message.split('\n')[0]})`];
  }
  return [];
}

export const postgresConnector: Connector<PostgresSource> = {
  kind: 'postgres',
  plan,
  read,
  advance,
  // a database table's rows are not in the lake: it is catalogued, not published as an external table
  lakeTable: () => undefined,
  // a dry run would read the table's rows from a database that serves others
  previewRefusal: (source) => `--dry-run reads S3 sources; ${source.name} is a postgres table source`,
  check,
};
