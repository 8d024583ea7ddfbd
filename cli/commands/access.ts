// `lake access …`: principals, access requests at predefined levels, grants and their expiry workflows.
import {
  addPrincipal,
  findPrincipal,
  listGrantsOf,
  listPrincipals,
  listRequests,
  requestAccess,
  type Grant,
  type RequestStatus,
} from '../../db/governance';
import { setAdmin } from '../../db/owners';
import { activeStorageAccesses, principalKeyOf, recordKeyIssued, unverifiedRevocations } from '../../db/storage-access';
import { ACCESS_LEVELS, GovernanceError, type GrantStatus, type PrincipalKind } from '../../governance/levels';
import { storageAccountOf } from '../../governance/storage-policy';
import { sparkKeyLines } from '../../infra/spark-conf';
import { approveAccess, cancelRequest, extendAccess, rejectRequest, revokeAccess, type AccessDeps } from '../../client/access';
import { reconcileNow } from '../../client/grants';
import { issueAccessKey } from '../../client/credentials';
import { UnknownPrincipalError } from '../../db/catalog';
import { EXIT, type Command, type CommandIO } from '../command';
import { actorOf, parseOptions, table, UsageError, withContext, type CliContext } from '../context';

const USAGE = `usage:
  lake access levels
  lake access principal add <name> [--group] [--email ADDRESS] [--admin]
  lake access principal list
  lake access admin <user> [--off]
  lake access request <source> --principal NAME [--group] --level A-1..A-5 --days N --reason TEXT [--by NAME]
  lake access approve <request-id> [--by NAME] [--note TEXT] [--no-catalog]
  lake access reject <request-id> [--by NAME] [--note TEXT]
  lake access cancel <request-id> [--by NAME]
  lake access extend <grant-id> (--until ISO-DATE | --days N) [--by NAME]
  lake access revoke <grant-id> --reason TEXT [--by NAME]
  lake access list [--source NAME] [--all] [--json]
  lake access credentials <principal> [--group] [--rotate] [--json]
  lake access reconcile [--dry-run] [--json]
`;

function one(options: Map<string, string[]>, name: string): string | undefined {
  const v = options.get(name);
  return v ? v[v.length - 1] : undefined;
}


function idArg(positional: string[], what: string): number {
  const n = Number(positional[0]);
  if (positional.length !== 1 || !Number.isInteger(n) || n <= 0) throw new UsageError(`name one ${what} id (a positive integer)`);
  return n;
}

const day = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

export function grantRows(grants: Grant[]): string[][] {
  return [
    ['GRANT', 'PRINCIPAL', 'SOURCE', 'LEVEL', 'STATUS', 'EXPIRES', 'ENABLE CATALOG', 'TABLE'],
    ...grants.map((g) => [String(g.id), `${g.principal.kind}:${g.principal.name}`, g.source, g.level, g.status, day(g.expiresAt), g.enableCatalog ? 'yes' : 'no', `${g.table.database}.${g.table.table}`]),
  ];
}

/** Gives a principal its own S3 key: shown once; `--rotate` replaces it (the old secret stops working). The
 *  catalog keeps the account's name and when a secret was shown, never the secret. */
async function credentials(ctx: CliContext, positional: string[], options: Map<string, string[]>, io: CommandIO, json: boolean): Promise<number> {
  if (positional.length !== 1) throw new UsageError('lake access credentials <principal> [--group] [--rotate]');
  const db = ctx.db();
  const kind: PrincipalKind = one(options, 'group') === 'true' ? 'group' : 'user';
  const principal = await findPrincipal(db, { name: positional[0], kind });
  if (!principal) throw new GovernanceError(`unknown ${kind} "${positional[0]}" (lake access principal add registers one)`);
  const access = storageAccountOf(principal);
  const rotate = one(options, 'rotate') === 'true';
  const known = await principalKeyOf(db, principal.id);
  if (known?.issuedAt && !rotate) {
    io.stderr(`lake access: ${kind} ${principal.name} was given key ${access} at ${day(known.issuedAt)}; a secret is shown only once: --rotate issues a new one (the old one stops working)\n`);
    return EXIT.unreadableInput;
  }
  const secret = await issueAccessKey(ctx.config.s3, access);
  await recordKeyIssued(db, { principalId: principal.id, accessKey: access, by: actorOf(options) });
  const readable = (await activeStorageAccesses(db)).filter((a) => a.account === access);
  if (json) {
    io.stdout(JSON.stringify({ principal: { name: principal.name, kind }, accessKeyId: access, secretAccessKey: secret, endpoint: ctx.config.s3.endpoint, reads: readable.map((a) => ({ grantId: a.grantId, location: `s3://${a.bucket}/${a.prefix}` })) }, null, 2) + '\n');
    return EXIT.ok;
  }
  io.stdout(
    `${kind} ${principal.name}: ${rotate && known ? 'new secret (the previous one no longer works)' : 'S3 key issued'}\n` +
      `  access key  ${access}\n  secret key  ${secret}\n  endpoint    ${ctx.config.s3.endpoint}\n` +
      `The secret is shown once: keep it now (lake access credentials ${principal.name}${kind === 'group' ? ' --group' : ''} --rotate replaces it).\n` +
      `It reads what ${principal.name}'s live grants give: ${readable.length ? readable.map((a) => `s3://${a.bucket}/${a.prefix}`).join(', ') : 'nothing yet'}.\n\n` +
      `For Spark, append to the settings of \`npm run -s spark-conf\`:\n${sparkKeyLines({ accessKeyId: access, secretAccessKey: secret })}`,
  );
  return EXIT.ok;
}

