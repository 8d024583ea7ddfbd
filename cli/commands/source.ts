// `lake source add|list|show|remove|owner`: the registered sources and who owns them.
import { checkSource, NoWorkerError } from '../../client/preview';
import type { PartitionLayout } from '../../crawl/partitions';
import {
  defaultTableName,
  InvalidSourceError,
  normalisePrefix,
  publishedTable,
  unpublishedReason,
  whereIs,
  type SourceDefinition,
  type SourceFormat,
} from '../../crawl/source';
import { listCatalogSources, UnknownPrincipalError } from '../../db/catalog';
import { findPrincipal } from '../../db/governance';
import { addOwner, ownersOf, removeOwner } from '../../db/owners';
import { findSource, getSource, listSourceStates, removeSource, saveSource, setLogicalSourcesActive, UnknownSourceError, type SourceState } from '../../db/sources';
import { GovernanceError } from '../../governance/levels';
import { EXIT, type Command, type CommandIO } from '../command';
import { actorOf, parseOptions, table, UsageError, withContext, type CliContext } from '../context';

const USAGE = `usage:
  lake source add <name> --s3 s3://bucket/prefix/ [--format auto|jsonl|jsonl.gz|csv|parquet]
                  [--layout hive|none|date:yyyy/MM/dd/HH] [--include GLOB]... [--exclude GLOB]...
                  [--schedule hourly|nightly|"<cron>"] [--database lake] [--table NAME] [--lookback N] [--detect-dates]
                  [--discriminators FIELD,FIELD.SUB,... [--flatten OBJECT,...] [--slice-pattern "{stream}-{values}"]]
                  [--owner USER]...
  lake source add <name> --postgres <secret-ref> --from schema.table --cursor COLUMN
                  [--schedule ...] [--database lake] [--table NAME] [--owner USER]...
  lake source add <name> --kafka <topic> [--bootstrap <secret-ref>] [--lands-in <s3 source>]
                  [--discriminators FIELD,... [--flatten OBJECT,...] [--slice-pattern ...]] [--detect-dates]
                  [--schedule ...] [--owner USER]...
  lake source list [--stream NAME] [--new] [--as PRINCIPAL [--group]] [--json]
  lake source show <name> [--json]
  lake source activate <logical source>... | --all-new --stream NAME
  lake source deactivate <logical source>...
  lake source remove <name>
  lake source owner add|remove <source> <user> [--by NAME]
  lake source owner list <source> [--json]

Owners (registered users: lake access principal add) approve a source's access requests, edit its
metadata and crawl it; a logical source is owned by its stream's owners. Admins (lake access admin) may
do everything.

A Kafka topic is read from the offsets the catalog committed (its own, not a consumer group's) up to
the end seen when the crawl starts; each message's value is one JSON record, its key, headers, timestamp,
partition and offset are columns kafka_*. --bootstrap names a secret holding the brokers
(LAKE_SECRET_<NAME>=kafka://host:port,...; default: LAKE_KAFKA_BOOTSTRAP). --lands-in names the S3 source
the topic lands in: a schema change seen at the topic is shown there before the lake's crawl sees it.

A stream with --discriminators is split into logical sources, one per combination of values; the crawl
registers new ones inactive. An active logical source is published as a view over the stream's table
at the stream's next crawl (\`lake crawl <stream>\`).

With --as, the list is that principal's catalog: the sources they hold a live grant on, approved without
--no-catalog, with the level they hold. Without it, every source (everybody may find any source's metadata).
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
  const kafka = one(options, 'kafka');
  if ([s3, postgres, kafka].filter((x) => x !== undefined).length > 1) throw new UsageError('a source is one of --s3, --postgres or --kafka');
  const list = (name: string) => one(options, name)?.split(',').map((x) => x.trim()).filter(Boolean);
  const discriminators = list('discriminators');
  const flatten = list('flatten');
  const slicePattern = one(options, 'slice-pattern');
  const streamOptions = {
    ...(discriminators ? { discriminators } : {}),
    ...(flatten ? { flatten } : {}),
    ...(slicePattern !== undefined ? { slicePattern } : {}),
  };
  if (kafka !== undefined) {
    const bootstrapRef = one(options, 'bootstrap');
    const landsIn = one(options, 'lands-in');
    return {
      ...base,
      kind: 'kafka',
      location: { topic: kafka, ...(bootstrapRef !== undefined ? { bootstrapRef } : {}), ...(landsIn !== undefined ? { landsIn } : {}) },
      options: { detectDates: one(options, 'detect-dates') === 'true', ...streamOptions },
    };
  }
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
        ...streamOptions,
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
  throw new UsageError('say where the data is: --s3 s3://bucket/prefix/, --postgres <secret-ref> or --kafka <topic>');
}

/** Checks that need the outside world, made by a worker (it holds the secrets): the bucket exists, the
 *  database answers, the globs compile. */
async function checkReachable(ctx: CliContext, def: SourceDefinition): Promise<string[]> {
  if (def.kind === 'logical') return [];
  return checkSource(await ctx.temporal(), ctx.config, def);
}

async function add(ctx: CliContext, args: string[], io: CommandIO): Promise<number> {
  const { positional, options } = parseOptions(args, ['detect-dates', 'json']);
  if (positional.length !== 1) throw new UsageError('lake source add takes one name');
  const def = definitionFromArgs(positional[0], options);
  const owners = [...new Set(options.get('owner') ?? [])];
  // a misspelt owner is found before anything is checked or written
  for (const name of owners) if (!(await findPrincipal(ctx.db(), { name, kind: 'user' }))) throw new UnknownPrincipalError({ name, kind: 'user' });
  const problems = await checkReachable(ctx, def);
  if (problems.length) {
    io.stderr(`lake source add: source ${def.name} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return EXIT.unreadableInput;
  }
  const saved = await ctx.db().transaction(async (trx) => {
    const s = await saveSource(trx, def);
    for (const name of owners) await addOwner(trx, { source: s.name, principal: name, by: actorOf(options) });
    return s;
  });
  io.stdout(`source ${saved.name} registered: ${whereIs(saved)}${publishedTable(saved) ? ` -> ${publishedTable(saved)}` : ''}, ${saved.schedule}\n`);
  if (owners.length) io.stdout(`owners: ${(await ownersOf(ctx.db(), saved.id)).join(', ')}\n`);
  io.stdout('run `lake schedules sync` (the worker does at start) to schedule its crawls\n');
  return EXIT.ok;
}

