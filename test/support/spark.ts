// The engine that proves a publish: runs SQL through PySpark (Hive support, the stack's metastore and S3)
// and returns the results as JSON. `infra/spark.sh` installs and caches the engine and is the one place
// that knows its version; `infra/spark/query.py` runs the queries in one SparkSession per call.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LakeConfig } from '../../config';
import { sparkSettings, type SparkS3Key } from '../../infra/spark-conf';

const ROOT = path.resolve(__dirname, '../..');
const SPARK_SH = path.join(ROOT, 'infra/spark.sh');

export type SparkQueryKind = 'rows' | 'plan' | 'files';

export interface SparkQuery {
  name: string;
  sql: string;
  /** rows (default): the result set; plan: the executed physical plan; files: the data files the scans read. */
  kind?: SparkQueryKind;
}

export type SparkResult =
  | { kind: 'rows'; columns: string[]; rows: unknown[][] }
  | { kind: 'plan'; plan: string }
  | { kind: 'files'; files: string[] };

export interface SparkEngine {
  pysparkVersion: string;
  python: string;
  javaHome: string;
  extraJars: string; // comma-separated, for spark.jars
  metastoreClientVersion: string; // spark.sql.hive.metastore.version
  metastoreClientJars: string; // spark.sql.hive.metastore.jars.path
  queryScript: string;
}

export class SparkQueryError extends Error {
  constructor(
    message: string,
    readonly query: string | undefined,
    readonly stderrTail: string,
    /** Spark's whole stderr, kept in a temporary file for the Java stack traces. */
    readonly stderrFile?: string,
  ) {
    super(`${message}${query ? ` (query "${query}")` : ''}\n--- last lines of Spark's stderr ---\n${stderrTail}`);
    this.name = 'SparkQueryError';
  }
}

/** The results of one call, by query name, with accessors that check the kind. */
export class SparkResults {
  constructor(readonly byName: Record<string, SparkResult>) {}

  private get<K extends SparkQueryKind>(name: string, kind: K): Extract<SparkResult, { kind: K }> {
    const r = this.byName[name];
    if (!r) throw new Error(`no Spark result named "${name}" (have: ${Object.keys(this.byName).join(', ')})`);
    if (r.kind !== kind) throw new Error(`Spark result "${name}" is of kind ${r.kind}, not ${kind}`);
    return r as Extract<SparkResult, { kind: K }>;
  }

  columns(name: string): string[] {
    return this.get(name, 'rows').columns;
  }

  rows(name: string): unknown[][] {
    return this.get(name, 'rows').rows;
  }

  /** The rows as objects keyed by column name. */
  records(name: string): Record<string, unknown>[] {
    const r = this.get(name, 'rows');
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
  }

  plan(name: string): string {
    return this.get(name, 'plan').plan;
  }

  files(name: string): string[] {
    return this.get(name, 'files').files;
  }
}

let engine: Promise<SparkEngine> | undefined;

/**
 * Installs the engine when its cache is missing (minutes, once per machine) and returns where it is.
 * Cheap after that: `infra/spark.sh env` only checks the cache's completion markers.
 */
