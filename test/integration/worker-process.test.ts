import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetastoreClient } from '../../adapters/metastore/client';
import { secretEnvName } from '../../adapters/secrets';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../adapters/s3';
import { createDb } from '../../db/knex';
import { ensureBucket } from '../../infra/bootstrap-s3';
import { deleteTopic, kafkaEndpoint, topicOffsets } from '../../adapters/kafka';
import { latestSchema } from '../../db/schema-versions';
import { slicesOfStream } from '../../db/slices';
import { activityTopicMessages, DEMO_PREFIX, DEMO_SECRET, demoSources, demoTopic } from '../../infra/demo-lake';
import { crawlScheduleId, LAKE_SOURCE, LEGACY_IDS } from '../../workflows/shared';
import { ensureSpark, runSparkQueries } from '../support/spark';
import { runLake, stackTemporalBinary, testConfig, uniqueName } from './setup';

const root = path.join(__dirname, '..', '..');

function runWorkerProcess(args: string[], env: Record<string, string>, onOutput?: (text: string, kill: (s: NodeJS.Signals) => void) => void) {
  return runProcess('workers/main.ts', ['--no-schedules', ...args], env, onOutput);
}

function runProcess(script: string, args: string[], env: Record<string, string>, onOutput?: (text: string, kill: (s: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    // node itself (not the tsx wrapper, which relays signals through a second process) with both of tsx's
    // hooks, as the tsx binary infra/start.sh runs the demo with: lake's commands are loaded by import()
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: { ...process.env, ...env } });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      onOutput?.(output, (s) => child.kill(s));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', (code, signal) => resolve({ code, output: `${output}\n[exit code ${code}, signal ${signal}]` }));
  });
}

/** What a schedule would run, and for which catalog: what a takeover by another catalog changes. */
function scheduleTarget(d: ScheduleDescription) {
  const action = d.action.type === 'startWorkflow' ? d.action : undefined;
  return { catalog: d.memo?.catalog, taskQueue: action?.taskQueue, workflowId: action?.workflowId, args: action?.args, paused: d.state.paused };
}

/** A worker process that has said it polls (a queue still lists a stopped worker's pollers for a while,
 *  so the demo's own wait for a worker may not wait for this one), and its output for failure messages. */
async function pollingWorker(env: Record<string, string>) {
  let output = '';
  let kill: ((s: NodeJS.Signals) => void) | undefined;
  let polling: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (polling = resolve));
  const exited = runWorkerProcess([], env, (text, k) => {
    output = text;
    kill ??= k;
    if (/^worker polling/m.test(text)) polling();
  });
  const started = await Promise.race([ready.then(() => true), exited.then(() => false)]);
  if (!started) throw new Error(`the worker stopped before polling:\n${(await exited).output}`);
  return {
    output: () => output,
    stop: async () => {
      kill?.('SIGTERM');
      return exited;
    },
  };
}

