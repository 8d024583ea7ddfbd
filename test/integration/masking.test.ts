// Identifying values never kept in clear by the catalog, on real crawls: a source whose key Hive cannot
// hold (`E-Mail`, and `e.mail` inside `Contact`) tagged identifying, by hand or by accepting the crawl's
// suggestion, shows no address in `lake describe` (text and --json), in what the catalog stores
// (partition_profiles, source_samples, crawl_batches, source_stats, column_stats), nor in statistics.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities';
import { saveSource } from '../../db/sources';
import { crawlSource } from '../../workflows';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { runLake, testConfig, uniqueName } from './setup';

/** Every identifying value the records hold: none may appear in the catalog once its column is tagged. */
const ADDRESS = /@example\.(com|org)/;
const BIRTH = /19[78]\d-\d\d-\d\d/;

function records(hour: number): object[] {
  return Array.from({ length: 6 }, (_, i) => ({
    'E-Mail': `user${hour}_${i}@example.com`,
    'Birth-Date': `19${70 + i}-0${1 + (i % 9)}-1${i}`,
    Contact: { 'e.mail': `home${hour}_${i}@example.org`, kind: i % 2 ? 'home' : 'work' },
    kind: 'signup',
    n: i,
  }));
}

describe('identifying columns are never stored or shown in clear', () => {
  const config = testConfig();
  const database = uniqueName('lake_masking');
  let workers: CrawlWorkers;
  let env: TestWorkflowEnvironment;
  let deps: ActivityDeps;
  const lake = (...args: string[]) => runLake(config, ...args);

  async function newSource(label: string): Promise<{ name: string; hour: (h: number) => Promise<void> }> {
    const name = uniqueName(label).replace(/_/g, '-');
    const prefix = `${uniqueName('masking')}/${label}/`;
    await saveSource(deps.db, {
      name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix }, format: 'auto', layout: { kind: 'hive' },
      schedule: 'hourly', targetDatabase: database, targetTable: name.replace(/-/g, '_'), options: {}, enabled: false,
    });
    const hour = async (h: number) => {
      const body = records(h).map((r) => JSON.stringify(r)).join('\n') + '\n';
      await deps.s3.send(new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${prefix}date_id=2019-10-15/hour=${h}/part-0.json`, Body: body }));
      await env.client.workflow.execute(crawlSource, { taskQueue: workers.taskQueue, workflowId: `crawl/${name}/${uniqueName('t')}`, args: [{ source: name, inferenceTaskQueue: workers.inferenceTaskQueue }] });
    };
    return { name, hour };
  }

  /** Everything the catalog stores about a source's values, as text. */
  async function stored(name: string): Promise<Record<string, string>> {
    const { id } = await deps.db('sources').where({ name }).first('id');
    const runs = deps.db('crawl_runs').where({ source_id: id }).select('id');
    return {
      partition_profiles: JSON.stringify(await deps.db('partition_profiles').where({ source_id: id }).select('rows')),
      source_samples: JSON.stringify(await deps.db('source_samples').where({ source_id: id }).select('rows')),
      crawl_batches: JSON.stringify(await deps.db('crawl_batches').whereIn('run_id', runs).select('result')),
      source_stats: JSON.stringify(await deps.db('source_stats').where({ source_id: id }).select('stats')),
      column_stats: JSON.stringify(await deps.db('column_stats').where({ source_id: id }).select('path', 'min', 'max')),
    };
  }

  async function expectNoIdentifyingValue(name: string): Promise<void> {
    const text = await lake('describe', name);
    expect(text.code).toBe(0);
    expect(text.out).not.toMatch(ADDRESS);
    expect(text.out).not.toMatch(BIRTH);
    const json = await lake('describe', name, '--json');
    expect(json.out).not.toMatch(ADDRESS);
    expect(json.out).not.toMatch(BIRTH);
    const d = JSON.parse(json.out);
    expect(d.samples.length).toBeGreaterThan(0);
    for (const s of d.samples) {
      expect(s.record['E-Mail']).toBe('***');
      expect(s.record.Contact['e.mail']).toBe('***');
      expect(s.record.Contact.kind).toMatch(/home|work/); // the rest of the record stays
    }
    const byPath = Object.fromEntries(d.columns.map((c: { path: string }) => [c.path, c]));
    expect(byPath['birth_date'].stats).toMatchObject({ min: '***', max: '***' });
    expect(byPath.n.stats).toMatchObject({ min: '0', max: '5' }); // other columns keep their figures
    for (const [table, text] of Object.entries(await stored(name))) {
      expect(text, table).not.toMatch(ADDRESS);
      expect(text, table).not.toMatch(BIRTH);
    }
  }

  beforeAll(async () => {
    workers = await startCrawlWorkers(config, 'masking');
    ({ env, deps } = workers);
  }, 180_000);

  afterAll(async () => {
    await deps?.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
  });

  it('tagged by hand after a crawl: what is stored is masked again, and later crawls write it masked', async () => {
    const { name, hour } = await newSource('tagged');
    await hour(20);
    // a merged run keeps its batches' summaries, not their samples
    const batches = await deps.db('crawl_batches').join('crawl_runs', 'crawl_runs.id', 'crawl_batches.run_id').join('sources', 'sources.id', 'crawl_runs.source_id').where('sources.name', name).select('crawl_batches.result');
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(Object.keys(b.result)).toEqual(['pruned']);
    expect(batches[0].result.pruned).toMatchObject({ files: 1, records: 6 });
    // before any tag, the values are there (so the test would see a leak)
    expect((await stored(name)).source_samples).toMatch(ADDRESS);

    // people name the column as describe shows it, or by the key as found in the data
    expect((await lake('column', 'set', name, 'E-Mail', '--tag', 'pii')).code).toBe(0);
    expect((await lake('column', 'set', name, 'contact.e_mail', '--tag', 'identified')).code).toBe(0);
    expect((await lake('column', 'set', name, 'birth_date', '--tag', 'pii')).code).toBe(0);
    const d = JSON.parse((await lake('describe', name, '--json')).out);
    const tags = Object.fromEntries(d.columns.map((c: { path: string; tags: string[] }) => [c.path, c.tags]));
    expect(tags).toMatchObject({ e_mail: ['pii'], 'contact.e_mail': ['identified'], birth_date: ['pii'] });
    await expectNoIdentifyingValue(name);

    await hour(21);
    await expectNoIdentifyingValue(name);
    expect(JSON.parse((await lake('describe', name, '--json')).out).samples.length).toBeGreaterThan(6); // both hours sampled
  });

  it('suggested by the crawl with its evidence, accepted with one command: the same', async () => {
    const { name, hour } = await newSource('suggested');
    await hour(20);
    const d = JSON.parse((await lake('describe', name, '--json')).out);
    const suggested = Object.fromEntries(d.columns.filter((c: { suggestion?: object }) => c.suggestion).map((c: { path: string; suggestion: object }) => [c.path, c.suggestion]));
    expect(suggested.e_mail).toEqual({ tag: 'pii', evidence: ["name matches 'email'", 'e-mail pattern in 100% of 6 values'] });
    expect(suggested['contact.e_mail']).toEqual({ tag: 'pii', evidence: ["name matches 'email'", 'e-mail pattern in 100% of 6 values'] });
    expect(suggested.birth_date).toEqual({ tag: 'pii', evidence: ["name matches 'birth date'"] });
    expect(suggested.kind).toBeUndefined();
    expect(suggested.n).toBeUndefined();
    const text = await lake('describe', name);
    expect(text.out).toContain(`suggested tags (lake column accept-tags ${name} [COLUMN]...)`);
    expect(text.out).toMatch(/e_mail\s+pii: name matches 'email'; e-mail pattern in 100% of 6 values/);

    const accepted = await lake('column', 'accept-tags', name);
    expect(accepted.code).toBe(0);
    expect(accepted.out).toContain(`${name}.e_mail tagged pii`);
    const after = JSON.parse((await lake('describe', name, '--json')).out);
    expect(after.columns.filter((c: { suggestion?: object }) => c.suggestion)).toEqual([]);
    await expectNoIdentifyingValue(name);

    // the next crawl suggests nothing for columns already identifying, and writes them masked
    await hour(21);
    expect(JSON.parse((await lake('describe', name, '--json')).out).columns.filter((c: { suggestion?: object }) => c.suggestion)).toEqual([]);
    await expectNoIdentifyingValue(name);
    expect((await lake('column', 'accept-tags', name, 'kind')).err).toMatch(/no tag is suggested for kind/);
  });
});
