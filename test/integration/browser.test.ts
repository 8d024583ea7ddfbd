// The real-browser harness itself: Debian's Chromium opens a page served on loopback, whatever the page
// asks of the internet is aborted and recorded, and a screenshot is a full-page PNG in test/artifacts/.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLocalUrl, openBrowser } from '../support/browser';

// What a catalog page holds on a bad day: escaped markup, quotes, unicode, an empty cell, and a script
// from a CDN that must never load.
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>harness &lt;script&gt; “ünïcode”</title>
<script src="https://example.com/x.js"></script>
<link rel="stylesheet" href="/style.css">
</head><body>
<h1 id="title">activity-log &lt;script&gt;alert(1)&lt;/script&gt; — データ湖 ✓</h1>
<table><tr><th>name</th><th>description</th></tr>
<tr><td>props.name</td><td>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td></tr>
<tr><td>e_mail</td><td></td></tr></table>
<script src="/local.js"></script>
</body></html>`;

describe('the browser harness', () => {
  let server: Server;
  let base: string;
  const served: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      served.push(req.url ?? '');
      if (req.url === '/style.css') {
        res.writeHead(200, { 'content-type': 'text/css' }).end('body{font-family:sans-serif;margin:2em} td,th{border:1px solid #999;padding:4px}');
      } else if (req.url === '/local.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end("document.body.dataset.local = 'ran';");
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('opens a local page, blocks and records what would leave the machine, and keeps a full-page PNG', async () => {
    const browser = await openBrowser();
    let profile: string;
    try {
      profile = browser.profileDir;
      expect(existsSync(profile)).toBe(true);
      await browser.page.goto(`${base}/source/activity-log`);
      expect(await browser.page.title()).toBe('harness <script> “ünïcode”');
      expect(await browser.page.locator('#title').textContent()).toBe('activity-log <script>alert(1)</script> — データ湖 ✓');
      // local scripts and styles load; the CDN's script does not
      expect(await browser.page.locator('body').getAttribute('data-local')).toBe('ran');
      expect(served).toEqual(expect.arrayContaining(['/source/activity-log', '/style.css', '/local.js']));
      expect(browser.blocked).toContain('https://example.com/x.js');
      expect(browser.blocked.every((u) => !isLocalUrl(u))).toBe(true);

      const file = await browser.screenshot('browser-harness');
      expect(file).toMatch(/test\/artifacts\/browser-harness\.png$/);
      const png = readFileSync(file);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // IHDR: width and height, big-endian, right after the signature and the chunk header
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(800);
      expect(statSync(file).size).toBeGreaterThan(5_000);
      expect(statSync(file).size).toBeLessThan(5_000_000);
    } finally {
      await browser.close();
    }
    expect(existsSync(profile)).toBe(false);
  }, 60_000);

  it('says how to install Chromium when the binary is missing', async () => {
    await expect(openBrowser({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(/apt-get install chromium/);
  });

  it('tells loopback from the rest', () => {
    expect(isLocalUrl('http://127.0.0.1:8080/x')).toBe(true);
    expect(isLocalUrl('http://localhost/x')).toBe(true);
    expect(isLocalUrl('http://[::1]:8080/')).toBe(true);
    expect(isLocalUrl('data:text/plain,hi')).toBe(true);
    expect(isLocalUrl('https://example.com/x.js')).toBe(false);
    expect(isLocalUrl('http://127.0.0.1.example.com/')).toBe(false);
    expect(isLocalUrl('not a url')).toBe(false);
  });
});
