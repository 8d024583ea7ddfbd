// `lake search <words…> [--json]`: full-text search over source and table names, column names,
// descriptions and tags, ranked, with the matching column shown.
import { search } from '../../db/metadata';
import type { Command } from '../command';
import { parseOptions, runWithContext, table, UsageError } from '../context';

const USAGE = 'usage: lake search <words…> [--json]\n';

export const command: Command = {
  name: 'search',
  summary: 'find sources by name, column, description or tag',
  usage: USAGE,
  run(args, io) {
    return runWithContext('search', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args, ['json']);
      if (positional.length === 0) throw new UsageError('what to search for?');
      const hits = await search(ctx.db(), positional.join(' '));
      if (options.has('json')) io.stdout(JSON.stringify(hits, null, 2) + '\n');
      else if (hits.length === 0) io.stdout('no match\n');
      else io.stdout(table([['SOURCE', 'TABLE', 'COLUMN', 'MATCHED', 'RANK'], ...hits.map((h) => [h.source, h.table, h.column ?? '', h.matched.slice(0, 60), h.rank.toFixed(3)])]));
      return 0;
    });
  },
};
