import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../config';

const composeFile = path.join(__dirname, '..', '..', 'docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8'));

function dockerComposeAvailable(): boolean {
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

describe('docker-compose.yml', () => {
  it('describes the four services and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['metastore', 'postgres', 's3', 'temporal', 'worker']);
    expect(compose.services.metastore.image).toBe('apache/hive:4.1.0');
  });

  it('gives the worker settings that the configuration module accepts', () => {
    const env = compose.services.worker.environment as Record<string, string>;
    const config = loadConfig(env);
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.metastore.host).toBe('metastore');
    // every variable it sets is one the configuration reads
    const known = JSON.stringify(loadConfig.toString());
    for (const name of Object.keys(env)) expect(known).toContain(name);
  });

  it.runIf(dockerComposeAvailable())('passes `docker compose config -q`', () => {
    execFileSync('docker', ['compose', '-f', composeFile, 'config', '-q']);
  });
});