export function ensureSpark(): Promise<SparkEngine> {
  engine ??= new Promise<SparkEngine>((resolve, reject) => {
    const child = execFile('bash', [SPARK_SH, 'env'], { maxBuffer: 1 << 20, timeout: 20 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`infra/spark.sh env failed: ${err.message}\n${tail(stderr, 30)}`));
        return;
      }
      const vars = Object.fromEntries(
        stdout
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const need = [
        'SPARK_PYSPARK_VERSION',
        'SPARK_PYTHON',
        'SPARK_JAVA_HOME',
        'SPARK_EXTRA_JARS',
        'SPARK_HIVE_METASTORE_VERSION',
        'SPARK_HIVE_METASTORE_JARS',
        'SPARK_QUERY_SCRIPT',
      ];
      const missing = need.filter((k) => !vars[k]);
      if (missing.length > 0) {
        reject(new Error(`infra/spark.sh env did not print ${missing.join(', ')}:\n${stdout}`));
        return;
      }
      resolve({
        pysparkVersion: vars.SPARK_PYSPARK_VERSION,
        python: vars.SPARK_PYTHON,
        javaHome: vars.SPARK_JAVA_HOME,
        extraJars: vars.SPARK_EXTRA_JARS,
        metastoreClientVersion: vars.SPARK_HIVE_METASTORE_VERSION,
        metastoreClientJars: vars.SPARK_HIVE_METASTORE_JARS,
        queryScript: vars.SPARK_QUERY_SCRIPT,
      });
    });
    // The first install takes minutes: let its progress lines through.
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  });
  engine.catch(() => (engine = undefined)); // a failed install may be retried
  return engine;
}

export interface RunSparkOptions {
  /** Kills Spark after this long (default 5 minutes). */
  timeoutMs?: number;
  master?: string; // default local[2]
  driverMemory?: string; // default 768m
  /** Read files with this key (a principal's own) instead of the lake's. */
  s3Key?: SparkS3Key;
}

/** Runs the queries in one SparkSession and returns their results; throws SparkQueryError with Spark's stderr tail. */
export async function runSparkQueries(queries: SparkQuery[], config: LakeConfig, options: RunSparkOptions = {}): Promise<SparkResults> {
  const spark = await ensureSpark();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JAVA_HOME: spark.javaHome,
    SPARK_SETTINGS: JSON.stringify(sparkSettings(config, spark, options.s3Key)),
    ...(options.master ? { SPARK_MASTER: options.master } : {}),
    ...(options.driverMemory ? { SPARK_DRIVER_MEMORY: options.driverMemory } : {}),
  };
  // Another Spark on this machine must not be picked up instead of the venv's.
  for (const k of ['SPARK_HOME', 'SPARK_CONF_DIR', 'PYSPARK_PYTHON', 'PYSPARK_DRIVER_PYTHON', 'PYSPARK_SUBMIT_ARGS', 'HADOOP_CONF_DIR']) delete env[k];

  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const { code, stdout, stderr, timedOut } = await new Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>(
    (resolve, reject) => {
      const child = spawn(spark.python, [spark.queryScript], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let out = '';
      let err = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.length > 1 << 20) err = err.slice(-(1 << 19)); // only the tail is ever shown
      });
      // Spark runs in its own process group, so a timeout ends the JVM along with Python.
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new SparkQueryError(`could not start ${spark.python}: ${e.message}`, undefined, ''));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: out, stderr: err, timedOut });
      });
      child.stdin.end(JSON.stringify({ queries }));
    },
  );

  const fail = (message: string, query?: string) => {
    // The tail goes into the message; the whole of Spark's stderr into a file, for the Java stack traces.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lake-spark-')), 'stderr.log');
    writeFileSync(file, stderr);
    return new SparkQueryError(`${message}; Spark's full stderr: ${file}`, query, tail(stderr, 40), file);
  };
  if (timedOut) throw fail(`Spark did not finish within ${timeoutMs} ms`);
  let answer: { results?: Record<string, SparkResult>; error?: string; query?: string };
  try {
    answer = JSON.parse(stdout);
  } catch {
    throw fail(`Spark exited with code ${code} without a JSON answer (stdout: ${JSON.stringify(stdout.slice(0, 500))})`);
  }
  if (answer.error !== undefined || code !== 0 || !answer.results) {
    const error = answer.error ?? 'no results';
    // A metastore that fails inside a call drops the connection; the reason is only in its own log.
    const hint = /TTransportException|closed by peer/.test(error) ? ' (the metastore dropped the call: see its log, e.g. .stack/logs/metastore.log)' : '';
    throw fail(`Spark failed (exit ${code}): ${error}${hint}`, answer.query);
  }
  return new SparkResults(answer.results);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
