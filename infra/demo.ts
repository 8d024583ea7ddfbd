// What `npm start` shows once the stack is up and the workers poll: the demo lake registered and
// crawled end to end through the real Temporal server, and where to look next. A step of its own after
// the workers started (infra/start.sh):
//   tsx infra/demo.ts              waits for a worker on the I/O queue, then registers and crawls the demo
//   tsx infra/demo.ts --secret-env prints the shell assignment of the secret the demo's database source
//                                  names, for the worker's environment
import type { Client } from '@temporalio/client';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import { loadConfigOrExit, type LakeConfig } from '../config';
import { secretEnvName } from '../adapters/secrets';
import { connectClient } from '../client/connect';
import { createS3Client } from '../adapters/s3';
import { createDb } from '../db/knex';
import { listSourceStates, saveSource, setLogicalSourcesActive } from '../db/sources';
import { latestSchema } from '../db/schema-versions';
import { addPrincipal } from '../db/governance';
import { addOwner, setAdmin } from '../db/owners';
import { crawlResult, startCrawl } from '../client/crawl';
import { workerPolls } from '../client/preview';
import { syncSchedules } from '../client/schedules';
import { formatSummary } from '../cli/commands/crawl';
import { main as lake } from '../cli/main';
import { kafkaEndpoint } from '../adapters/kafka';
import { DEMO_HOURS, DEMO_PREFIX, DEMO_SECRET, DEMO_TOPIC_HOURS, DEMO_TOPIC_PARTITIONS, DRIFTING_SOURCES, demoSources, demoTopic, writeDemoHour, writeDemoTable, writeDemoTopic, writeSteadyDemo } from './demo-lake';
import { ensureBucket } from './bootstrap-s3';
import { temporalUiUrl } from './health';

export async function runDemo(config: LakeConfig): Promise<void> {
  const s3 = createS3Client(config.s3);
  const db = createDb(config.postgres);
  const client = await connectClient(config);
  try {
    await waitForWorker(client, config);
    const bucket = config.s3.demoBucket;
    await ensureBucket(s3, bucket);
    await writeDemoTable(db);
    // the topic exists before its source is registered: a crawl of a missing topic fails
    const topic = demoTopic(bucket);
    const sent = await writeDemoTopic(kafkaEndpoint(config.kafka.bootstrap, 'lake-catalog-demo'), topic);
    console.log(
      sent.produced > 0
        ? `kafka topic ${topic}: ${sent.produced} messages of the last ${DEMO_TOPIC_HOURS} hours produced over ${DEMO_TOPIC_PARTITIONS} partitions`
        : `kafka topic ${topic} already holds ${sent.held} messages: nothing produced`,
    );
    const sources = demoSources(bucket);
    const saved = [];
    for (const def of sources) saved.push(await saveSource(db, def));
    await giveDemoOwners(db, saved.map((s) => s.name));
    await syncSchedules(client, db, config);

    const crawl = async (name: string) => {
      const summary = await crawlResult(await startCrawl(client, config, name));
      console.log(formatSummary(summary));
    };
    // The drifting sources arrive hour by hour, each hour crawled before the next is written, so every
    // drift step is a schema version of its own (`lake history`, `lake diff activity-log 1 2`). A source
    // this catalog crawled before gets its hours at once: the same bytes again, nothing to record.
    const hourly: string[] = [];
    for (const def of sources.filter((d) => DRIFTING_SOURCES.includes(d.name))) {
      const source = saved.find((s) => s.name === def.name)!;
      if (await latestSchema(db, source.id)) continue;
      hourly.push(def.name);
      if (def.kind === 's3' && (await holdsObjects(s3, bucket, def.location.prefix))) {
        console.log(`s3://${bucket}/${def.location.prefix} already holds objects: the first version of ${def.name} takes in all of them`);
      }
    }
    console.log(`demo lake: s3://${bucket}/${DEMO_PREFIX}/, table demo.signups and kafka topic ${topic}; ${sources.length} sources registered, owned by ${DEMO_PEOPLE.owner}`);
    await writeSteadyDemo(s3, bucket);
    for (const hour of DEMO_HOURS) {
      await writeDemoHour(s3, bucket, hour);
      if (hourly.length === 0) continue;
      console.log(`hour ${hour} of ${hourly.join(' and ')} written; crawling`);
      await Promise.all(hourly.map(crawl));
    }
    await Promise.all(sources.filter((d) => !hourly.includes(d.name)).map((d) => crawl(d.name)));
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
  its history:     npm run -s lake -- history activity-log; npm run -s lake -- diff activity-log 1 2
  a stream's logical sources: npm run -s lake -- source list --stream events
  one of them:     npm run -s lake -- describe events-identified-music-purchase-edge
  its table:       npm run -s lake -- table demo.activity_log
  its kafka topic: npm run -s lake -- describe activity-topic
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

async function holdsObjects(s3: S3Client, bucket: string, prefix: string): Promise<boolean> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
  return (listed.KeyCount ?? 0) > 0;
}

/** The demo's people for the web catalog: olivia owns the demo sources (and so their logical sources),
 *  ana is an analyst with no access yet, admin may do everything. Idempotent. */
export const DEMO_PEOPLE = { owner: 'olivia', analyst: 'ana', admin: 'admin' } as const;

async function giveDemoOwners(db: Knex, sources: readonly string[]): Promise<void> {
  const actor = 'demo';
  await addPrincipal(db, { name: DEMO_PEOPLE.owner, kind: 'user', email: 'olivia@example.com' }, actor);
  await addPrincipal(db, { name: DEMO_PEOPLE.analyst, kind: 'user', email: 'ana@example.com' }, actor);
  await addPrincipal(db, { name: DEMO_PEOPLE.admin, kind: 'user' }, actor);
  await setAdmin(db, DEMO_PEOPLE.admin, true, actor);
  for (const source of sources) await addOwner(db, { source, principal: DEMO_PEOPLE.owner, by: actor });
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
