import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { checkAll, checkService } from '../../infra/health';
import { createDb } from '../../db/knex';
import { MetastoreClient } from '../../adapters/metastore/client';
import { testConfig, uniqueName } from './setup';

const stackScript = path.join(__dirname, '..', '..', 'infra', 'stack.sh');

async function withTemporal<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

describe('the local stack', () => {
  const config = testConfig();

  it('`up` is idempotent: a second run leaves every service healthy', () => {
    execFileSync('bash', [stackScript, 'up'], { stdio: 'pipe' });
    const status = execFileSync('bash', [stackScript, 'status'], { encoding: 'utf8' });
    for (const svc of ['postgres', 'temporal', 'temporal-ui', 's3', 'metastore', 'kafka']) {
      expect(status).toMatch(new RegExp(`^up\\s+${svc}\\s`, 'm'));
    }
  });

  it('restarts a service that died and left a stale pid file behind', async () => {
    const pidFile = path.join(__dirname, '..', '..', '.stack', 'run', 's3.pid');
    const deadPid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(-deadPid, 'SIGKILL'); // its whole process group, as a crash would
    // down once its port stops answering (the kill is asynchronous)
    for (const deadline = Date.now() + 10_000; (await checkService('s3', config)).healthy; ) {
      if (Date.now() > deadline) throw new Error(`s3 (pid ${deadPid}) still answers 10 s after SIGKILL`);
      await new Promise((r) => setTimeout(r, 50));
    }
    execFileSync('bash', [stackScript, 'up'], { stdio: 'pipe' });
    expect((await checkService('s3', config)).healthy).toBe(true);
    expect(Number(readFileSync(pidFile, 'utf8'))).not.toBe(deadPid);
  });

  it('keeps schedules, workflow history, catalog rows and metastore databases across down/up', async () => {
    const scheduleId = uniqueName('test-restart-schedule');
    const sourceName = uniqueName('restart-src');
    const msDatabase = uniqueName('lake_restart');
    const workflowId = uniqueName('test/restart');

    await withTemporal(config.temporal.address, async (client) => {
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1 day' }] },
        action: { type: 'startWorkflow', workflowType: 'crawlSource', taskQueue: uniqueName('nobody-polls'), args: [{ sourceId: sourceName }] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        state: { paused: true },
      });
      await client.workflow.start('crawlSource', { taskQueue: uniqueName('nobody-polls'), workflowId, args: [{ sourceId: sourceName }] });
    });
    const db = createDb(config.postgres);
    await db('sources').insert({ name: sourceName, kind: 's3', location: { bucket: 'b', prefix: 'p/' } });
    await db.destroy();
    const ms = new MetastoreClient(config.metastore);
    await ms.createDatabase({ name: msDatabase });
    ms.close();

    execFileSync('bash', [stackScript, 'down'], { stdio: 'pipe' });
    expect((await checkAll(config)).every((h) => !h.healthy)).toBe(true);
    execFileSync('bash', [stackScript, 'up'], { stdio: 'pipe' });

    await withTemporal(config.temporal.address, async (client) => {
      const schedule = await client.schedule.getHandle(scheduleId).describe();
      expect(schedule.state.paused).toBe(true);
      const wf = await client.workflow.getHandle(workflowId).describe();
      expect(wf.type).toBe('crawlSource');
      await client.schedule.getHandle(scheduleId).delete();
      await client.workflow.getHandle(workflowId).terminate('test done');
    });
    const db2 = createDb(config.postgres);
    expect(await db2('sources').where({ name: sourceName }).first()).toBeTruthy();
    await db2.destroy();
    const ms2 = new MetastoreClient(config.metastore);
    expect((await ms2.getDatabase(msDatabase)).name).toBe(msDatabase);
    await ms2.dropDatabase(msDatabase);
    ms2.close();
  }, 300_000);
});
