// The one configuration object of lake catalog. Every setting comes from an environment variable with a
// default that points at the local stack (`npm run stack -- up`); `loadConfig` validates all of them at
// start-up and reports every bad value at once, each with the variable's name and the reason.

import { CATALOG_NAME, DEFAULT_TASK_QUEUES } from './workflows/ids';

export interface TemporalConfig {
  address: string; // host:port of the frontend gRPC service
  uiPort: number;
  namespace: string;
  taskQueue: string; // crawls, publishing, grants: the I/O queue
  inferenceTaskQueue: string; // CPU-heavy inference runs on its own queue and worker process
}

export interface PostgresConfig {
  url: string; // the catalog database
  metastoreDatabase: string; // the database the Hive Metastore keeps its own tables in
}

export interface S3Config {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  demoBucket: string;
}

export interface MetastoreConfig {
  host: string;
  port: number;
  timeoutMs: number;
}

export interface KafkaConfig {
  /** host:port[,host:port...] of the brokers the catalog asks first (bootstrap servers). */
  bootstrap: string;
  /** The local stack's KRaft controller listener (infra/stack.sh); clients never use it. */
  controllerPort: number;
}

export interface GovernanceConfig {
  warnBeforeDays: number; // a grant's holder is warned this long before it expires
  notifyWebhook?: string; // notifications are POSTed here as JSON when set; otherwise they stay in the outbox
}

export interface WebConfig {
  host: string;
  port: number;
  /** The header an SSO proxy in front sets to the signed-in principal's name; unset: no trusted header. */
  identityHeader?: string;
  /** A development sign-in that lets anyone pick any principal: only without a trusted header. */
  devSignIn: boolean;
  /** Where runs link to: the Temporal Web UI. */
  temporalUiUrl: string;
}

