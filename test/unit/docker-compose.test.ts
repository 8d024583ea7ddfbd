import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config';

const root = path.join(__dirname, '..', '..');
const composeFile = path.join(root, 'docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8'));

function dockerComposeAvailable(): boolean {
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

describe('docker-compose.yml', () => {
  it('describes the five services and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['kafka', 'metastore', 'postgres', 's3', 'temporal', 'worker']);
    expect(compose.services.metastore.image).toBe('apache/hive:4.1.0');
  });

  it('gives the worker settings that the configuration module accepts', () => {
    const env = compose.services.worker.environment as Record<string, string>;
    const config = loadConfig(env);
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.metastore.host).toBe('metastore');
    expect(config.kafka.bootstrap).toBe('kafka:19092');
    // every variable it sets is one the configuration reads
    const known = JSON.stringify(loadConfig.toString());
    for (const name of Object.keys(env)) expect(known).toContain(name);
  });

  // Docker is absent where the tests run: what `docker compose config` would catch, and what only a run
  // would show (images of other versions than the stack's, ports and credentials that disagree with the
  // defaults every other client uses), is checked from the file itself.
  it('runs the versions the native stack runs', () => {
    const stack = readFileSync(path.join(root, 'infra', 'stack.sh'), 'utf8');
    const version = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(stack)![1];
    expect(compose.services.temporal.image).toBe(`temporalio/temporal:${version('TEMPORAL_CLI_VERSION')}`);
    expect(compose.services.s3.image).toBe(`versity/versitygw:v${version('VERSITYGW_VERSION')}`);
    expect(compose.services.metastore.image).toBe(`apache/hive:${version('HIVE_VERSION')}`);
    expect(compose.services.postgres.image).toBe('postgres:15');
    expect(compose.services.kafka.image).toBe(`apache/kafka:${version('KAFKA_VERSION')}`);
  });

  it('publishes each service on the port the default configuration uses', () => {
    const defaults = loadConfig({});
    const published = (service: string) => (compose.services[service].ports as string[]).map((p) => Number(p.split(':')[0]));
    expect(published('postgres')).toContain(Number(new URL(defaults.postgres.url).port));
    expect(published('temporal')).toEqual(expect.arrayContaining([Number(defaults.temporal.address.split(':')[1]), defaults.temporal.uiPort]));
    expect(published('s3')).toContain(Number(new URL(defaults.s3.endpoint).port));
    expect(published('metastore')).toContain(defaults.metastore.port);
    expect(published('kafka')).toContain(Number(defaults.kafka.bootstrap.split(':')[1]));
  });

  // A broker tells each client the address of the listener it came in on: the host's clients must be
  // told the default bootstrap address, the worker inside the network the one it was given.
  it('advertises Kafka to the host and to the worker at the addresses each of them uses', () => {
    const defaults = loadConfig({});
    const env = compose.services.kafka.environment as Record<string, string>;
    const advertised = env.KAFKA_ADVERTISED_LISTENERS.split(',').map((l) => l.replace(/^\w+:\/\//, ''));
    const worker = loadConfig(compose.services.worker.environment as Record<string, string>);
    expect(advertised).toContain(defaults.kafka.bootstrap);
    expect(advertised).toContain(worker.kafka.bootstrap);
    // the same broker settings the native stack writes, where they matter to the catalog and its tests
    const stack = readFileSync(path.join(root, 'infra', 'stack.sh'), 'utf8');
    for (const key of ['auto.create.topics.enable', 'log.retention.check.interval.ms', 'log.initial.task.delay.ms', 'group.initial.rebalance.delay.ms', 'offsets.topic.replication.factor']) {
      const native = new RegExp(`^${key.replace(/\./g, '\\.')}=(\\S+)$`, 'm').exec(stack)?.[1];
      expect(native, `infra/stack.sh sets ${key}`).toBeDefined();
      expect(String(env[`KAFKA_${key.toUpperCase().replace(/\./g, '_')}`]), key).toBe(native);
    }
  });

  it('gives every service the credentials and names the default configuration uses', () => {
    const defaults = loadConfig({});
    const db = new URL(defaults.postgres.url);
    expect(compose.services.postgres.environment).toMatchObject({ POSTGRES_USER: db.username, POSTGRES_PASSWORD: db.password, POSTGRES_DB: db.pathname.slice(1) });
    const s3 = compose.services.s3.command as string;
    expect(s3).toContain(`--access ${defaults.s3.accessKeyId}`);
    expect(s3).toContain(`--secret ${defaults.s3.secretAccessKey}`);
    expect(s3).toContain(`--region ${defaults.s3.region}`);
    expect(compose.services.temporal.command).toContain('--search-attribute LakeSource=Keyword');
    // as infra/stack.sh runs it: SQLite's rollback journal makes bursts of workflow tasks wait on fsyncs
    expect(compose.services.temporal.command).toContain('--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal');
    const metastore = compose.services.metastore.environment.SERVICE_OPTS as string;
    expect(metastore).toContain(`-Dfs.s3a.access.key=${defaults.s3.accessKeyId}`);
    expect(metastore).toContain(`-Dfs.s3a.secret.key=${defaults.s3.secretAccessKey}`);
    expect(metastore).toContain(`-Djavax.jdo.option.ConnectionUserName=${db.username}`);
    expect(metastore).toContain(`/${defaults.postgres.metastoreDatabase}`);
    // the worker's settings are the defaults with the services' hostnames
    const worker = loadConfig(compose.services.worker.environment as Record<string, string>);
    expect(worker.s3.accessKeyId).toBe(defaults.s3.accessKeyId);
    expect(worker.temporal.taskQueue).toBe(defaults.temporal.taskQueue);
    expect(worker.temporal.inferenceTaskQueue).toBe(defaults.temporal.inferenceTaskQueue);
    expect(worker.s3.demoBucket).toBe(defaults.s3.demoBucket);
  });

  it('refers only to services, volumes and files that exist', () => {
    const services = Object.keys(compose.services);
    for (const [name, svc] of Object.entries(compose.services as Record<string, { depends_on?: string[] | Record<string, unknown>; volumes?: string[] }>)) {
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const d of deps) expect(services, `${name} depends on ${d}`).toContain(d);
      for (const v of svc.volumes ?? []) expect(Object.keys(compose.volumes), `${name} mounts ${v}`).toContain(v.split(':')[0]);
    }
    const dockerfile = compose.services.worker.build.dockerfile_inline as string;
    for (const line of dockerfile.split('\n').filter((l) => /^\s*COPY\s/.test(l) && !/COPY \. /.test(l))) {
      const sources = line.trim().split(/\s+/).slice(1, -1);
      for (const f of sources) expect(existsSync(path.join(root, f)), `the worker image copies ${f}`).toBe(true);
    }
  });

  it.runIf(dockerComposeAvailable())('passes `docker compose config -q`', () => {
    execFileSync('docker', ['compose', '-f', composeFile, 'config', '-q']);
  });
});
