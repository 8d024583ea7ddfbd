/// <reference lib="dom" />
// The web catalog where people touch it: a real Chromium (Debian's, through playwright-core, off the
// network) against the server on the real stack, with sources crawled through Temporal. One journey: an
// analyst finds a purchase stream's logical source, sees masked samples, asks for A-4 for 7 days; the
// owner approves in the inbox; the analyst sees the grant counting down; its expiry workflow runs; the
// owner revokes; the access log shows every step. And a hostile lake, whose names, descriptions and
// values carry markup, rendered on every page without one element of it becoming markup.
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../adapters/s3';
import { approveAccess } from '../../client/access';
import type { LakeConfig } from '../../config';
import { addPrincipal, getGrant, requestAccess } from '../../db/governance';
import { addOwner, setAdmin } from '../../db/owners';
import { setColumnMetadata } from '../../db/metadata';
import { saveSource, setLogicalSourcesActive } from '../../db/sources';
import { eventStreamHour } from '../../infra/demo-lake';
import { buildServer } from '../../web/server';
import { SECURITY_HEADERS } from '../../web/server';
import { crawlSource } from '../../workflows';
import { openBrowser, type OpenBrowser } from '../support/browser';
import { startCrawlWorkers, type CrawlWorkers } from './crawl-workers';
import { testConfig, uniqueName, waitFor } from './setup';

const DAY = '2019-10-15';
const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';

