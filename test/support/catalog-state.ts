// What a crawl leaves in the catalog and the metastore, in a form two crawls of equal data can be compared
// in (names aside), and a way to act at a precise point of a crawl: triggers NOTIFY each step a crawl
// records, so a fault lands where it is meant to however fast or slow the machine is.
import type { Knex } from 'knex';
import pg from 'pg';
import type { MetastoreClient } from '../../adapters/metastore/client';
import { toHiveColumns, type Schema } from '../../schema';

export async function catalogState(db: Knex, ms: MetastoreClient, name: string) {
  const src = await db('sources').where({ name }).first('id', 'target_database', 'target_table');
  const version = await db('schema_versions').where({ source_id: src.id }).orderBy('version', 'desc').first();
  const partitions = await db('source_partitions').where({ source_id: src.id }).orderBy('path').select('path', 'records', 'bytes', 'objects', 'corrupt_records');
  const objects = await db('source_objects').where({ source_id: src.id }).count<{ n: string }[]>({ n: '*' });
  const t = await ms.getTable(src.target_database, src.target_table);
  return {
    version: version.version,
    columns: toHiveColumns(version.schema as Schema),
    partitions,
    objects: Number(objects[0]!.n),
    corrupt: Number((await db('corrupt_records').where({ source_id: src.id }).count<{ n: string }[]>({ n: '*' }))[0]!.n),
    metastore: {
      columns: t.sd.cols.map((c) => [c.name, c.type]),
      partitions: (await ms.getPartitionNames(src.target_database, src.target_table)).sort(),
      recordCount: t.parameters.recordCount,
      objectCount: t.parameters.objectCount,
    },
  };
}

/** A step a crawl run reached: a run status (planned, merged, published, completed, …) or `inferred`. */
export interface CrawlEvent {
  runId: number;
  source: string;
  /** `inferred` for each batch inferred, else the run's new status. */
  step: string;
  /** For `inferred`: how many of the run's batches are inferred now. */
  inferred?: number;
}

/**
 * Every step of every crawl, as the catalog records it (triggers NOTIFY on crawl_runs and crawl_batches):
 * `until(pred)` resolves at the first event from now on that matches; `reached(pred)` also at one already
 * seen since watching began (a step another process reached while the caller was busy, say killing a
 * worker, is not waited for in vain). `stop()` drops the triggers.
 */
export async function watchCrawlEvents(
  db: Knex,
  databaseUrl: string,
  unique: string,
): Promise<{ until(pred: (e: CrawlEvent) => boolean, timeoutMs?: number): Promise<CrawlEvent>; reached(pred: (e: CrawlEvent) => boolean, timeoutMs?: number): Promise<CrawlEvent>; stop(): Promise<void> }> {
  const channel = `crawl_events_${unique.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  listener.on('error', () => undefined);
  await listener.query(`LISTEN ${channel}`);
  await db.raw(`CREATE OR REPLACE FUNCTION ${channel}_runs() RETURNS trigger AS $$ BEGIN PERFORM pg_notify('${channel}', NEW.id::text || ' ' || NEW.status); RETURN NEW; END $$ LANGUAGE plpgsql`);
  await db.raw(`CREATE TRIGGER ${channel}_runs AFTER INSERT OR UPDATE OF status ON crawl_runs FOR EACH ROW EXECUTE FUNCTION ${channel}_runs()`);
  await db.raw(`CREATE OR REPLACE FUNCTION ${channel}_batches() RETURNS trigger AS $$ BEGIN PERFORM pg_notify('${channel}', NEW.run_id::text || ' inferred'); RETURN NEW; END $$ LANGUAGE plpgsql`);
  await db.raw(`CREATE TRIGGER ${channel}_batches AFTER UPDATE OF status ON crawl_batches FOR EACH ROW WHEN (NEW.status = 'inferred') EXECUTE FUNCTION ${channel}_batches()`);
  const waiting = new Set<{ pred: (e: CrawlEvent) => boolean; resolve: (e: CrawlEvent) => void }>();
  const sources = new Map<number, string>();
  const inferred = new Map<number, number>();
  const seen: CrawlEvent[] = [];
  let chain = Promise.resolve();
  listener.on('notification', (n) => {
    const [id, step] = (n.payload ?? '').split(' ');
    const runId = Number(id);
    // one at a time, in the order they came
    chain = chain.then(async () => {
      if (!sources.has(runId)) {
        const row = await db('crawl_runs').join('sources', 'sources.id', 'crawl_runs.source_id').where('crawl_runs.id', runId).first('sources.name');
        sources.set(runId, row?.name ?? '?');
      }
      const e: CrawlEvent = { runId, source: sources.get(runId)!, step: step! };
      if (step === 'inferred') inferred.set(runId, (e.inferred = (inferred.get(runId) ?? 0) + 1));
      seen.push(e);
      for (const w of [...waiting]) {
        if (w.pred(e)) {
          waiting.delete(w);
          w.resolve(e);
        }
      }
    }, () => undefined);
  });
  const api = {
    reached(pred: (e: CrawlEvent) => boolean, timeoutMs = 240_000): Promise<CrawlEvent> {
      // after the events already queued are handled, so the history is as complete as the listener's
      return chain.then(() => seen.find(pred) ?? api.until(pred, timeoutMs));
    },
    until(pred: (e: CrawlEvent) => boolean, timeoutMs = 240_000): Promise<CrawlEvent> {
      return new Promise<CrawlEvent>((resolve, reject) => {
        const w = { pred, resolve: (e: CrawlEvent) => (clearTimeout(timer), resolve(e)) };
        const timer = setTimeout(() => (waiting.delete(w), reject(new Error(`no such crawl event within ${timeoutMs} ms`))), timeoutMs);
        waiting.add(w);
      });
    },
    async stop() {
      await db.raw(`DROP TRIGGER IF EXISTS ${channel}_runs ON crawl_runs`);
      await db.raw(`DROP TRIGGER IF EXISTS ${channel}_batches ON crawl_batches`);
      await db.raw(`DROP FUNCTION IF EXISTS ${channel}_runs()`);
      await db.raw(`DROP FUNCTION IF EXISTS ${channel}_batches()`);
      await listener.end().catch(() => undefined);
    },
  };
  return api;
}
