import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetastoreClient } from '../../adapters/metastore/client';
import { secretEnvName } from '../../adapters/secrets';
import { DEMO_SECRET } from '../../infra/demo-lake';
import { ensureSpark, runSparkQueries } from '../support/spark';
import { testConfig, uniqueName } from './setup';

const root = path.join(__dirname, '..', '..');

function runWorkerProcess(args: string[], env: Record<string, string>, onOutput?: (text: string, kill: (s: NodeJS.Signals) => void) => void) {
  return runProcess('workers/main.ts', ['--no-schedules', ...args], env, onOutput);
}

function runProcess(script: string, args: string[], env: Record<string, string>, onOutput?: (text: string, kill: (s: NodeJS.Signals) => void) => void) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    // node itself (not the tsx wrapper, which relays signals through a second process), as infra/start.sh runs it
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, ...args], { cwd: root, env: { ...process.env, ...env } });
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

describe('the worker process', () => {
  const config = testConfig();
  // the test catalog database and a task queue of its own, so no other worker takes the tasks
  const env = { LAKE_DATABASE_URL: config.postgres.url, LAKE_TASK_QUEUE: uniqueName('test-worker-process') };

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
    expect(code).toBe(0);
  }, 120_000);

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