/** `lake source owner add|remove|list`: who answers for a source. */
async function owner(ctx: CliContext, args: string[], io: CommandIO): Promise<number> {
  const { positional, options } = parseOptions(args, ['json']);
  const [what, source, principal, ...extra] = positional;
  if ((what === 'add' || what === 'remove') && source && principal && extra.length === 0) {
    const change = { source, principal, by: actorOf(options) };
    const changed = what === 'add' ? await addOwner(ctx.db(), change) : await removeOwner(ctx.db(), change);
    io.stdout(`${principal} ${what === 'add' ? (changed ? 'now owns' : 'already owned') : changed ? 'no longer owns' : 'did not own'} ${source}\n`);
    return EXIT.ok;
  }
  if (what === 'list' && source && !principal) {
    const s = await getSource(ctx.db(), source);
    const owners = await ownersOf(ctx.db(), s.id);
    if (options.has('json')) io.stdout(JSON.stringify({ source: s.name, owners }, null, 2) + '\n');
    else if (owners.length === 0) io.stdout(s.kind === 'logical' ? `${s.name} has no owner: its stream has none\n` : `${s.name} has no owner: lake source owner add ${s.name} <user>\n`);
    else io.stdout(table([['OWNER'], ...owners.map((o) => [o])]) + (s.kind === 'logical' ? `(the owners of its stream)\n` : ''));
    return EXIT.ok;
  }
  throw new UsageError('lake source owner add|remove <source> <user>, or lake source owner list <source>');
}

const state = (r: SourceState) => (r.source.kind !== 'logical' ? (r.source.enabled ? 'enabled' : 'disabled') : r.source.enabled ? 'active' : 'new');
const seen = (r: SourceState) => (r.lastSeenAt ? r.lastSeenAt.toISOString().slice(0, 16).replace('T', ' ') : '');

/** `lake source list --as NAME`: the principal's catalog (the rule is db/catalog.ts's). */
async function listAs(ctx: CliContext, as: string, options: Map<string, string[]>, io: CommandIO): Promise<number> {
  const viewer = { name: as, kind: options.has('group') ? ('group' as const) : ('user' as const) };
  const rows = await listCatalogSources(ctx.db(), viewer, { stream: one(options, 'stream'), onlyNew: options.has('new') });
  if (options.has('json')) {
    io.stdout(JSON.stringify(rows, null, 2) + '\n');
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.stdout(`no source in the catalog of ${viewer.kind} ${viewer.name} (grants approved with --no-catalog are not listed; lake source list shows every source)\n`);
    return EXIT.ok;
  }
  const until = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
  io.stdout(
    table([
      ['NAME', 'KIND', 'WHERE', 'TABLE', 'LEVEL', 'GRANT', 'EXPIRES', 'STATE'],
      ...rows.map((r) => [r.source.name, r.source.kind, whereIs(r.source), publishedTable(r.source) ?? '-', r.held.level, `${r.held.grantId} ${r.held.status}`, until(r.held.expiresAt), state(r)]),
    ]),
  );
  return EXIT.ok;
}

