// `lake search <words…> [--as PRINCIPAL [--group]] [--json]`: full-text search over source and table names,
// column names, descriptions and tags, ranked, with the matching column shown. With --as, over that
// principal's catalog only (the rule is db/catalog.ts's), with the level they hold.
import { searchCatalog } from '../../db/catalog';
import { search } from '../../db/metadata';
import type { Command } from '../command';
import { parseOptions, runWithContext, table, UsageError } from '../context';

const USAGE = 'usage: lake search <words…> [--as PRINCIPAL [--group]] [--json]\n';

export const command: Command = {
  usage: USAGE,
  run(args, io) {
    return runWithContext('search', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args, ['json', 'group']);
      if (positional.length === 0) throw new UsageError('what to search for?');
      const words = positional.join(' ');
      const as = options.get('as')?.at(-1);
      if (as === undefined && options.has('group')) throw new UsageError('--group goes with --as NAME');
      if (as !== undefined) {
        const viewer = { name: as, kind: options.has('group') ? ('group' as const) : ('user' as const) };
        const hits = await searchCatalog(ctx.db(), viewer, words);
        if (options.has('json')) io.stdout(JSON.stringify(hits, null, 2) + '\n');
        else if (hits.length === 0) io.stdout(`no match in the catalog of ${viewer.kind} ${viewer.name}\n`);
        else io.stdout(table([['SOURCE', 'TABLE', 'COLUMN', 'MATCHED', 'RANK', 'LEVEL'], ...hits.map((h) => [h.source, h.table, h.column ?? '', h.matched.slice(0, 60), h.rank.toFixed(3), h.held.level])]));
        return 0;
      }
      const hits = await search(ctx.db(), words);
      if (options.has('json')) io.stdout(JSON.stringify(hits, null, 2) + '\n');
      else if (hits.length === 0) io.stdout('no match\n');
      else io.stdout(table([['SOURCE', 'TABLE', 'COLUMN', 'MATCHED', 'RANK'], ...hits.map((h) => [h.source, h.table, h.column ?? '', h.matched.slice(0, 60), h.rank.toFixed(3)])]));
      return 0;
    });
  },
};
