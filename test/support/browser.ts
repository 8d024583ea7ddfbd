// A real browser for tests: Debian's Chromium driven by playwright-core, never a browser Playwright
// downloads (`playwright install` needs the network, which the tests do not have). Every request that
// is not to this machine is aborted and recorded, so a page that would reach a CDN fails its test
// instead of quietly working online only.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ARTIFACTS_DIR = path.join(__dirname, '..', 'artifacts');

/** Chromium's own traffic off: updates, sync, metrics, safe-browsing lists, pings. */
const OFFLINE_FLAGS = [
  '--no-sandbox', // tests run as root in containers, where the sandbox cannot start
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-extensions',
  '--metrics-recording-only',
  '--no-pings',
];

export interface BrowserOptions {
  /** Defaults to $LAKE_CHROMIUM, then /usr/bin/chromium. */
  executablePath?: string;
  viewport?: { width: number; height: number };
}

export interface OpenBrowser {
  page: Page;
  context: BrowserContext;
  /** URLs the page tried to fetch from anywhere but this machine, in order: all were aborted. */
  blocked: string[];
  /** The throwaway profile, removed by `close()`. */
  profileDir: string;
  close(): Promise<void>;
  /** Saves a full-page PNG as test/artifacts/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLocalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
    return LOCAL_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

export async function openBrowser(opts: BrowserOptions = {}): Promise<OpenBrowser> {
  const executablePath = opts.executablePath ?? process.env.LAKE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: the browser tests use Debian's chromium package ` +
        '(apt-get install chromium, as .ci/run does), or set LAKE_CHROMIUM to a Chromium binary; never `playwright install`',
    );
  }
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'lake-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      headless: true,
      args: OFFLINE_FLAGS,
      viewport: opts.viewport ?? { width: 1280, height: 800 },
      serviceWorkers: 'block',
    });
  } catch (e) {
    rmSync(profileDir, { recursive: true, force: true });
    throw e;
  }
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocalUrl(url)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    if (isLocalUrl(ws.url().replace(/^ws/, 'http'))) {
      ws.connectToServer();
      return;
    }
    blocked.push(ws.url());
    ws.close({ code: 1008, reason: 'tests stay on this machine' });
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());

  let closed = false;
  return {
    page,
    context,
    blocked,
    profileDir,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        rmSync(profileDir, { recursive: true, force: true });
      }
    },
    async screenshot(name: string) {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: letters, digits, . _ - only`);
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const file = path.join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}
