// Drift early warning on the real stack: a topic linked to the S3 source its records land in (`--lands-in`)
// changes its schema (a field added, a number turning to text, keys with markup, quotes and unicode); the
// lake source shows the change before its own crawl sees it, its holder is told once, `lake describe` and
// the web catalog show the link both ways; once the lake's crawls bring the fields, nothing is pending.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { createTopic, deleteTopic, kafkaEndpoint, produce, type ProducedMessage } from '../../adapters/kafka';
import { createS3Client } from '../../adapters/s3';
import type { CrawlSummary } from '../../crawl/run';
import { nextSchemaVersion } from '../../crawl/schema-version';
import { addPrincipal, approveRequest, listNotifications, markGrantActive, requestAccess } from '../../db/governance';
import { getSource, saveSource } from '../../db/sources';
import { recordUpstreamChange, sourceLinks } from '../../db/upstream';
import { buildServer } from '../../web/server';
import { crawlSource } from '../../workflows';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { runLake, testConfig, uniqueName } from './setup';

const config = testConfig();
const kafka = kafkaEndpoint(config.kafka.bootstrap, 'lake-catalog-test');
const run = uniqueName('drift').replace(/_/g, '-');
const SCRIPT = '<script>alert("drift")</script>';
const QUOTED = `say "hi" & 'bye'`;