describe('the worker process', () => {
  const config = testConfig();
  // The demo registers the developer's demo sources under their own names. Its schedules carry the test
  // catalog's name, and the process still gets a Temporal dev server of its own, and queues of its own so
  // no other worker takes its tasks: nothing it does can reach the developer's running demo. The
  // developer's schedule checked below is the one an older demo created, before ids named their catalog.
  let own: TestWorkflowEnvironment;
  let env: Record<string, string>;
  // The demo writes its drifting sources hour by hour, crawling each: in a bucket where another catalog's
  // demo already wrote every hour there would be no history to see. The test catalog's demo gets a bucket
  // of its own, emptied first and kept afterwards like the test database (its tables point there), and
  // the tables and views it publishes in the metastore's `demo` database are dropped first: a newcomer's
  // stack has none, and a wider table left by another catalog's demo (duration already a double) cannot
  // be narrowed to the first hour's schema. Another catalog's demo creates them again at its next crawl.
  const demoBucket = `${config.s3.demoBucket}-${config.catalog}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
  // the demo's topic is named after its bucket, so this catalog's demo has one of its own, deleted first
  // (the demo meets it new) and last
  const kafka = kafkaEndpoint(config.kafka.bootstrap, 'lake-catalog-test');
  const topic = demoTopic(demoBucket);
  const topicMessages = activityTopicMessages(Date.now()).length;
  // on the stack's shared server: the developer's demo schedule, or a stand-in of another catalog
  const shared = { scheduleId: `${LEGACY_IDS.crawlSchedulePrefix}activity-log`, before: undefined as ReturnType<typeof scheduleTarget> | undefined, standIn: false };
  const withSharedServer = async <T>(fn: (client: Client) => Promise<T>): Promise<T> => {
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      return await fn(new Client({ connection, namespace: config.temporal.namespace }));
    } finally {
      await connection.close();
    }
  };

  beforeAll(async () => {
    own = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: stackTemporalBinary() }, searchAttributes: [LAKE_SOURCE], extraArgs: ['--log-level', 'error'] },
    });
    const s3 = createS3Client(config.s3);
    try {
      await ensureBucket(s3, demoBucket);
      for (;;) {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: demoBucket, Prefix: `${DEMO_PREFIX}/` }));
        const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length === 0) break;
        await s3.send(new DeleteObjectsCommand({ Bucket: demoBucket, Delete: { Objects: keys } }));
      }
    } finally {
      s3.destroy();
    }
    await deleteTopic(kafka, topic);
    const ms = new MetastoreClient(config.metastore);
    try {
      const targets = new Set(demoSources(demoBucket).map((d) => d.targetTable));
      const database = demoSources(demoBucket)[0]!.targetDatabase;
      const names = (await ms.getAllDatabases()).includes(database) ? await ms.getAllTables(database) : [];
      for (const name of names) {
        const parameters = (await ms.getTable(database, name)).parameters ?? {};
        if (parameters['lake.managed'] !== 'true') continue;
        if (targets.has(name) || demoSources(demoBucket).some((d) => d.name === parameters['lake.stream'])) await ms.dropTable(database, name);
      }
    } finally {
      ms.close();
    }
    env = {
      LAKE_DEMO_BUCKET: demoBucket,
      LAKE_DATABASE_URL: config.postgres.url,
      TEMPORAL_ADDRESS: own.address,
      LAKE_TASK_QUEUE: uniqueName('test-worker-process'),
      LAKE_INFERENCE_TASK_QUEUE: uniqueName('test-worker-process-inference'),
    };
    shared.before = await withSharedServer(async (client) => {
      const handle = client.schedule.getHandle(shared.scheduleId);
      try {
        return scheduleTarget(await handle.describe());
      } catch (e) {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
      }
      await client.schedule.create({
        scheduleId: shared.scheduleId,
        spec: { intervals: [{ every: '1 day' }] },
        action: { type: 'startWorkflow', workflowType: 'crawlSource', workflowId: 'crawl/activity-log', taskQueue: uniqueName('nobody-polls'), args: [{ sourceId: 'activity-log' }] },
        memo: { source: 'activity-log', schedule: 'nightly', catalog: 'another-catalog' },
        state: { paused: true },
      });
      shared.standIn = true;
      return scheduleTarget(await handle.describe());
    });
  }, 120_000);

  afterAll(async () => {
    if (shared.standIn) await withSharedServer((client) => client.schedule.getHandle(shared.scheduleId).delete());
    await own?.teardown();
    await deleteTopic(kafka, topic);
  });

  it('runs the demo end to end as a step of its own beside the workers (what `npm start -- --once` does)', async () => {
    let stop: ((s: NodeJS.Signals) => void) | undefined;
    const worker = runWorkerProcess([], { ...env, [secretEnvName(DEMO_SECRET)]: config.postgres.url }, (_text, kill) => void (stop ??= kill));
    const { code, output } = await runProcess('infra/demo.ts', [], env);
    stop?.('SIGTERM');
    const stopped = await worker;
    expect(stopped.output).toMatch(/^worker stopped$/m);
    expect(stopped.code).toBe(0);
    expect(output).toMatch(/crawl of activity-log \(run \d+\)/);
    expect(output).toMatch(/published demo\.activity_log/);
    expect(output).toMatch(/^activity-log$/m); // lake describe of the demo's stream
    expect(output).toMatch(/^props\s+struct</m);
    expect(output).toContain(`Temporal UI:     http://127.0.0.1:${config.temporal.uiPort}/namespaces/`);
    // the drifting sources arrived hour by hour, each hour crawled on its own
    expect(output).toMatch(/^hour 20 of activity-log and events written; crawling$/m);
    expect(output).toMatch(/^hour 22 of activity-log and events written; crawling$/m);
    expect(output).toContain(`kafka topic ${topic}: ${topicMessages} messages of the last 3 hours produced over 3 partitions`);
    expect(output).toMatch(/crawl of activity-topic \(run \d+\)/);
    expect(code).toBe(0);
  }, 180_000);

  it("crawls the demo's Kafka topic: every message once, split by label, linked to the activity log", async () => {
    const db = createDb(config.postgres);
    try {
      const source = await db('sources').where({ name: 'activity-topic' }).first('id', 'location');
      expect(source.location).toEqual({ topic, landsIn: 'activity-log' });
      // the catalog's offsets are the topic's ends: nothing left unread
      const committed = await db('kafka_offsets').where({ source_id: source.id }).orderBy('partition').select('next_offset');
      const ends = await topicOffsets(kafka, topic);
      expect(ends.length).toBe(3);
      expect(committed.map((o: { next_offset: string }) => o.next_offset)).toEqual(ends.map((e) => e.highWatermark));
      // every message counted once, in the hour of its timestamp; one truncated message per hour quarantined
      const volumes = await db('source_partitions').where({ source_id: source.id }).select('records', 'corrupt_records');
      const records = volumes.reduce((n: number, v: { records: string }) => n + Number(v.records), 0);
      const corrupt = volumes.reduce((n: number, v: { corrupt_records: string }) => n + Number(v.corrupt_records), 0);
      expect(records + corrupt).toBe(topicMessages);
      expect(corrupt).toBe(3);
      // the activity log's fields, the lake's next drift step (session_id) and the message's metadata
      const columns = (await latestSchema(db, source.id))!.schema.columns.map((c) => c.name);
      expect(columns).toEqual(expect.arrayContaining(['kafka_key', 'kafka_headers', 'kafka_timestamp', 'kafka_partition', 'kafka_offset', 'label', 'props', 'duration', 'session_id']));
      const slices = await slicesOfStream(db, source.id);
      expect(slices.map((x) => JSON.stringify(x.location.values)).sort()).toEqual(['["add_track_listen"]', '["purchase"]', '["request_navv"]', 'null']);
    } finally {
      await db.destroy();
    }
    const described = await runLake(config, 'describe', 'activity-topic');
    expect(described.code, described.err).toBe(0);
    expect(described.out).toContain(`kafka topic ${topic}, split by label`);
    expect(described.out).toMatch(/^  lands in +activity-log$/m);
  });

  it("gives the drifting source a history the README's own commands show", async () => {
    const history = await runLake(config, 'history', 'activity-log', '--json');
    expect(history.code, history.err).toBe(0);
    const versions = JSON.parse(history.out) as { version: number; change: string }[];
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(versions.slice(1).every((v) => v.change === 'additive' || v.change === 'breaking')).toBe(true);

    const shown = await runLake(config, 'history', 'activity-log');
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^VERSION\s+CHANGE/m);

    // hour 21 adds props.description; hour 22 widens duration from an integer to a double
    const diff = await runLake(config, 'diff', 'activity-log', '1', '2');
    expect(diff.code, diff.err).toBe(0);
    expect(diff.out).not.toMatch(/have the same schema/);
    expect(diff.out).toMatch(/additive\s+\S+\s+props\.description\b/);
    const widened = await runLake(config, 'diff', 'activity-log', '2', '3', '--json');
    expect(JSON.parse(widened.out)).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'duration', to: 'double' })]));

    // the stream's shop purchases wrote their price as text from hour 22: its logical source has a history too
    const slice = await runLake(config, 'history', 'events-identified-shop-purchase-edge', '--json');
    expect(JSON.parse(slice.out).length).toBeGreaterThanOrEqual(2);
  });

  it("runs every command the README suggests trying on the demo, as written", async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = /Things to try:\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toMatch(/lake -- diff activity-log 1 2/);
    const worker = await pollingWorker({ ...env, [secretEnvName(DEMO_SECRET)]: config.postgres.url });
    try {
      // each line on its own, so a failure names its command
      for (const line of block!.split('\n').filter((l) => l.trim() !== '')) {
        const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile('bash', ['-euo', 'pipefail', '-c', line], { cwd: root, env: { ...process.env, ...env }, timeout: 2 * 60_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
        });
        expect(code, `${line}\n${stderr.slice(-2000)}`).toBe(0);
        expect(stdout.trim(), line).not.toBe('');
        if (line.includes('diff activity-log 1 2')) expect(stdout).toMatch(/props\.description/);
      }
    } finally {
      await worker.stop();
    }
  }, 5 * 60_000);

  it('gives the demo an owner of its sources, an analyst and an admin', async () => {
    const db = createDb(config.postgres);
    try {
      const people = await db('principals').whereIn('name', ['olivia', 'ana', 'admin']).where({ kind: 'user' }).orderBy('name').select('name', 'admin');
      expect(people).toEqual([
        { name: 'admin', admin: true },
        { name: 'ana', admin: false },
        { name: 'olivia', admin: false },
      ]);
      // other tests of the run own sources of their own in the same catalog
      const demoNames = demoSources(demoBucket).map((d) => d.name);
      const owned = await db('source_owners as o').join('sources as s', 's.id', 'o.source_id').join('principals as p', 'p.id', 'o.principal_id').whereIn('s.name', demoNames).select('s.name', 'p.name as owner');
      expect(owned.map((r) => `${r.name}:${r.owner}`).sort()).toEqual(demoSources(demoBucket).map((d) => `${d.name}:olivia`).sort());
    } finally {
      await db.destroy();
    }
  });

  it('runs the demo a second time on the same stack without changing or failing anything', async () => {
    const before = await runLake(config, 'history', 'activity-log', '--json');
    const worker = await pollingWorker({ ...env, [secretEnvName(DEMO_SECRET)]: config.postgres.url });
    let demo: { code: number | null; output: string };
    let killDemo: ((s: NodeJS.Signals) => void) | undefined;
    const timer = setTimeout(() => killDemo?.('SIGKILL'), 150_000); // then fail with what it printed
    try {
      demo = await runProcess('infra/demo.ts', [], env, (_text, kill) => void (killDemo ??= kill));
    } finally {
      clearTimeout(timer);
      await worker.stop();
    }
    const { code, output } = demo;
    expect(code, `${output.slice(-3000)}\n--- worker:\n${worker.output().slice(-3000)}`).toBe(0);
    expect(output).not.toMatch(/written; crawling/); // its sources have a history already: one crawl each
    expect(output).not.toMatch(/activated \d+ logical sources/);
    expect(output).toContain(`kafka topic ${topic} already holds ${topicMessages} messages: nothing produced`);
    expect((await topicOffsets(kafka, topic)).reduce((n, p) => n + Number(p.highWatermark), 0)).toBe(topicMessages);
    const crawls = output.slice(0, output.indexOf('lake catalog is up.'));
    expect([...crawls.matchAll(/^crawl of (\S+) \(run \d+\)$/gm)].map((m) => m[1]).sort()).toEqual(demoSources(demoBucket).map((d) => d.name).sort());
    for (const m of crawls.matchAll(/^ {2}objects {3}(.*)$/gm)) expect(m[1]).toMatch(/^0 new, 0 changed, 0 deleted/);
    for (const m of crawls.matchAll(/^ {2}schema {4}(.*)$/gm)) expect(m[1]).toMatch(/^version \d+ \(none\)$/);
    const after = await runLake(config, 'history', 'activity-log', '--json');
    expect(after.out).toBe(before.out);
  }, 180_000);

  it("syncs the demo's schedules on its own server and leaves another catalog's schedule of the same source as it was", async () => {
    const mine = scheduleTarget(await own.client.schedule.getHandle(crawlScheduleId(config.catalog, 'activity-log')).describe());
    expect(mine).toMatchObject({ catalog: config.catalog, taskQueue: env.LAKE_TASK_QUEUE });
    const after = await withSharedServer(async (client) => scheduleTarget(await client.schedule.getHandle(shared.scheduleId).describe()));
    expect(after).toEqual(shared.before);
    expect(after.catalog).not.toBe(config.catalog);
  });

  it('every table and view the demo publishes answers select * in Spark', async () => {
    const installing = ensureSpark();
    const ms = new MetastoreClient(config.metastore);
    let tables: string[];
    try {
      tables = [];
      for (const name of await ms.getAllTables('demo')) {
        if ((await ms.getTable('demo', name)).parameters?.['lake.managed'] === 'true') tables.push(name);
      }
    } finally {
      ms.close();
    }
    // the demo's sources (JSON lines with corrupt lines, CSV, Parquet) and the stream's logical sources
    expect(tables).toEqual(expect.arrayContaining(['activity_log', 'events', 'purchases', 'tracks']));
    expect(tables.length).toBeGreaterThan(5);
    await installing;
    const results = await runSparkQueries(tables.map((t) => ({ name: t, sql: `select * from demo.\`${t}\`` })), config);
    for (const t of tables) expect(results.rows(t).length, `rows of demo.${t}`).toBeGreaterThan(0);
  }, 20 * 60_000);

  it("the README's Spark example runs as written and reads the demo", async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = /<!-- spark-example[^\n]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const conf = path.join(root, 'lake-spark.conf');
    try {
      const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile('bash', ['-euo', 'pipefail', '-c', block!], { cwd: root, env: { ...process.env, ...env }, timeout: 5 * 60_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect(code, stderr.slice(-3000)).toBe(0);
      expect(stdout).toMatch(/^2019-10-\d\d\t\d+$/m);
    } finally {
      rmSync(conf, { force: true });
    }
  }, 10 * 60_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`shuts down gracefully on ${signal}`, async () => {
      let sent = false;
      const { code, output } = await runWorkerProcess([], env, (text, kill) => {
        if (!sent && text.includes('worker polling')) {
          sent = true;
          kill(signal);
        }
      });
      expect(sent).toBe(true);
      expect(output).toMatch(/^worker stopped$/m);
      expect(output).toMatch(/^inference worker stopped$/m);
      expect(code).toBe(0);
    }, 120_000);
  }

  it('refuses to start with a bad setting and names it', async () => {
    const { code, output } = await runWorkerProcess([], { LAKE_METASTORE_PORT: 'ninety' });
    expect(code).toBe(2);
    expect(output).toContain('LAKE_METASTORE_PORT="ninety" is not a TCP port');
  });
});
