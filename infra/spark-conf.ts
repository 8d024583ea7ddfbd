// The Spark settings that read what lake catalog publishes: the one place they are written down. The
// proof tests run Spark with them (test/support/spark.ts, infra/spark/query.py), and
// `npm run -s spark-conf` prints them as a spark-defaults.conf for anyone's Spark:
//
//   npm run -s spark-conf > lake-spark.conf
//   ~/.cache/lake-catalog/pyspark-4.3.0/venv/bin/spark-sql --properties-file lake-spark.conf -e 'select * from demo.activity_log limit 5'
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig, type LakeConfig } from '../config';

/** Where `infra/spark.sh env` says the engine and its extra jars are. */
export interface SparkJars {
  /** Comma-separated jars for spark.jars: S3A, the OpenX JSON SerDe, the hcatalog JSON SerDe. */
  extraJars: string;
  /** spark.sql.hive.metastore.version: the stack's metastore is Hive 4.1. */
  metastoreClientVersion: string;
  /** spark.sql.hive.metastore.jars.path: a Hive 4.1 metastore client. */
  metastoreClientJars: string;
}

// The SerDes whose columns the Hive client takes from the metastore instead of asking the SerDe class:
// Hive 4.1's default list plus the JSON SerDes, whose classes the metastore client does not carry
// (without them a JSON table shows no data columns at all).
const SERDES_USING_METASTORE_FOR_SCHEMA = [
  'org.apache.hadoop.hive.ql.io.orc.OrcSerde',
  'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
  'org.apache.hadoop.hive.serde2.columnar.ColumnarSerDe',
  'org.apache.hadoop.hive.serde2.MetadataTypedColumnsetSerDe',
  'org.apache.hadoop.hive.serde2.columnar.LazyBinaryColumnarSerDe',
  'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  'org.apache.hadoop.hive.serde2.lazybinary.LazyBinarySerDe',
  'org.apache.hadoop.hive.serde2.OpenCSVSerde',
  'org.apache.hive.hcatalog.data.JsonSerDe',
  'org.apache.hadoop.hive.serde2.JsonSerDe',
  'org.openx.data.jsonserde.JsonSerDe',
];

/** A principal's own S3 key (`lake access credentials`), instead of the lake's. */
export interface SparkS3Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** spark-defaults.conf entries: the stack's metastore and S3, the jars its tables need. Files are read with
 *  `key` when given, else with the lake's key from the configuration. */
export function sparkSettings(config: LakeConfig, jars: SparkJars, key?: SparkS3Key): Record<string, string> {
  const s3 = config.s3;
  const hadoop: Record<string, string> = {
    'hive.metastore.uris': `thrift://${config.metastore.host}:${config.metastore.port}`,
    'hive.metastore.client.socket.timeout': '60s',
    'hive.serdes.using.metastore.for.schema': SERDES_USING_METASTORE_FOR_SCHEMA.join(','),
    'fs.s3a.endpoint': s3.endpoint,
    'fs.s3a.endpoint.region': s3.region,
    'fs.s3a.path.style.access': String(s3.forcePathStyle),
    'fs.s3a.connection.ssl.enabled': String(s3.endpoint.startsWith('https:')),
    ...sparkKeySettings(key ?? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }),
    'fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
    'fs.s3a.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
    // S3-compatible servers differ in ETag/version semantics; published data is not rewritten under readers
    'fs.s3a.change.detection.mode': 'none',
  };
  return {
    'spark.sql.catalogImplementation': 'hive',
    'spark.jars': jars.extraJars,
    // Spark's built-in Hive 2.3 metastore client calls get_table, which Hive 4.1 removed: a 4.1 client.
    // Data is still read through Spark's own Hive 2.3 SerDes and the jars above.
    'spark.sql.hive.metastore.version': jars.metastoreClientVersion,
    'spark.sql.hive.metastore.jars': 'path',
    'spark.sql.hive.metastore.jars.path': jars.metastoreClientJars,
    ...Object.fromEntries(Object.entries(hadoop).map(([k, v]) => [`spark.hadoop.${k}`, v])),
  };
}

/** The Hadoop settings that make S3A read with `key` (without the spark.hadoop. prefix). */
function sparkKeySettings(key: SparkS3Key): Record<string, string> {
  return { 'fs.s3a.access.key': key.accessKeyId, 'fs.s3a.secret.key': key.secretAccessKey };
}

/** The spark-defaults.conf lines that switch Spark to a principal's own key: appended after the settings
 *  `npm run -s spark-conf` prints, they win (a properties file's last value of a key is the one used). */
export function sparkKeyLines(key: SparkS3Key): string {
  return sparkDefaultsConf(Object.fromEntries(Object.entries(sparkKeySettings(key)).map(([k, v]) => [`spark.hadoop.${k}`, v])));
}

/** The settings as a spark-defaults.conf (a property per line, key and value separated by a space). */
export function sparkDefaultsConf(settings: Record<string, string>): string {
  return Object.entries(settings).map(([k, v]) => `${k} ${v}`).join('\n') + '\n';
}

// the script finds the project's files next to itself: compiled into dist/infra/, run the source tree's
const SPARK_SH = path.join(__dirname, ...(__filename.endsWith('.js') ? ['..', '..', 'infra'] : []), 'spark.sh');

/** Installs the engine when needed (`infra/spark.sh env`) and reads where its jars are. */
export function sparkJarsFromScript(): SparkJars & Record<string, string> {
  const out = execFileSync('bash', [SPARK_SH, 'env'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const vars = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { ...vars, extraJars: vars.SPARK_EXTRA_JARS!, metastoreClientVersion: vars.SPARK_HIVE_METASTORE_VERSION!, metastoreClientJars: vars.SPARK_HIVE_METASTORE_JARS! };
}

if (require.main === module) {
  process.stdout.write(sparkDefaultsConf(sparkSettings(loadConfig(), sparkJarsFromScript())));
}
