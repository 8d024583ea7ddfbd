import { PutObjectCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetastoreClient, MetastoreError } from '../../adapters/metastore/client';
import { createS3Client } from '../../adapters/s3';
import { testConfig, uniqueName } from './setup';

describe('Hive Metastore of the stack over Thrift', () => {
  const config = testConfig();
  const ms = new MetastoreClient(config.metastore);
  const created: string[] = [];
  afterAll(async () => {
    for (const name of created) await ms.dropDatabase(name, { cascade: true }).catch(() => undefined);
    ms.close();
  });

  it('creates a database and reads it back', async () => {
    const name = uniqueName('lake_test');
    await ms.createDatabase({ name, description: 'made by the integration tests', parameters: { 'lake.managed': 'true' } });
    created.push(name);
    const db = await ms.getDatabase(name);
    expect(db.name).toBe(name);
    expect(db.description).toBe('made by the integration tests');
    expect(db.parameters['lake.managed']).toBe('true');
    expect(await ms.getAllDatabases()).toContain(name);
  });

  it('accepts an s3a:// location on the local S3 server (hadoop-aws is wired)', async () => {
    const name = uniqueName('lake_s3a');
    const s3 = createS3Client(config.s3);
    // the metastore checks the location through Hadoop's S3A file system
    await s3.send(new PutObjectCommand({ Bucket: config.s3.demoBucket, Key: `${name}/.keep`, Body: '' }));
    s3.destroy();
    const locationUri = `s3a://${config.s3.demoBucket}/${name}`;
    await ms.createDatabase({ name, locationUri });
    created.push(name);
    expect((await ms.getDatabase(name)).locationUri).toBe(locationUri);
  });

  it('shares one connection among calls that start together, so a process exits after close()', async () => {
    // a worker whose crawls published at once never exited after "worker stopped": each first call had
    // opened a connection of its own, and close() ended only the last
    const script = `
      const { MetastoreClient } = require('./adapters/metastore/client');
      const ms = new MetastoreClient(${JSON.stringify(config.metastore)});
      Promise.all(Array.from({ length: 5 }, () => ms.getAllDatabases())).then((answers) => {
        console.log(answers.length);
        ms.close();
      });`;
    const root = path.join(__dirname, '..', '..');
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    expect({ code, signal, out: out.trim() }).toEqual({ code: 0, signal: null, out: '5' });
  }, 30_000);

  it('maps a duplicate create to AlreadyExists, which is not retryable', async () => {
    const name = uniqueName('lake_dup');
    await ms.createDatabase({ name });
    created.push(name);
    const err = await ms.createDatabase({ name }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetastoreError);
    expect((err as MetastoreError).kind).toBe('AlreadyExists');
    expect((err as MetastoreError).retryable).toBe(false);
  });

  it('maps a missing database to NoSuchObject', async () => {
    const err = await ms.getDatabase(uniqueName('lake_missing')).catch((e: unknown) => e);
    expect((err as MetastoreError).kind).toBe('NoSuchObject');
  });

  it('reports a request the client cannot encode as a Protocol error, never retried', async () => {
    const err = await ms.getTable(undefined as unknown as string, 't').catch((e: unknown) => e);
    expect((err as MetastoreError).kind).toBe('Protocol');
    expect((err as MetastoreError).retryable).toBe(false);
    expect(await ms.getAllDatabases()).toContain('default'); // the connection is still good
  });

  it('reports an unreachable metastore as Unavailable and retryable', async () => {
    const dead = new MetastoreClient({ host: '127.0.0.1', port: 1, timeoutMs: 2000 });
    const err = await dead.getAllDatabases().catch((e: unknown) => e);
    dead.close();
    expect((err as MetastoreError).kind).toBe('Unavailable');
    expect((err as MetastoreError).retryable).toBe(true);
  });
});
