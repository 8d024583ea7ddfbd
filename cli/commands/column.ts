// `lake column set <source> <column> [--description TEXT] [--tag TAG]... [--role id_type|timestamp|uuid]`
import { setColumnMetadata } from '../../db/metadata';
import type { Command } from '../command';
import { parseOptions, runWithContext, UsageError } from '../context';

const USAGE = 'usage: lake column set <source> <column> [--description TEXT] [--tag TAG]... [--role id_type|timestamp|uuid]\n';

export const command: Command = {
  name: 'column',
  summary: "set a column's description, tags and role",
  usage: USAGE,
  run(args, io) {
    return runWithContext('column', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args);
      if (positional[0] !== 'set' || positional.length !== 3) throw new UsageError('lake column set <source> <column> …');
      const [, source, column] = positional;
      const description = options.get('description')?.[0];
      const role = options.get('role')?.[0];
      const tags = options.get('tag') ?? [];
      if (description === undefined && role === undefined && tags.length === 0) throw new UsageError('say what to set: --description, --tag or --role');
      await setColumnMetadata(ctx.db(), source, column, { description, tags, role });
      io.stdout(`${source}.${column} updated (descriptions reach the metastore's column comments at the next publish)\n`);
      return 0;
    });
  },
};