describe('drift early warning: a topic landing in a lake source', () => {
  const bucket = config.s3.demoBucket;
  const prefix = `${run}/lake/`;
  const lake = `${run}-lake`;
  const topicSource = `${run}-topic`;
  const topic = `${run}.events`;
  const database = uniqueName('lake_drift');
  const holder = uniqueName('holder');
  const s3 = createS3Client(config.s3);
  let workers: CrawlWorkers;
  let deps: ActivityDeps;
  let app: FastifyInstance;

  const crawl = (source: string): Promise<CrawlSummary> =>
    workers.env.client.workflow.execute(crawlSource, { taskQueue: workers.taskQueue, workflowId: `crawl/${source}/${uniqueName('t')}`, args: [{ source, inferenceTaskQueue: workers.inferenceTaskQueue }] });
  const putLake = (key: string, records: Record<string, unknown>[]) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${key}`, Body: records.map((r) => JSON.stringify(r)).join('\n') + '\n' }));
  const message = (value: Record<string, unknown>, headers: Record<string, string> = { source: 'app' }): ProducedMessage => ({ key: `k-${value.id}`, value: JSON.stringify(value), headers, timestamp: Date.now() });
  const upstreamRows = async () => (await deps.db('upstream_changes').join('sources', 'sources.id', 'upstream_changes.source_id').where('sources.name', lake).select('upstream_changes.*'));
  const notices = async () => listNotifications(deps.db, { sourceId: (await getSource(deps.db, lake)).id, kind: 'upstream-breaking-change' });

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'drift');
    deps = workers.deps;
    // the lake's v1: what the hourly landing wrote so far
    await putLake('date_id=2026-12-08/part-0.json', [
      { id: 1, amount: 2.5, note: SCRIPT, props: { ref: 'a' } },
      { id: 2, amount: 3, note: '', props: { ref: null } },
    ]);
    await saveSource(deps.db, {
      name: lake, kind: 's3', location: { bucket, prefix }, format: 'jsonl', layout: { kind: 'hive' },
      schedule: 'hourly', targetDatabase: database, targetTable: 'events', options: {}, enabled: true,
    });
    expect((await crawl(lake)).merged).toMatchObject({ schemaVersion: 1, change: 'initial' });

    await createTopic(kafka, topic, { partitions: 2 });
    await saveSource(deps.db, {
      name: topicSource, kind: 'kafka', location: { topic, landsIn: lake },
      schedule: 'hourly', targetDatabase: database, targetTable: 'topic_events', options: {}, enabled: true,
    });

    await addPrincipal(deps.db, { name: holder, kind: 'user' }, 'test');
    const r = await requestAccess(deps.db, { principal: { name: holder, kind: 'user' }, source: lake, level: 'A-1', days: 7, reason: 'dashboards', requestedBy: holder });
    await markGrantActive(deps.db, (await approveRequest(deps.db, { requestId: r.id, catalog: config.catalog, by: 'admin' })).id);

    app = await buildServer({ db: deps.db, config, temporal: async () => workers.env.client });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
    await deleteTopic(kafka, topic).catch(() => undefined);
    s3.destroy();
  });

  it("records nothing for the topic's first version", async () => {
    await produce(kafka, topic, [message({ id: 10, amount: 1.5, note: 'n', props: { ref: 'b' } }), message({ id: 11, amount: 4, note: SCRIPT, props: { ref: 'c' } })]);
    expect((await crawl(topicSource)).merged).toMatchObject({ schemaVersion: 1, change: 'initial' });
    expect(await upstreamRows()).toEqual([]);
    expect((await sourceLinks(deps.db, await getSource(deps.db, lake))).pendingUpstream).toEqual([]);
  }, 120_000);

  it('records a breaking change at the topic once for the lake, and tells its holder once', async () => {
    await produce(kafka, topic, [
      message({ id: 12, amount: '2.5 EUR', note: 'x', props: { ref: 'd', 'ünï': true }, [SCRIPT]: 'x', [QUOTED]: 1 }, { source: 'app', trace: 't-1' }),
      message({ id: 13, amount: 5, note: 'y', props: { ref: 'e' } }),
    ]);
    const s = await crawl(topicSource);
    expect(s.merged).toMatchObject({ schemaVersion: 2, change: 'breaking' });

    const rows = await upstreamRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ version: 2, change_class: 'breaking', run_id: s.runId, upstream_id: (await getSource(deps.db, topicSource)).id });
    const keys = rows[0].fields.map((f: { keys: string[] }) => f.keys.join('.')).sort();
    expect(keys).toEqual([QUOTED, SCRIPT, 'amount', 'props.ünï'].sort()); // no kafka_headers.trace: the lake has no metadata columns

    const sent = await notices();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ recipient: holder, payload: { topic: topicSource, topicVersion: 2, source: lake, level: 'A-1' } });
    expect(sent[0].payload.fields[0]).toBe('amount changed from double to string'); // the breaking field first

    // a second crawl (nothing new), one more message of the same shape, and the merge's step run again: still once
    expect((await crawl(topicSource)).merged.change).toBe('none');
    await produce(kafka, topic, [message({ id: 14, amount: 'free', note: 'z', props: { ref: 'f', 'ünï': false }, [SCRIPT]: 'y', [QUOTED]: 2 })]);
    expect((await crawl(topicSource)).merged.change).toBe('none');
    const source = await getSource(deps.db, topicSource);
    const versions = await deps.db('schema_versions').where({ source_id: source.id }).orderBy('version').select('version', 'schema');
    const next = nextSchemaVersion(versions[0], versions[1].schema);
    expect(next).toMatchObject({ version: 2, change: 'breaking' });
    await deps.db.transaction((trx) => recordUpstreamChange(trx, source, s.runId, next));
    expect(await upstreamRows()).toHaveLength(1);
    expect(await notices()).toHaveLength(1);
  }, 180_000);

  it('shows the link both ways and the pending change in lake describe', async () => {
    const described = await runLake(config, 'describe', lake);
    expect(described.code, described.err).toBe(0);
    expect(described.out).toContain(`fed by     topic ${topicSource}`);
    expect(described.out).toContain('upstream changes not yet in the lake');
    expect(described.out).toContain(`topic ${topicSource} v2 breaking`);
    for (const line of ['amount changed from double to string', `${JSON.stringify(SCRIPT)} added (string)`, 'props.ünï added (boolean)', `${JSON.stringify(QUOTED)} added (bigint)`]) {
      expect(described.out).toContain(line);
    }
    const json = JSON.parse((await runLake(config, 'describe', lake, '--json')).out);
    expect(json.links).toMatchObject({ landsIn: null, fedBy: [topicSource] });
    expect(json.links.pendingUpstream).toHaveLength(1);
    expect(json.links.pendingUpstream[0]).toMatchObject({ topic: topicSource, version: 2, change: 'breaking' });

    const ofTopic = await runLake(config, 'describe', topicSource);
    expect(ofTopic.out).toContain(`lands in   ${lake}`);
    expect(JSON.parse((await runLake(config, 'describe', topicSource, '--json')).out).links).toEqual({ landsIn: lake, fedBy: [], pendingUpstream: [] });
  }, 60_000);

  it("shows them on the web: the lake's page links to the topic and lists the pending change, escaped", async () => {
    const page = await app.inject({ method: 'GET', url: `/sources/${lake}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<dt>Fed by</dt><dd class="fed-by">topic <a href="/sources/${topicSource}">${topicSource}</a></dd>`);
    expect(page.body).toContain('Upstream changes not yet in the lake');
    expect(page.body).toContain('&quot;&lt;script&gt;alert(\\&quot;drift\\&quot;)&lt;/script&gt;&quot; added (string)');
    expect(page.body).toContain('&quot;say \\&quot;hi\\&quot; &amp; &#39;bye&#39;&quot; added (bigint)');
    expect(page.body).not.toContain('<script>alert');
    const twin = (await app.inject({ method: 'GET', url: `/api/sources/${lake}` })).json();
    expect(twin.links.fedBy).toEqual([topicSource]);
    expect(twin.links.pendingUpstream[0].fields.map((f: { keys: string[] }) => f.keys.join('.'))).toContain(SCRIPT);

    const topicPage = await app.inject({ method: 'GET', url: `/sources/${topicSource}` });
    expect(topicPage.body).toContain(`<dt>Lands in</dt><dd class="lands-in"><a href="/sources/${lake}">${lake}</a></dd>`);
    expect((await app.inject({ method: 'GET', url: `/api/sources/${topicSource}` })).json().links).toEqual({ landsIn: lake, fedBy: [], pendingUpstream: [] });

    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/sources/{name}'].get.summary).toMatch(/lands in/);
  }, 60_000);

  it('leaves a field pending until a crawl of the lake brings it, then nothing', async () => {
    // the landing brings the text amounts first: only the new fields are still pending
    await putLake('date_id=2026-12-09/part-0.json', [{ id: 12, amount: '2.5 EUR', note: 'x', props: { ref: 'd' } }]);
    expect((await crawl(lake)).merged).toMatchObject({ schemaVersion: 2, change: 'breaking' });
    let pending = (await sourceLinks(deps.db, await getSource(deps.db, lake))).pendingUpstream;
    expect(pending).toHaveLength(1);
    expect(pending[0]!.change).toBe('additive'); // what is left of it adds fields only
    expect(pending[0]!.fields.map((f) => f.keys.join('.')).sort()).toEqual([QUOTED, SCRIPT, 'props.ünï'].sort());

    // then the rest, with keys spelled in another case: the same fields
    await putLake('date_id=2026-12-09/part-1.json', [{ id: 14, amount: 'free', note: 'z', props: { ref: 'f', 'ÜNÏ': false }, [SCRIPT]: 'y', [QUOTED]: 2 }]);
    await crawl(lake);
    pending = (await sourceLinks(deps.db, await getSource(deps.db, lake))).pendingUpstream;
    expect(pending).toEqual([]);
    const described = await runLake(config, 'describe', lake);
    expect(described.out).toContain(`fed by     topic ${topicSource}`);
    expect(described.out).not.toContain('upstream changes not yet in the lake');
    const page = await app.inject({ method: 'GET', url: `/sources/${lake}` });
    expect(page.body).not.toContain('Upstream changes not yet in the lake');
    expect(await notices()).toHaveLength(1); // the lake's own breaking change is told under its own kind
  }, 180_000);
});
