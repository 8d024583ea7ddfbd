// What `npm start` shows once the stack is up and the workers poll: the demo lake registered and
// crawled end to end through the real Temporal server, and where to look next. A step of its own after
// the workers started (infra/start.sh):
//   tsx infra/demo.ts              waits for a worker on the I/O queue, then registers and crawls the demo
//   tsx infra/demo.ts --secret-env prints the shell assignment of the secret the demo's database source
//                                  names, for the worker's environment
import type { Client } from '@temporalio/client';
import { loadConfigOrExit, type LakeConfig } from '../config';
import { secretEnvName } from '../adapters/secrets';
import { connectClient } from '../client/connect';
import { createS3Client } from '../adapters/s3';
import { createDb } from '../db/knex';
import { listSourceStates, saveSource, setLogicalSourcesActive } from '../db/sources';
import { crawlResult, startCrawl } from '../client/crawl';
import { workerPolls } from '../client/preview';
import { syncSchedules } from '../client/schedules';
import { formatSummary } from '../cli/commands/crawl';
import { main as lake } from '../cli/main';
import { DEMO_SECRET, demoSources, writeDemoLake, writeDemoTable } from './demo-lake';
import { ensureBucket } from './bootstrap-s3';
import { temporalUiUrl } from './health';

export async function runDemo(config: LakeConfig): Promise<void> {
  const s3 = createS3Client(config.s3);
  const db = createDb(config.postgres);
  const client = await connectClient(config);
  try {
    await waitForWorker(client, config);
    await ensureBucket(s3, config.s3.demoBucket);
    const objects = await writeDemoLake(s3, config.s3.demoBucket);
    await writeDemoTable(db);
    const sources = demoSources(config.s3.demoBucket);
    for (const def of sources) await saveSource(db, def);
    console.log(`demo lake: ${objects} objects in s3://${config.s3.demoBucket}/demo/, table demo.signups; ${sources.length} sources registered`);

    await syncSchedules(client, db, config);
    const crawl = async (name: string) => {
      const summary = await crawlResult(await startCrawl(client, config, name));
      console.log(formatSummary(summary));
    };
    for (const def of sources) await crawl(def.name);
    // the stream's logical sources come in inactive; the demo activates them all and publishes their views
    const streams = sources.filter((d) => d.kind === 's3' && d.options.discriminators?.length).map((d) => d.name);
    for (const stream of streams) {
      const fresh = (await listSourceStates(db, { stream, onlyNew: true })).map((r) => r.source.name);
      if (fresh.length === 0) continue;
      await setLogicalSourcesActive(db, fresh, true);
      console.log(`activated ${fresh.length} logical sources of ${stream}; publishing their views`);
      await crawl(stream);
    }

    const ui = temporalUiUrl(config);
    console.log(`
lake catalog is up.
  Temporal UI:     ${ui}/namespaces/${config.temporal.namespace}/workflows   (filter: LakeSource = "activity-log")
  schedules:       ${ui}/namespaces/${config.temporal.namespace}/schedules
  a source:        npm run -s lake -- describe activity-log
  a stream's logical sources: npm run -s lake -- source list --stream events
  one of them:     npm run -s lake -- describe events-identified-music-purchase-edge
  its table:       npm run -s lake -- table demo.activity_log
  sources:         npm run -s lake -- source list
  stack status:    npm run stack -- status
  stop the stack:  npm run stack -- down
`);
    await lake(['describe', 'activity-log'], { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
  } finally {
    s3.destroy();
    await db.destroy();
    await client.connection.close();
  }
}

/** Until a worker polls the catalog's I/O queue: the demo's crawls would wait for one silently. */
async function waitForWorker(client: Client, config: LakeConfig, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await workerPolls(client, config.temporal.namespace, config.temporal.taskQueue)) return;
    if (Date.now() > deadline) throw new Error(`no worker polls task queue "${config.temporal.taskQueue}" after ${timeoutMs / 1000} s: is the worker running (npm run worker)?`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The demo's database source reads the catalog's own PostgreSQL through this secret reference. */
function secretAssignment(config: LakeConfig): string {
  const name = secretEnvName(DEMO_SECRET);
  const value = process.env[name] ?? config.postgres.url;
  return `export ${name}='${value.replace(/'/g, `'\\''`)}'`;
}

if (require.main === module) {
  const config = loadConfigOrExit();
  if (process.argv.includes('--secret-env')) console.log(secretAssignment(config));
  else {
    runDemo(config).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  }
}
