// `lake column set <source> <column> [--description TEXT] [--tag TAG]... [--role id_type|timestamp|uuid]`
// `lake column accept-tags <source> [<column>...]`: accepts the tags the crawl suggests (lake describe
// shows them with their evidence), all of the source's or the named columns'.
import { acceptSuggestions, setColumnMetadata } from '../../db/metadata';
import type { Command } from '../command';
import { parseOptions, runWithContext, UsageError } from '../context';

const USAGE =
  'usage: lake column set <source> <column> [--description TEXT] [--tag TAG]... [--role id_type|timestamp|uuid]\n' +
  '       lake column accept-tags <source> [<column>...]\n';

export const command: Command = {
  usage: USAGE,
  run(args, io) {
    return runWithContext('column', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args);
      if (positional[0] === 'accept-tags') {
        if (positional.length < 2) throw new UsageError('lake column accept-tags <source> [<column>...]');
        const [, source, ...columns] = positional;
        const accepted = await acceptSuggestions(ctx.db(), source!, columns);
        if (accepted.length === 0) io.stdout(`${source}: no tag suggested\n`);
        for (const a of accepted) io.stdout(`${source}.${a.path} tagged ${a.tag} (stored samples and statistics masked)\n`);
        return 0;
      }
      if (positional[0] !== 'set' || positional.length !== 3) throw new UsageError('lake column set <source> <column> … or lake column accept-tags <source> …');
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
