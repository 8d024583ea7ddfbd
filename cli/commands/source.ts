// `lake source add|list|show|remove`: the registered sources.
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createS3Client } from '../../adapters/s3';
import { resolveSecret } from '../../adapters/secrets';
import { compileGlobs, type PartitionLayout } from '../../crawl/plan';
import {
  defaultTableName,
  InvalidSourceError,
  normalisePrefix,
  type SourceDefinition,
  type SourceFormat,
} from '../../crawl/source';
import { findSource, listSources, removeSource, saveSource } from '../../db/sources';
import { EXIT, type Command, type CommandIO } from '../command';
import { parseOptions, table, UsageError, withContext, type CliContext } from '../context';

const USAGE = `usage:
  lake source add <name> --s3 s3://bucket/prefix/ [--format auto|jsonl|jsonl.gz|csv|parquet]
                  [--layout hive|none|date:yyyy/MM/dd/HH] [--include GLOB]... [--exclude GLOB]...
                  [--schedule hourly|nightly|"<cron>"] [--database lake] [--table NAME] [--lookback N] [--detect-dates]
  lake source add <name> --postgres <secret-ref> --from schema.table --cursor COLUMN
                  [--schedule ...] [--database lake] [--table NAME]
  lake source list [--json]
  lake source show <name> [--json]
  lake source remove <name>
`;

function one(options: Map<string, string[]>, name: string): string | undefined {
  const v = options.get(name);
  return v ? v[v.length - 1] : undefined;
}

function parseLayout(text: string | undefined): PartitionLayout {
  if (!text || text === 'hive') return { kind: 'hive' };
  if (text === 'none') return { kind: 'none' };
  if (text.startsWith('date:')) return { kind: 'date-path', pattern: text.slice(5).replace(/\/+$/, '') };
  throw new UsageError(`--layout must be hive, none or date:<pattern>, got "${text}"`);
}

export function definitionFromArgs(name: string, options: Map<string, string[]>): SourceDefinition {
  const base = {
    name,
    schedule: one(options, 'schedule') ?? 'nightly',
    targetDatabase: one(options, 'database') ?? 'lake',
    targetTable: one(options, 'table') ?? defaultTableName(name),
    enabled: true,
  };
  const s3 = one(options, 's3');
  const postgres = one(options, 'postgres');
  if (s3 && postgres) throw new UsageError('a source is either --s3 or --postgres, not both');
  if (s3) {
    const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(s3);
    if (!m) throw new UsageError(`--s3 must look like s3://bucket/prefix/, got "${s3}"`);
    const lookback = one(options, 'lookback');
    return {
      ...base,
      kind: 's3',
      location: { bucket: m[1], prefix: normalisePrefix(m[2]) },
      format: (one(options, 'format') ?? 'auto') as SourceFormat,
      layout: parseLayout(one(options, 'layout')),
      options: {
        include: options.get('include') ?? [],
        exclude: options.get('exclude') ?? [],
        detectDates: one(options, 'detect-dates') === 'true',
        ...(lookback !== undefined ? { lookbackPartitions: Number(lookback) } : {}),
      },
    };
  }
  if (postgres) {
    const from = one(options, 'from');
    const cursor = one(options, 'cursor');
    const m = from ? /^([^.]+)\.([^.]+)$/.exec(from) : null;
    if (!m) throw new UsageError('--postgres needs --from schema.table');
    if (!cursor) throw new UsageError('--postgres needs --cursor COLUMN (a monotonic id or timestamp)');
    return { ...base, kind: 'postgres', location: { secretRef: postgres, schema: m[1], table: m[2], cursorColumn: cursor }, options: {} };
  }
  throw new UsageError('say where the data is: --s3 s3://bucket/prefix/ or --postgres <secret-ref>');
}

