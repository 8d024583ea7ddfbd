// A stack instance of a test's own: the same infra/stack.sh on free ports with its own data folder, so a
// test can stop, kill and restart services without touching the stack a developer's worker or the rest
// of the suite uses. Settings reach stack.sh and every process through the environment (config.ts).
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type LakeConfig } from '../../config';

const STACK_SH = path.join(__dirname, '..', '..', 'infra', 'stack.sh');

export type StackService = 'postgres' | 'temporal' | 's3' | 'metastore' | 'kafka';

export interface OwnStack {
  /** The environment that points stack.sh, workers and the CLI at this instance. */
  env: Record<string, string>;
  config: LakeConfig;
  /** Stops one service (`stack.sh down <service>`). */
  down(service: StackService): Promise<void>;
  /** Starts whatever is not running and waits until every service is healthy (`stack.sh up`). */
  up(): Promise<void>;
  /** Stops everything and removes the data folder. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function stack(env: Record<string, string>, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [STACK_SH, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 24, timeout: 10 * 60_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`stack.sh ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-3000)}`)) : resolve(),
    );
  });
}

export async function startOwnStack(): Promise<OwnStack> {
  // stack.sh runs PostgreSQL as the postgres user: it must reach the data folder (else the cluster would
  // live outside it, in /var/tmp, and outlive the test)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lake-own-stack-'));
  chmodSync(dir, 0o755);
  const [temporal, ui, pg, s3, metastore, kafka, kafkaController] = [
    await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort(),
  ];
  const env: Record<string, string> = {
    LAKE_STACK_DIR: dir,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    TEMPORAL_UI_PORT: String(ui),
    LAKE_DATABASE_URL: `postgres://lake:lake@127.0.0.1:${pg}/lake_catalog`,
    LAKE_S3_ENDPOINT: `http://127.0.0.1:${s3}`,
    LAKE_METASTORE_PORT: String(metastore),
    LAKE_KAFKA_BOOTSTRAP: `127.0.0.1:${kafka}`,
    LAKE_KAFKA_CONTROLLER_PORT: String(kafkaController),
  };
  const own: OwnStack = {
    env,
    config: loadConfig({ ...process.env, ...env }),
    down: (service) => stack(env, 'down', service),
    up: () => stack(env, 'up'),
    async destroy() {
      await stack(env, 'down').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await own.up();
  } catch (e) {
    await own.destroy();
    throw e;
  }
  return own;
}
