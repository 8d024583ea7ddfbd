// Prints the local stack's settings as shell assignments, derived from the one configuration module,
// so `infra/stack.sh` and the TypeScript code can never disagree on a port or a name.
import { ConfigError, loadConfig, portOf } from '../config';

try {
  const c = loadConfig();
  const db = new URL(c.postgres.url);
  const vars: Record<string, string | number> = {
    TEMPORAL_PORT: portOf(c.temporal.address),
    TEMPORAL_UI_PORT: c.temporal.uiPort,
    TEMPORAL_NAMESPACE: c.temporal.namespace,
    PG_PORT: portOf(c.postgres.url),
    PG_USER: decodeURIComponent(db.username),
    PG_PASSWORD: decodeURIComponent(db.password),
    PG_DATABASE: db.pathname.replace(/^\//, ''),
    METASTORE_DATABASE: c.postgres.metastoreDatabase,
    S3_PORT: portOf(c.s3.endpoint),
    S3_ENDPOINT: c.s3.endpoint,
    S3_REGION: c.s3.region,
    S3_ACCESS_KEY: c.s3.accessKeyId,
    S3_SECRET_KEY: c.s3.secretAccessKey,
    METASTORE_PORT: c.metastore.port,
    // the local broker listens on the port of the first bootstrap server
    KAFKA_PORT: portOf(c.kafka.bootstrap.split(',')[0]),
    KAFKA_CONTROLLER_PORT: c.kafka.controllerPort,
  };
  for (const [k, v] of Object.entries(vars)) console.log(`${k}=${shellQuote(String(v))}`);
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : String(e));
  process.exit(2);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