async function run(ctx: CliContext, sub: string | undefined, args: string[], io: CommandIO): Promise<number> {
  const { positional, options } = parseOptions(args, ['group', 'json', 'all', 'no-catalog', 'dry-run', 'rotate', 'admin', 'off']);
  const json = one(options, 'json') === 'true';
  const db = ctx.db();
  const deps: AccessDeps = { db, temporal: ctx.temporal, config: ctx.config };
  switch (sub) {
    case 'levels': {
      const levels = Object.values(ACCESS_LEVELS);
      if (json) io.stdout(JSON.stringify(levels, null, 2) + '\n');
      else {
        io.stdout(table([
          ['LEVEL', 'MAX DAYS', 'SAMPLES', 'IDENTIFIED', 'METASTORE', 'MEANING'],
          ...levels.map((l) => [l.id, String(l.maxDays), l.samplesVisible ? 'yes' : 'no', l.identifiedColumnsVisible ? 'yes' : 'no', l.metastorePrivileges.join(',') || '-', l.description]),
        ]));
      }
      return EXIT.ok;
    }
    case 'principal': {
      const [what, ...rest] = positional;
      if (what === 'add') {
        if (rest.length !== 1) throw new UsageError('lake access principal add <name> [--group] [--admin]');
        const kind: PrincipalKind = one(options, 'group') === 'true' ? 'group' : 'user';
        const admin = one(options, 'admin') === 'true';
        if (admin && kind === 'group') throw new UsageError('an admin is a user: the catalog cannot tell who acts for a group');
        const p = await addPrincipal(db, { name: rest[0], kind, email: one(options, 'email') }, actorOf(options));
        if (admin) await setAdmin(db, p.name, true, actorOf(options));
        io.stdout(`${p.kind} ${p.name} registered (id ${p.id})${admin ? ', admin' : ''}\n`);
        return EXIT.ok;
      }
      if (what === 'list') {
        const ps = await listPrincipals(db);
        io.stdout(json ? JSON.stringify(ps, null, 2) + '\n' : table([['ID', 'KIND', 'NAME', 'EMAIL', 'ADMIN'], ...ps.map((p) => [String(p.id), p.kind, p.name, p.email ?? '-', p.admin ? 'admin' : ''])]));
        return EXIT.ok;
      }
      throw new UsageError('lake access principal add|list');
    }
    case 'admin': {
      if (positional.length !== 1) throw new UsageError('lake access admin <user> [--off]');
      const admin = one(options, 'off') !== 'true';
      const changed = await setAdmin(db, positional[0], admin, actorOf(options));
      io.stdout(`user ${positional[0]} ${admin ? 'is an admin' : 'is not an admin'}${changed ? '' : ' (unchanged)'}\n`);
      return EXIT.ok;
    }
    case 'request': {
      if (positional.length !== 1) throw new UsageError('lake access request <source> --principal NAME --level A-n --days N --reason TEXT');
      const principal = one(options, 'principal');
      if (!principal) throw new UsageError('--principal NAME is required');
      const daysText = one(options, 'days');
      const r = await requestAccess(db, {
        principal: { name: principal, kind: one(options, 'group') === 'true' ? 'group' : 'user' },
        source: positional[0],
        level: one(options, 'level') ?? '',
        days: daysText === undefined ? NaN : Number(daysText),
        reason: one(options, 'reason') ?? '',
        requestedBy: actorOf(options),
      });
      io.stdout(json ? JSON.stringify(r, null, 2) + '\n' : `request ${r.id}: ${r.principal.kind} ${r.principal.name} asks ${r.level} on ${r.source} for ${r.days} day(s); pending approval (lake access approve ${r.id})\n`);
      return EXIT.ok;
    }
    case 'approve': {
      const requestId = idArg(positional, 'request');
      const { grant, workflowStarted: started } = await approveAccess(deps, { requestId, by: actorOf(options), note: one(options, 'note'), enableCatalog: one(options, 'no-catalog') !== 'true' });
      io.stdout(
        json
          ? JSON.stringify({ grant, workflowStarted: started }, null, 2) + '\n'
          : `request ${requestId} approved: grant ${grant.id} (${grant.level} on ${grant.source}) until ${day(grant.expiresAt)}; workflow ${grant.workflowId} ${started ? 'started' : 'already running'}\n`,
      );
      return EXIT.ok;
    }
    case 'reject':
    case 'cancel': {
      const requestId = idArg(positional, 'request');
      const decide = sub === 'reject' ? rejectRequest : cancelRequest;
      const r = await decide(deps, { requestId, by: actorOf(options), note: one(options, 'note') });
      io.stdout(`request ${r.id} ${r.status}\n`);
      return EXIT.ok;
    }
    case 'extend': {
      const grantId = idArg(positional, 'grant');
      const untilText = one(options, 'until');
      const daysText = one(options, 'days');
      if (!untilText === !daysText) throw new UsageError('say either --until ISO-DATE or --days N (days added to the current expiry)');
      if (untilText ? Number.isNaN(new Date(untilText).getTime()) : !Number.isFinite(Number(daysText))) {
        throw new UsageError(`--until ${JSON.stringify(untilText)} is not a date; --days must be a number`);
      }
      const s = await extendAccess(deps, { grantId, by: actorOf(options), ...(untilText ? { until: untilText } : { days: Number(daysText) }) });
      io.stdout(`grant ${grantId} now expires at ${s.expiresAt}\n`);
      return EXIT.ok;
    }
    case 'revoke': {
      const grantId = idArg(positional, 'grant');
      const reason = one(options, 'reason');
      if (!reason) throw new UsageError('--reason TEXT is required');
      const s = await revokeAccess(deps, { grantId, by: actorOf(options), reason });
      io.stdout(`grant ${grantId} ${s.phase}\n`);
      return EXIT.ok;
    }
    case 'list': {
      const source = one(options, 'source');
      const all = one(options, 'all') === 'true';
      const requests = await listRequests(db, { source, status: all ? undefined : (['pending'] as RequestStatus[]) });
      const grants = await listGrantsOf(db, { source, status: all ? undefined : (['pending', 'active'] as GrantStatus[]) });
      if (json) {
        io.stdout(JSON.stringify({ requests, grants }, null, 2) + '\n');
        return EXIT.ok;
      }
      io.stdout(`${all ? 'requests' : 'pending requests'}:\n`);
      io.stdout(table([
        ['REQUEST', 'PRINCIPAL', 'SOURCE', 'LEVEL', 'DAYS', 'STATUS', 'BY', 'REASON'],
        ...requests.map((r) => [String(r.id), `${r.principal.kind}:${r.principal.name}`, r.source, r.level, String(r.days), r.status, r.requestedBy, r.reason]),
      ]));
      io.stdout(`\n${all ? 'grants' : 'live grants'}:\n`);
      io.stdout(table(grantRows(grants)));
      // always shown: an end that was not proven may still give access
      const unverified = await unverifiedRevocations(db);
      const ended = unverified.length ? await listGrantsOf(db, { source, status: ['expired', 'revoked'] }) : [];
      const shown = ended.filter((g) => unverified.some((u) => u.grantId === g.id));
      if (shown.length) {
        io.stdout(`\nended grants whose revocation is not verified (lake access reconcile retries the proof):\n`);
        io.stdout(table([
          ['GRANT', 'PRINCIPAL', 'SOURCE', 'LEVEL', 'STATUS', 'PROBLEM'],
          ...shown.map((g) => [String(g.id), `${g.principal.kind}:${g.principal.name}`, g.source, g.level, g.status, g.revocationProblem ?? 'not proven yet']),
        ]));
      }
      return EXIT.ok;
    }
    case 'credentials':
      return credentials(ctx, positional, options, io, json);
    case 'reconcile': {
      const report = await reconcileNow(await ctx.temporal(), ctx.config.catalog, ctx.config.temporal.taskQueue, { dryRun: one(options, 'dry-run') === 'true' });
      io.stdout(JSON.stringify(report, null, 2) + '\n');
      return EXIT.ok;
    }
    default:
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'which subcommand?');
  }
}

export const command: Command = {
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    try {
      return await withContext((ctx) => run(ctx, sub, rest, io));
    } catch (e) {
      if (e instanceof UsageError) {
        io.stderr(`lake access: ${e.message}\n${USAGE}`);
        return EXIT.usage;
      }
      if (e instanceof GovernanceError || e instanceof UnknownPrincipalError) {
        io.stderr(`lake access: ${e.message}\n`);
        return EXIT.unreadableInput;
      }
      throw e;
    }
  },
};
