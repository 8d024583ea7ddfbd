import { describe, expect, it } from 'vitest';
import { catalogBeside, ConfigError, loadConfig, portOf, redactUrl } from '../../config';

describe('configuration', () => {
  it('defaults every setting to the local stack', () => {
    const c = loadConfig({});
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.postgres.url).toBe('postgres://lake:lake@127.0.0.1:55432/lake_catalog');
    expect(c.s3.forcePathStyle).toBe(true);
    expect(c.metastore.port).toBe(9083);
    expect(c.temporal.taskQueue).not.toBe(c.temporal.inferenceTaskQueue);
  });

  it('reads overrides from the environment', () => {
    const c = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', LAKE_METASTORE_PORT: '19083', LAKE_S3_FORCE_PATH_STYLE: 'false' });
    expect(c.temporal.address).toBe('temporal:7233');
    expect(c.metastore.port).toBe(19083);
    expect(c.s3.forcePathStyle).toBe(false);
  });

  it('reports every bad value at once, each naming its variable and the reason', () => {
    let err: unknown;
    try {
      loadConfig({
        TEMPORAL_ADDRESS: 'no-port',
        LAKE_METASTORE_PORT: '70000',
        LAKE_DATABASE_URL: 'mysql://x@y/z',
        LAKE_S3_FORCE_PATH_STYLE: 'maybe',
        LAKE_DEMO_BUCKET: 'Bad_Bucket',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/TEMPORAL_ADDRESS="no-port" is not host:port/);
    expect(problems.join('\n')).toMatch(/LAKE_METASTORE_PORT="70000" is not a TCP port/);
    expect(problems.join('\n')).toMatch(/LAKE_DATABASE_URL must use postgres: or postgresql:/);
    expect(problems.join('\n')).toMatch(/LAKE_S3_FORCE_PATH_STYLE="maybe" is not a boolean/);
    expect(problems.join('\n')).toMatch(/LAKE_DEMO_BUCKET="Bad_Bucket" is not a valid S3 bucket name/);
  });

  it("names the catalog after its database unless LAKE_CATALOG says, and a catalog beside it after that", () => {
    expect(loadConfig({}).catalog).toBe('lake_catalog');
    expect(loadConfig({ LAKE_CATALOG: 'sales-eu' }).catalog).toBe('sales-eu');
    expect(catalogBeside(loadConfig({}), 'test').catalog).toBe('lake_catalog_test');
    expect(catalogBeside(loadConfig({ LAKE_CATALOG: 'sales-eu' }), 'test').catalog).toBe('sales-eu_test');
    expect(() => loadConfig({ LAKE_CATALOG: 'a/b' })).toThrow(/LAKE_CATALOG="a\/b" must be 1-63 letters, digits, _ or -/);
    expect(() => loadConfig({ LAKE_DATABASE_URL: 'postgres://x@db/lake%20catalog' })).toThrow(/"lake catalog" \(LAKE_DATABASE_URL\) cannot name it: set LAKE_CATALOG/);
  });

  it('refuses one task queue for both I/O and inference', () => {
    expect(() => loadConfig({ LAKE_TASK_QUEUE: 'q', LAKE_INFERENCE_TASK_QUEUE: 'q' })).toThrow(/must differ/);
  });

  it('never prints a database password', () => {
    expect(redactUrl('postgres://lake:s3cret@db:5432/x')).toBe('postgres://lake:***@db:5432/x');
    let message = '';
    try {
      loadConfig({ LAKE_DATABASE_URL: 'not a url :s3cret@' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/LAKE_DATABASE_URL/);
  });

  it('reads the Kafka brokers as a host:port list, with the controller port next to the first', () => {
    expect(loadConfig({}).kafka).toEqual({ bootstrap: '127.0.0.1:9092', controllerPort: 9093 });
    expect(loadConfig({ LAKE_KAFKA_BOOTSTRAP: 'k1:19092, k2:19092' }).kafka).toEqual({ bootstrap: 'k1:19092,k2:19092', controllerPort: 19093 });
    expect(loadConfig({ LAKE_KAFKA_BOOTSTRAP: '127.0.0.1:9092', LAKE_KAFKA_CONTROLLER_PORT: '29093' }).kafka.controllerPort).toBe(29093);
    expect(() => loadConfig({ LAKE_KAFKA_BOOTSTRAP: 'kafka' })).toThrow(/LAKE_KAFKA_BOOTSTRAP="kafka" is not host:port or a comma-separated list of them/);
    expect(() => loadConfig({ LAKE_KAFKA_BOOTSTRAP: 'k1:9092,' })).toThrow(/LAKE_KAFKA_BOOTSTRAP/);
    expect(() => loadConfig({ LAKE_KAFKA_BOOTSTRAP: '' })).toThrow(/LAKE_KAFKA_BOOTSTRAP is set but empty/);
    expect(() => loadConfig({ LAKE_KAFKA_CONTROLLER_PORT: '9092' })).toThrow(/LAKE_KAFKA_CONTROLLER_PORT=9092 must differ from the broker's port/);
    expect(() => loadConfig({ LAKE_KAFKA_CONTROLLER_PORT: 'x' })).toThrow(/LAKE_KAFKA_CONTROLLER_PORT="x" is not a TCP port/);
  });

  it('finds ports in URLs and host:port pairs', () => {
    expect(portOf('127.0.0.1:7233')).toBe(7233);
    expect(portOf('postgres://a:b@h:55432/db')).toBe(55432);
    expect(portOf('http://h')).toBe(80);
  });
});