describe('the web catalog in a real browser', () => {
  const base = testConfig();
  const bucket = base.s3.demoBucket;
  const root = uniqueName('web');
  const stream = uniqueName('shopev').replace(/_/g, '-');
  const hostile = uniqueName('hostile').replace(/_/g, '-');
  const database = uniqueName('lake_web');
  const slice = `${stream}-identified-shop-purchase-edge`;
  const s3 = createS3Client(base.s3);
  let workers: CrawlWorkers;
  let config: LakeConfig;
  let app: FastifyInstance;
  let url: string;
  let browser: OpenBrowser;

  async function crawl(source: string) {
    return workers.env.client.workflow.execute(crawlSource, { taskQueue: workers.taskQueue, workflowId: `${root}/crawl/${source}/${uniqueName('t')}`, args: [{ source, inferenceTaskQueue: workers.inferenceTaskQueue }] });
  }

  async function signIn(name: string) {
    const { page } = browser;
    await page.goto(`${url}/signin`);
    await page.click(`button[data-principal="${name}"]`);
    await page.waitForURL(`${url}/sources`);
    expect(await page.textContent('.viewer')).toContain(name);
  }

  beforeAll(async () => {
    workers = await startCrawlWorkers(base, 'web');
    const db = workers.deps.db;
    config = { ...base, temporal: { ...base.temporal, taskQueue: workers.taskQueue, inferenceTaskQueue: workers.inferenceTaskQueue } };
    // every run's test catalog has the same name, so the same <catalog>/grant/<id>: start this run's ids somewhere unused
    await db.raw(`ALTER SEQUENCE grants_id_seq RESTART WITH ${1_000_000 + Math.floor(Math.random() * 1_000_000_000)}`);

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${root}/events/date_id=${DAY}/hour=20/part-0.json.gz`, Body: gzipSync(eventStreamHour(DAY, 20)) }));
    const hostileLines = [
      JSON.stringify({ id: 1, [SCRIPT]: IMG, note: SCRIPT, [`k${IMG}`]: 'x' }),
      '{"id": 2, "note": "not json',
      JSON.stringify({ id: 3, note: `${IMG}${SCRIPT}`, email: 'ann@example.com' }),
    ];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${root}/hostile/date_id=${DAY}/part-0.json`, Body: hostileLines.join('\n') + '\n' }));

    const common = { schedule: 'hourly', targetDatabase: database, enabled: true, format: 'auto' as const, layout: { kind: 'hive' as const } };
    await saveSource(db, { ...common, name: stream, kind: 's3', location: { bucket, prefix: `${root}/events/` }, targetTable: 'events', options: { discriminators: ['source', 'service', 'label', 'elem'], flatten: ['props'] } });
    await saveSource(db, { ...common, name: hostile, kind: 's3', location: { bucket, prefix: `${root}/hostile/` }, targetTable: 'hostile', options: {} });
    await crawl(stream);
    await crawl(hostile);
    // the purchase slice is active and published, so A-4 has a view to read
    await setLogicalSourcesActive(db, [slice], true);
    await crawl(stream);

    for (const name of ['olivia', 'ana', 'root']) await addPrincipal(db, { name, kind: 'user' }, 'test');
    await setAdmin(db, 'root', true, 'test');
    await addOwner(db, { source: stream, principal: 'olivia', by: 'test' });
    await addOwner(db, { source: hostile, principal: 'olivia', by: 'test' });
    await setColumnMetadata(db, hostile, 'note', { description: `${SCRIPT} and ${IMG}`, tags: ['hostile'] });
    await setColumnMetadata(db, slice, 'from', { tags: ['pii'], description: 'who bought' });

    // ana already reads samples of the slice; root reads the hostile source's samples
    const deps = { db, config, temporal: async () => workers.env.client };
    for (const [principal, source] of [['ana', slice], ['root', hostile]] as const) {
      const r = await requestAccess(db, { principal: { name: principal, kind: 'user' }, source, level: 'A-2', days: 30, reason: 'looking around', requestedBy: principal });
      const { grant } = await approveAccess(deps, { requestId: r.id, by: 'olivia' });
      await waitFor(`grant ${grant.id} active`, async () => (await getGrant(db, grant.id)).status === 'active', 60_000);
    }

    app = await buildServer({ db, config, temporal: async () => workers.env.client });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await openBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await workers?.deps.metastore.dropDatabase(database, { cascade: true }).catch(() => undefined);
    await workers?.stop();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${root}/` }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    s3.destroy();
  });

  it('serves every page with its security headers, and refuses a form without this session\'s token', async () => {
    const page = await app.inject({ method: 'GET', url: `/sources/${stream}` });
    expect(page.statusCode).toBe(200);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(page.headers[k]).toBe(v);
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    const cookie = String(page.headers['set-cookie']).split(';')[0];

    const noToken = await app.inject({ method: 'POST', url: `/api/sources/${stream}/crawl`, headers: { cookie } });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error).toMatch(/did not come from the catalog's own page/);
    const otherSession = await app.inject({ method: 'GET', url: '/sources' });
    const token = /x-csrf-token&quot;:&quot;([^&]+)&quot;/.exec(otherSession.body)![1];
    const wrongSession = await app.inject({ method: 'POST', url: `/api/sources/${stream}/crawl`, headers: { cookie, 'x-csrf-token': token } });
    expect(wrongSession.statusCode).toBe(403);
    // the right token, but nobody signed in
    const mine = /x-csrf-token&quot;:&quot;([^&]+)&quot;/.exec(page.body)![1];
    const anonymous = await app.inject({ method: 'POST', url: `/api/sources/${stream}/crawl`, headers: { cookie, 'x-csrf-token': mine } });
    expect(anonymous.statusCode).toBe(401);
  });

  it('runs alone as `lake serve`, prints its address and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'cli', 'lake.js'), 'serve', '--port', '0'], { env: { ...process.env, LAKE_DATABASE_URL: config.postgres.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const address = await waitFor('lake serve to print its address', async () => /web catalog: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 30_000);
    expect(address).not.toMatch(/:0$/);
    const page = await fetch(`${address}/sources`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('lake catalog');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('takes identity from the SSO proxy\'s header when configured, and authorises every action on the server', async () => {
    const db = workers.deps.db;
    const proxied = await buildServer({ db, config: { ...config, web: { ...config.web, identityHeader: 'x-sso-user', devSignIn: false } }, temporal: async () => workers.env.client });
    try {
      expect((await proxied.inject({ method: 'GET', url: '/signin' })).statusCode).toBe(404);
      const anonymous = await proxied.inject({ method: 'GET', url: '/access/mine' });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.body).not.toContain('Development sign-in');
      // a person the catalog has not met is registered on the first visit
      const first = await proxied.inject({ method: 'GET', url: '/access/mine', headers: { 'x-sso-user': 'newcomer' } });
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('data-viewer="newcomer"');
      // ana may not decide a request on a source she does not own, even with a valid token
      const r = await requestAccess(db, { principal: { name: 'ana', kind: 'user' }, source: hostile, level: 'A-1', days: 3, reason: 'metadata only', requestedBy: 'ana' });
      const page = await proxied.inject({ method: 'GET', url: '/access/mine', headers: { 'x-sso-user': 'ana' } });
      const cookie = String(page.headers['set-cookie']).split(';')[0];
      const token = /x-csrf-token&quot;:&quot;([^&]+)&quot;/.exec(page.body)![1];
      const refused = await proxied.inject({ method: 'POST', url: `/api/access/requests/${r.id}/decide`, headers: { 'x-sso-user': 'ana', cookie, 'x-csrf-token': token }, payload: { decision: 'approve' } });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatch(/ana may not approve/);
      expect((await proxied.inject({ method: 'GET', url: '/api/access/inbox', headers: { 'x-sso-user': 'ana' } })).json().requests).toEqual([]);
      // its owner may
      const ownerPage = await proxied.inject({ method: 'GET', url: '/access/inbox', headers: { 'x-sso-user': 'olivia' } });
      const ownerCookie = String(ownerPage.headers['set-cookie']).split(';')[0];
      const ownerToken = /x-csrf-token&quot;:&quot;([^&]+)&quot;/.exec(ownerPage.body)![1];
      const rejected = await proxied.inject({ method: 'POST', url: `/api/access/requests/${r.id}/decide`, headers: { 'x-sso-user': 'olivia', cookie: ownerCookie, 'x-csrf-token': ownerToken }, payload: { decision: 'reject', note: 'not needed' } });
      expect(rejected.statusCode).toBe(200);
      expect(rejected.json()).toMatchObject({ requestId: r.id, decision: 'reject' });
    } finally {
      await proxied.close();
    }
  });

  it('documents every JSON twin in an OpenAPI document generated from the routes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/api/sources', '/api/sources/{name}', '/api/sources/{name}/schema', '/api/sources/{name}/history', '/api/sources/{name}/samples', '/api/sources/{name}/volumes', '/api/sources/{name}/access', '/api/sources/{name}/logical', '/api/access/inbox', '/api/access/mine', '/api/access/log', '/api/access/requests']) {
      expect(Object.keys(doc.paths), p).toContain(p);
    }
    const history = await app.inject({ method: 'GET', url: `/api/sources/${stream}/history` });
    expect(history.json().history.versions.length).toBeGreaterThan(0);
  });

  it('renders a hostile lake on every page as text, never as markup', async () => {
    await signIn('root');
    const { page } = browser;
    const dialogs: string[] = [];
    page.on('dialog', (d: { message(): string; dismiss(): Promise<void> }) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    for (const tab of ['', '/schema', '/history', '/samples', '/volumes', '/access']) {
      await page.goto(`${url}/sources/${hostile}${tab}`);
      const injected = await page.evaluate(() => ({
        imgs: document.querySelectorAll('img').length,
        scripts: Array.from(document.querySelectorAll('script')).map((s) => s.getAttribute('src')),
        handlers: Array.from(document.querySelectorAll('*')).flatMap((e) => Array.from(e.attributes).filter((a) => a.name.startsWith('on')).map((a) => a.name)),
      }));
      expect(injected, tab).toEqual({ imgs: 0, scripts: ['/assets/htmx.min.js', '/assets/app.js'], handlers: [] });
    }
    await page.goto(`${url}/sources/${hostile}/schema`);
    expect(await page.textContent('main')).toContain(SCRIPT);
    await page.goto(`${url}/sources/${hostile}/samples`);
    expect(await page.textContent('main')).toContain('alert(1)');
    await browser.screenshot('hostile-samples');
    await page.goto(`${url}/sources?q=${encodeURIComponent('note script')}`);
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(browser.blocked).toEqual([]);
  });

  it('gives an owner crawl now with live progress, and shows the drift it finds as history between any two versions', async () => {
    const { page } = browser;
    // an hour in which a new service and a price written as text arrive
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${root}/events/date_id=${DAY}/hour=21/part-0.json.gz`, Body: gzipSync(eventStreamHour(DAY, 21, { services: ['webtoon'], priceAsText: ['shop'] })) }));
    await signIn('ana');
    await page.goto(`${url}/sources/${stream}`);
    expect(await page.locator('button:has-text("Crawl now")').count()).toBe(0); // not hers
    await signIn('olivia');
    await page.goto(`${url}/sources/${stream}`);
    await page.click('button:has-text("Crawl now")');
    await page.waitForSelector('#crawl-progress .progress');
    await page.waitForFunction(() => /^done:/.test(document.querySelector('#crawl-progress .step')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await browser.screenshot('owner-crawl-done');

    await page.goto(`${url}/sources/${slice}/history`);
    const versions = await page.locator('#tab-history').textContent();
    expect(versions).toContain('v2');
    await page.goto(`${url}/sources/${slice}/history?from=2&to=1`);
    const diff = (await page.locator('#tab-history').textContent())!;
    expect(diff).toMatch(/props\.price/);
    await browser.screenshot('owner-history');
  });

  it('takes an analyst from a search to a grant, and an owner from approval to revocation, all in the access log', async () => {
    const { page } = browser;
    await signIn('ana');
    await page.fill('header input[name="q"]', 'purchase');
    await page.press('header input[name="q"]', 'Enter');
    await page.waitForURL(/\/sources\?q=purchase/);
    await page.waitForSelector(`a[href="/sources/${slice}"]`);
    await browser.screenshot('journey-1-search');

    await page.click(`a[href="/sources/${slice}"]`);
    await page.waitForURL(`${url}/sources/${slice}`);
    await browser.screenshot('journey-2-source');
    await page.click('nav.tabs >> text=Samples');
    await page.waitForURL(`${url}/sources/${slice}/samples`);
    const samples = await page.textContent('main');
    expect(samples).toContain('***'); // from is tagged pii: masked, for ana as for everyone
    await browser.screenshot('journey-3-samples');

    await page.click('nav.tabs >> text=Access');
    await page.click('text=Request access');
    await page.check('input[name="level"][value="A-4"]');
    await page.fill('input[name="days"]', '7');
    await page.fill('textarea[name="reason"]', 'weekly purchase funnel <b>report</b>');
    await browser.screenshot('journey-4-request');
    await page.click('button:has-text("Send request")');
    await page.waitForURL(/\/access\/mine\?requested=\d+/);
    const requestId = Number(/requested=(\d+)/.exec(page.url())![1]);
    expect(await page.textContent(`tr[data-request="${requestId}"]`)).toContain('pending');

    await signIn('olivia');
    await page.goto(`${url}/access/inbox`);
    const row = page.locator(`tr[data-request="${requestId}"]`);
    expect(await row.textContent()).toContain('weekly purchase funnel <b>report</b>');
    await browser.screenshot('journey-5-inbox');
    await row.locator('input[name="note"]').fill('ok for the funnel');
    await row.locator('button[value="approve"]').click();
    await page.waitForURL(`${url}/access/inbox`);
    expect(await page.locator(`tr[data-request="${requestId}"]`).count()).toBe(0);

    const db = workers.deps.db;
    const grant = await waitFor('the approved grant active', async () => {
      const g = await db('grants').where({ request_id: requestId }).first('id', 'status', 'workflow_id');
      return g?.status === 'active' ? g : undefined;
    }, 60_000);
    const expiry = await workers.env.client.workflow.getHandle(grant.workflow_id).describe();
    expect(expiry.status.name).toBe('RUNNING');

    await signIn('ana');
    await page.goto(`${url}/access/mine`);
    const held = page.locator(`tr[data-grant="${grant.id}"]`);
    expect(await held.textContent()).toContain('A-4');
    await page.waitForFunction((id: number) => /\d+d \d+h \d+m left/.test(document.querySelector(`tr[data-grant="${id}"] .countdown`)?.textContent ?? ''), grant.id);
    expect(await held.locator('.countdown').textContent()).toMatch(/^6d 23h \d+m left$/);
    await browser.screenshot('journey-6-my-access');

    await signIn('olivia');
    await page.goto(`${url}/sources/${slice}/access`);
    const holder = page.locator(`tr[data-grant="${grant.id}"]`);
    await holder.locator('input[name="reason"]').fill('funnel done');
    await holder.locator('button:has-text("Revoke")').click();
    await page.waitForURL(`${url}/sources/${slice}/access`);
    await waitFor('the grant revoked', async () => (await getGrant(db, grant.id)).status === 'revoked', 60_000);

    await page.goto(`${url}/access/log?source=${slice}`);
    const logRow = page.locator(`table.access-log tr[data-request="${requestId}"]`);
    const text = (await logRow.textContent())!;
    for (const cell of ['user', 'A-4', 'ana', slice, 'revoked', '7 d']) expect(text).toContain(cell);
    const steps = await page.locator('table.access-events tbody tr').allTextContents();
    const ofThis = steps.filter((s: string) => s.includes(`request ${requestId}`) || s.includes(`grant ${grant.id}`)).join('\n');
    for (const step of ['requested', 'approved', 'revoked']) expect(ofThis).toContain(step);
    await browser.screenshot('journey-7-access-log');
    expect(browser.blocked).toEqual([]);
  });
});