/** Checks that need the outside world: the bucket exists, the database answers, the globs compile. */
async function checkReachable(ctx: CliContext, def: SourceDefinition): Promise<string[]> {
  const problems: string[] = [];
  if (def.kind === 's3') {
    const globs = compileGlobs(def.options.include ?? [], def.options.exclude ?? []);
    if ('error' in globs) problems.push(`options.include/exclude: ${globs.error}`);
    const s3 = createS3Client(ctx.config.s3);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: def.location.bucket }));
    } catch (e) {
      problems.push(`location.bucket: bucket "${def.location.bucket}" is not reachable at ${ctx.config.s3.endpoint} (${(e as Error).name})`);
    } finally {
      s3.destroy();
    }
  } else {
    let url: string;
    try {
      url = resolveSecret(def.location.secretRef);
    } catch (e) {
      return [`location.secretRef: ${(e as Error).message}`];
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      const r = await client.query('select 1 from information_schema.tables where table_schema = $1 and table_name = $2', [def.location.schema, def.location.table]);
      if (r.rowCount === 0) problems.push(`location: table ${def.location.schema}.${def.location.table} does not exist`);
    } catch (e) {
      problems.push(`location.secretRef: the database of secret "${def.location.secretRef}" is unreachable (${(e as Error).message.split('\n')[0]})`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return problems;
}

function describeSource(s: SourceDefinition): string {
  return s.kind === 's3' ? `s3://${s.location.bucket}/${s.location.prefix}` : `postgres ${s.location.secretRef}:${s.location.schema}.${s.location.table}`;
}

async function add(ctx: CliContext, args: string[], io: CommandIO): Promise<number> {
  const { positional, options } = parseOptions(args, ['detect-dates', 'json']);
  if (positional.length !== 1) throw new UsageError('lake source add takes one name');
  const def = definitionFromArgs(positional[0], options);
  const problems = await checkReachable(ctx, def);
  if (problems.length) {
    io.stderr(`lake source add: source ${def.name} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return EXIT.unreadableInput;
  }
  const saved = await saveSource(ctx.db(), def);
  io.stdout(`source ${saved.name} registered: ${describeSource(saved)} -> ${saved.targetDatabase}.${saved.targetTable}, ${saved.schedule}\n`);
  io.stdout('run `lake schedules sync` (the worker does at start) to schedule its crawls\n');
  return EXIT.ok;
}

export const command: Command = {
  name: 'source',
  summary: 'add, list, show or remove registered sources',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    try {
      return await withContext(async (ctx) => {
        const json = rest.includes('--json');
        switch (sub) {
          case 'add':
            return add(ctx, rest, io);
          case 'list': {
            const sources = await listSources(ctx.db());
            if (json) io.stdout(JSON.stringify(sources, null, 2) + '\n');
            else {
              io.stdout(
                table([
                  ['NAME', 'KIND', 'WHERE', 'TABLE', 'SCHEDULE', 'ENABLED'],
                  ...sources.map((s) => [s.name, s.kind, describeSource(s), `${s.targetDatabase}.${s.targetTable}`, s.schedule, String(s.enabled)]),
                ]),
              );
            }
            return EXIT.ok;
          }
          case 'show': {
            const name = rest.find((a) => !a.startsWith('--'));
            if (!name) throw new UsageError('lake source show <name>');
            const s = await findSource(ctx.db(), name);
            if (!s) {
              io.stderr(`lake source: unknown source "${name}"\n`);
              return EXIT.unreadableInput;
            }
            io.stdout(json ? JSON.stringify(s, null, 2) + '\n' : `${s.name}\n  ${describeSource(s)}\n  table     ${s.targetDatabase}.${s.targetTable}\n  schedule  ${s.schedule}\n  options   ${JSON.stringify(s.options)}\n`);
            return EXIT.ok;
          }
          case 'remove': {
            const name = rest.find((a) => !a.startsWith('--'));
            if (!name) throw new UsageError('lake source remove <name>');
            if (!(await removeSource(ctx.db(), name))) {
              io.stderr(`lake source: unknown source "${name}"\n`);
              return EXIT.unreadableInput;
            }
            io.stdout(`source ${name} removed (its schedule goes at the next \`lake schedules sync\`)\n`);
            return EXIT.ok;
          }
          default:
            throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'which subcommand?');
        }
      });
    } catch (e) {
      if (e instanceof UsageError) {
        io.stderr(`lake source: ${e.message}\n${USAGE}`);
        return EXIT.usage;
      }
      if (e instanceof InvalidSourceError) {
        io.stderr(`lake source: ${e.message}\n`);
        return EXIT.unreadableInput;
      }
      throw e;
    }
  },
};