async function list(ctx: CliContext, args: string[], io: CommandIO): Promise<number> {
  const { options } = parseOptions(args, ['json', 'new', 'group']);
  const as = one(options, 'as');
  if (as !== undefined) return listAs(ctx, as, options, io);
  if (options.has('group')) throw new UsageError('--group goes with --as NAME');
  const stream = one(options, 'stream');
  const rows = await listSourceStates(ctx.db(), { stream, onlyNew: options.has('new') });
  if (options.has('json')) {
    io.stdout(JSON.stringify(rows, null, 2) + '\n');
    return EXIT.ok;
  }
  io.stdout(
    table([
      ['NAME', 'KIND', 'WHERE', 'TABLE', 'SCHEDULE', 'STATE', 'LAST SEEN'],
      ...rows.map((r) => [r.source.name, r.source.kind, whereIs(r.source), publishedTable(r.source) ?? '-', r.source.kind === 'logical' ? '' : r.source.schedule, state(r), seen(r)]),
    ]),
  );
  return EXIT.ok;
}

async function activate(ctx: CliContext, active: boolean, args: string[], io: CommandIO): Promise<number> {
  const { positional, options } = parseOptions(args, ['all-new', 'json']);
  let names = positional;
  if (options.has('all-new')) {
    const stream = one(options, 'stream');
    if (!stream || !active) throw new UsageError('--all-new goes with activate and --stream NAME');
    names = (await listSourceStates(ctx.db(), { stream, onlyNew: true })).map((r) => r.source.name);
  }
  if (names.length === 0) throw new UsageError(`lake source ${active ? 'activate' : 'deactivate'} <logical source>...`);
  const result = await setLogicalSourcesActive(ctx.db(), names, active);
  if (result.problems.length) {
    io.stderr(result.problems.map((p) => `lake source: ${p}\n`).join(''));
    return EXIT.unreadableInput;
  }
  for (const [stream, changed] of result.byStream) {
    io.stdout(`${active ? 'activated' : 'deactivated'} ${changed.length} logical source(s) of ${stream}: ${changed.join(', ')}\n`);
    io.stdout(`their views ${active ? 'are published' : 'are dropped'} at the next crawl of ${stream} (\`lake crawl ${stream}\` does it now)\n`);
  }
  return EXIT.ok;
}

export const command: Command = {
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    try {
      return await withContext(async (ctx) => {
        const json = rest.includes('--json');
        switch (sub) {
          case 'add':
            return add(ctx, rest, io);
          case 'list':
            return list(ctx, rest, io);
          case 'activate':
          case 'deactivate':
            return activate(ctx, sub === 'activate', rest, io);
          case 'owner':
            return owner(ctx, rest, io);
          case 'show': {
            const name = rest.find((a) => !a.startsWith('--'));
            if (!name) throw new UsageError('lake source show <name>');
            const s = await findSource(ctx.db(), name);
            if (!s) {
              io.stderr(`lake source: unknown source "${name}"\n`);
              return EXIT.unreadableInput;
            }
            io.stdout(json ? JSON.stringify(s, null, 2) + '\n' : `${s.name}\n  ${whereIs(s)}\n  table     ${publishedTable(s) ?? unpublishedReason(s)}\n  schedule  ${s.schedule}\n  options   ${JSON.stringify(s.options)}\n`);
            return EXIT.ok;
          }
          case 'remove': {
            const name = rest.find((a) => !a.startsWith('--'));
            if (!name) throw new UsageError('lake source remove <name>');
            if ((await findSource(ctx.db(), name))?.kind === 'logical') {
              io.stderr(`lake source: ${name} is a logical source: its stream's crawl registers it again; deactivate it instead\n`);
              return EXIT.unreadableInput;
            }
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
      if (e instanceof InvalidSourceError || e instanceof UnknownPrincipalError || e instanceof UnknownSourceError || e instanceof GovernanceError) {
        io.stderr(`lake source: ${e.message}\n`);
        return EXIT.unreadableInput;
      }
      if (e instanceof NoWorkerError) {
        io.stderr(`lake source: ${e.message}\n`);
        return EXIT.failed;
      }
      throw e;
    }
  },
};