export interface LakeConfig {
  /** The catalog's name where several catalogs share servers: it is part of every workflow and schedule
   *  id, of the metastore grantor and of the bucket policy statements this catalog writes. */
  catalog: string;
  temporal: TemporalConfig;
  postgres: PostgresConfig;
  s3: S3Config;
  metastore: MetastoreConfig;
  kafka: KafkaConfig;
  governance: GovernanceConfig;
  web: WebConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;


/** Reads settings from `env`, collecting one message per bad value instead of stopping at the first. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const value = this.env[name];
    if (value === undefined) return fallback;
    if (value.trim() === '') this.problems.push(`${name} is set but empty`);
    return value.trim();
  }

  port(name: string, fallback: number): number {
    const raw = this.string(name, String(fallback));
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not a TCP port (an integer 1-65535)`);
      return fallback;
    }
    return n;
  }

  positiveInt(name: string, fallback: number): number {
    const raw = this.string(name, String(fallback));
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not a positive integer`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name, String(fallback)).toLowerCase();
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name}=${JSON.stringify(raw)} is not a boolean (true/false)`);
    return fallback;
  }

  hostPort(name: string, fallback: string): string {
    const raw = this.string(name, fallback);
    if (!isHostPort(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not host:port`);
      return fallback;
    }
    return raw;
  }

  hostPortList(name: string, fallback: string): string {
    const raw = this.string(name, fallback);
    const items = raw.split(',').map((s) => s.trim());
    if (items.some((s) => !isHostPort(s))) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not host:port or a comma-separated list of them`);
      return fallback;
    }
    return items.join(',');
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const raw = this.string(name, fallback);
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')}, got ${u.protocol}`);
      }
    } catch {
      this.problems.push(`${name}=${JSON.stringify(redactUrl(raw))} is not a URL`);
    }
    return raw;
  }

  identifier(name: string, fallback: string): string {
    const raw = this.string(name, fallback);
    if (!/^[A-Za-z_][A-Za-z0-9_\-.]*$/.test(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} may hold only letters, digits, _ - and .`);
    }
    return raw;
  }

  bucket(name: string, fallback: string): string {
    const raw = this.string(name, fallback);
    if (!/^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$/.test(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not a valid S3 bucket name`);
    }
    return raw;
  }
}

function isHostPort(s: string): boolean {
  const m = /^([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

/** Hides the password of a connection URL, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

export function loadConfig(env: Env = process.env): LakeConfig {
  const r = new Reader(env);
  const databaseUrl = r.url('LAKE_DATABASE_URL', 'postgres://lake:lake@127.0.0.1:55432/lake_catalog', ['postgres:', 'postgresql:']);
  const temporalUiPort = r.port('TEMPORAL_UI_PORT', 8233);
  const config: LakeConfig = {
    catalog: catalogName(r, env, databaseUrl),
    temporal: {
      address: r.hostPort('TEMPORAL_ADDRESS', '127.0.0.1:7233'),
      uiPort: temporalUiPort,
      namespace: r.identifier('TEMPORAL_NAMESPACE', 'default'),
      taskQueue: r.identifier('LAKE_TASK_QUEUE', DEFAULT_TASK_QUEUES.io),
      inferenceTaskQueue: r.identifier('LAKE_INFERENCE_TASK_QUEUE', DEFAULT_TASK_QUEUES.inference),
    },
    postgres: {
      url: databaseUrl,
      metastoreDatabase: r.identifier('LAKE_METASTORE_DATABASE', 'hive_metastore'),
    },
    s3: {
      endpoint: r.url('LAKE_S3_ENDPOINT', 'http://127.0.0.1:7070', ['http:', 'https:']),
      region: r.identifier('LAKE_S3_REGION', 'us-east-1'),
      accessKeyId: r.string('LAKE_S3_ACCESS_KEY_ID', 'lakeadmin'),
      secretAccessKey: r.string('LAKE_S3_SECRET_ACCESS_KEY', 'lakeadmin-secret'),
      forcePathStyle: r.bool('LAKE_S3_FORCE_PATH_STYLE', true),
      demoBucket: r.bucket('LAKE_DEMO_BUCKET', 'lake-demo'),
    },
    metastore: {
      host: r.string('LAKE_METASTORE_HOST', '127.0.0.1'),
      port: r.port('LAKE_METASTORE_PORT', 9083),
      timeoutMs: r.positiveInt('LAKE_METASTORE_TIMEOUT_MS', 30_000),
    },
    kafka: kafkaConfig(r, r.hostPortList('LAKE_KAFKA_BOOTSTRAP', '127.0.0.1:9092')),
    governance: {
      warnBeforeDays: r.positiveInt('LAKE_GRANT_WARN_BEFORE_DAYS', 3),
      notifyWebhook: env.LAKE_NOTIFY_WEBHOOK === undefined ? undefined : r.url('LAKE_NOTIFY_WEBHOOK', '', ['http:', 'https:']),
    },
    web: webConfig(r, env, temporalUiPort),
  };
  if (config.temporal.taskQueue === config.temporal.inferenceTaskQueue) {
    r.problems.push('LAKE_TASK_QUEUE and LAKE_INFERENCE_TASK_QUEUE must differ: inference has its own queue');
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function kafkaConfig(r: Reader, bootstrap: string): KafkaConfig {
  // the controller listens next to the broker unless told otherwise, so a second stack on other ports
  // needs only LAKE_KAFKA_BOOTSTRAP
  const brokerPort = portOf(bootstrap.split(',')[0]);
  const controllerPort = r.port('LAKE_KAFKA_CONTROLLER_PORT', brokerPort < 65535 ? brokerPort + 1 : brokerPort - 1);
  if (controllerPort === brokerPort) r.problems.push(`LAKE_KAFKA_CONTROLLER_PORT=${controllerPort} must differ from the broker's port in LAKE_KAFKA_BOOTSTRAP`);
  return { bootstrap, controllerPort };
}

function webConfig(r: Reader, env: Env, uiPort: number): WebConfig {
  const identityHeader = env.LAKE_WEB_IDENTITY_HEADER === undefined ? undefined : r.string('LAKE_WEB_IDENTITY_HEADER', '').toLowerCase();
  if (identityHeader !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(identityHeader)) r.problems.push(`LAKE_WEB_IDENTITY_HEADER=${JSON.stringify(identityHeader)} is not a header name`);
  const devSignIn = r.bool('LAKE_WEB_DEV_SIGNIN', identityHeader === undefined);
  // with a proxy vouching for identity, a sign-in that lets anyone be anyone would undo it
  if (devSignIn && identityHeader !== undefined) r.problems.push('LAKE_WEB_DEV_SIGNIN cannot be on together with LAKE_WEB_IDENTITY_HEADER');
  return {
    host: r.string('LAKE_WEB_HOST', '127.0.0.1'),
    port: r.port('LAKE_WEB_PORT', 8080),
    ...(identityHeader !== undefined ? { identityHeader } : {}),
    devSignIn,
    temporalUiUrl: r.url('LAKE_TEMPORAL_UI_URL', `http://127.0.0.1:${uiPort}`, ['http:', 'https:']).replace(/\/+$/, ''),
  };
}

/** For a process's start: the configuration, or every problem with it on stderr and exit code 2. */
export function loadConfigOrExit(): LakeConfig {
  try {
    return loadConfig();
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(2);
  }
}

/** LAKE_CATALOG, or the name of the catalog's database. */
function catalogName(r: Reader, env: Env, databaseUrl: string): string {
  if (env.LAKE_CATALOG !== undefined) {
    const name = r.string('LAKE_CATALOG', '');
    if (!CATALOG_NAME.test(name)) r.problems.push(`LAKE_CATALOG=${JSON.stringify(name)} must be 1-63 letters, digits, _ or -, starting with a letter or digit`);
    return name;
  }
  let database: string;
  try {
    database = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  } catch {
    return ''; // the URL's own problem is reported
  }
  if (!CATALOG_NAME.test(database)) {
    r.problems.push(`the catalog is named after its database, and ${JSON.stringify(database)} (LAKE_DATABASE_URL) cannot name it: set LAKE_CATALOG (1-63 letters, digits, _ or -)`);
  }
  return database;
}

/** The same settings with the catalog in another database of the same server (`lake_catalog_test`,
 *  `lake_catalog_bench`) and named after it: tests and benchmarks never touch the real catalog, nor its
 *  schedules, workflows, privileges or bucket policy statements. */
export function catalogBeside(config: LakeConfig, suffix: string): LakeConfig {
  const url = new URL(config.postgres.url);
  url.pathname = `/${url.pathname.replace(/^\//, '')}_${suffix}`;
  return { ...config, catalog: `${config.catalog}_${suffix}`, postgres: { ...config.postgres, url: url.toString() } };
}

/** The port of a postgres URL, host:port pair or http URL, for the stack scripts. */
export function portOf(urlOrHostPort: string): number {
  if (/^[^/]+:\d+$/.test(urlOrHostPort)) return Number(urlOrHostPort.split(':').pop());
  const u = new URL(urlOrHostPort);
  if (u.port) return Number(u.port);
  return { 'http:': 80, 'https:': 443, 'postgres:': 5432, 'postgresql:': 5432 }[u.protocol] ?? 0;
}
