// Health of the local stack: each service checked the way its clients use it.
//   tsx infra/health.ts                       table of all services; exit 1 if any is down
//   tsx infra/health.ts --wait SVC --timeout S  poll one service until healthy; exit 1 on timeout
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { loadConfig, redactUrl, type LakeConfig } from '../config';
import { clusterHealth, kafkaEndpoint } from '../adapters/kafka';
import { MetastoreClient } from '../adapters/metastore/client';
import { createS3Client } from '../adapters/s3';

export interface ServiceHealth {
  service: string;
  address: string;
  healthy: boolean;
  detail: string;
}

type Check = (c: LakeConfig) => Promise<string>;

const checks: Record<string, { address: (c: LakeConfig) => string; check: Check }> = {
  postgres: {
    address: (c) => redactUrl(c.postgres.url),
    check: async (c) => {
      const client = new pg.Client({ connectionString: c.postgres.url, connectionTimeoutMillis: 3000 });
      await client.connect();
      try {
        const r = await client.query<{ v: string }>('select version() as v');
        return r.rows[0].v.split(' ').slice(0, 2).join(' ');
      } finally {
        await client.end();
      }
    },
  },
  temporal: {
    address: (c) => `grpc ${c.temporal.address}`,
    check: async (c) => {
      const conn = await Connection.connect({ address: c.temporal.address, connectTimeout: 3000 });
      try {
        const info = await conn.workflowService.getSystemInfo({});
        return `server ${info.serverVersion}`;
      } finally {
        await conn.close();
      }
    },
  },
  'temporal-ui': {
    address: (c) => temporalUiUrl(c),
    check: async (c) => {
      const res = await fetch(temporalUiUrl(c), { signal: AbortSignal.timeout(3000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return `HTTP ${res.status}`;
    },
  },
  s3: {
    address: (c) => c.s3.endpoint,
    check: async (c) => {
      const s3 = createS3Client(c.s3);
      try {
        const out = await s3.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(3000) });
        return `${out.Buckets?.length ?? 0} bucket(s)`;
      } finally {
        s3.destroy();
      }
    },
  },
  metastore: {
    address: (c) => `thrift://${c.metastore.host}:${c.metastore.port}`,
    check: async (c) => {
      const ms = new MetastoreClient({ ...c.metastore, timeoutMs: 5000 });
      try {
        const dbs = await ms.getAllDatabases();
        return `${dbs.length} database(s)`;
      } finally {
        ms.close();
      }
    },
  },
  kafka: {
    address: (c) => `kafka ${c.kafka.bootstrap}`,
    // a metadata request, as every client's first step, not a port probe
    check: async (c) => {
      const h = await clusterHealth(kafkaEndpoint(c.kafka.bootstrap, 'lake-catalog-health'));
      return `${h.brokers} broker(s), ${h.topics} topic(s)`;
    },
  },
};

export function temporalUiUrl(c: LakeConfig): string {
  return `http://${c.temporal.address.split(':')[0]}:${c.temporal.uiPort}`;
}

export async function checkService(service: string, config: LakeConfig): Promise<ServiceHealth> {
  const entry = checks[service];
  if (!entry) throw new Error(`unknown service ${service}; known: ${Object.keys(checks).join(', ')}`);
  try {
    return { service, address: entry.address(config), healthy: true, detail: await entry.check(config) };
  } catch (e) {
    const detail = e instanceof Error ? e.message || e.name : String(e);
    return { service, address: entry.address(config), healthy: false, detail: detail.split('\n')[0] };
  }
}

export function checkAll(config: LakeConfig): Promise<ServiceHealth[]> {
  return Promise.all(Object.keys(checks).map((s) => checkService(s, config)));
}

function processAlive(pidFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return true; // no pid file: the service is not ours to watch (e.g. started elsewhere)
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const waitFor = argv.includes('--wait') ? argv[argv.indexOf('--wait') + 1] : undefined;
  if (waitFor) {
    const timeoutS = Number(argv.includes('--timeout') ? argv[argv.indexOf('--timeout') + 1] : 60);
    const deadline = Date.now() + timeoutS * 1000;
    // With --pid-file, a process that died gives up the wait at once instead of at the deadline.
    const pidFile = argv.includes('--pid-file') ? argv[argv.indexOf('--pid-file') + 1] : undefined;
    for (;;) {
      const h = await checkService(waitFor, config);
      if (h.healthy) return 0;
      if (pidFile && !processAlive(pidFile)) {
        console.error(`${waitFor} (${h.address}) exited while starting: ${h.detail}`);
        return 1;
      }
      if (Date.now() > deadline) {
        console.error(`${waitFor} (${h.address}) is not healthy: ${h.detail}`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const all = await checkAll(config);
  if (argv.includes('--json')) {
    console.log(JSON.stringify(all, null, 2));
  } else {
    const w = (k: keyof ServiceHealth) => Math.max(...all.map((h) => String(h[k]).length));
    const [ws, wa] = [w('service'), w('address')];
    for (const h of all) {
      const mark = h.healthy ? 'up  ' : 'DOWN';
      console.log(`${mark}  ${h.service.padEnd(ws)}  ${h.address.padEnd(wa)}  ${h.detail}`);
    }
  }
  return all.every((h) => h.healthy) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(2);
    },
  );
}
