// Schedules are synced right after a worker starts, which on a first run is right after the Temporal dev
// server started: a fresh server, or one restarted over the schedules it already holds. Each round here
// starts a dev server of its own (own port, own database file), syncs, stops it, starts it again over
// the same file and syncs at once, twenty times in one run. Then the server is killed under a sync, which
// waits for it to come back instead of failing the worker's start.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/knex';
import { removeSource, saveSource } from '../../db/sources';
import { syncSchedules } from '../../client/schedules';
import { crawlScheduleId, LAKE_SOURCE } from '../../workflows/shared';
import { freePort } from '../support/own-stack';
import { stackTemporalBinary, testConfig, uniqueName } from './setup';

describe('schedules synced right after a dev server starts', () => {
  const config = testConfig();
  const db = createDb(config.postgres);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lake-fresh-temporal-'));
  const names = [uniqueName('fresh-a'), uniqueName('fresh-b'), uniqueName('fresh-c')].map((n) => n.replace(/_/g, '-'));

  const server = (dbFile: string) =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: stackTemporalBinary() },
        searchAttributes: [LAKE_SOURCE],
        extraArgs: ['--db-filename', dbFile, '--log-level', 'error'],
      },
    });

  beforeAll(async () => {
    for (const name of names) {
      await saveSource(db, {
        name, kind: 's3', location: { bucket: config.s3.demoBucket, prefix: `${name}/` }, format: 'auto', layout: { kind: 'hive' },
        schedule: 'hourly', targetDatabase: 'fresh', targetTable: name.replace(/-/g, '_'), options: {}, enabled: true,
      });
    }
  });

  afterAll(async () => {
    for (const name of names) await removeSource(db, name);
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates them on a fresh server and finds them unchanged on the same server restarted, 20 times', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 20; round++) {
      const dbFile = path.join(dir, `round-${round}.db`);
      const first = await server(dbFile);
      try {
        const created = await syncSchedules(first.client, db, config);
        expect(created.created).toEqual(expect.arrayContaining(names));
      } finally {
        await first.teardown();
      }
      const again = await server(dbFile);
      try {
        const synced = await syncSchedules(again.client, db, config);
        expect(synced.unchanged).toEqual(expect.arrayContaining(names));
        expect(synced.created.filter((n) => names.includes(n))).toEqual([]);
        const d = await again.client.schedule.getHandle(crawlScheduleId(config.catalog, names[0]!)).describe();
        expect(d.memo?.catalog).toBe(config.catalog);
        outcomes.push(`round ${round}: ok`);
      } finally {
        await again.teardown();
      }
    }
    expect(outcomes).toHaveLength(20);
  }, 15 * 60_000);

  it('waits out a dev server killed under it and finishes when the server is back', async () => {
    const port = await freePort();
    const dbFile = path.join(dir, 'killed.db');
    const start = () =>
      spawn(stackTemporalBinary(), ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', dbFile, '--namespace', 'default', '--search-attribute', 'LakeSource=Keyword', '--log-level', 'error'], { stdio: 'ignore' });
    let server: ChildProcess = start();
    const connection = await connectWhenUp(`127.0.0.1:${port}`);
    const client = new Client({ connection, namespace: 'default' });
    try {
      expect((await syncSchedules(client, db, config)).created).toEqual(expect.arrayContaining(names));
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      const retried: string[] = [];
      const syncing = syncSchedules(client, db, config, { onRetry: (what) => retried.push(what) });
      // longer than the client's own retries of an unavailable server (about 15 s)
      await new Promise((r) => setTimeout(r, 25_000));
      server = start();
      const synced = await syncing;
      expect(synced.unchanged).toEqual(expect.arrayContaining(names));
      expect(retried.length).toBeGreaterThan(0);
    } finally {
      server.kill('SIGKILL');
      await connection.close();
    }
  }, 5 * 60_000);
});

async function connectWhenUp(address: string): Promise<Connection> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
