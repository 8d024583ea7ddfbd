// `lake diff <source> <v1> <v2> [--json]`: added, removed and widened fields between two schema
// versions, nested paths included, each additive or breaking, with the file that caused it.
import { schemaDiff } from '../../db/metadata';
import type { Command } from '../command';
import { paint, parseOptions, runWithContext, table, UsageError } from '../context';

const USAGE = 'usage: lake diff <source> <from-version> <to-version> [--json]\n';

export const command: Command = {
  usage: USAGE,
  run(args, io) {
    return runWithContext('diff', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args, ['json']);
      const [source, a, b] = positional;
      const from = Number(a);
      const to = Number(b);
      if (positional.length !== 3 || !Number.isInteger(from) || !Number.isInteger(to)) throw new UsageError('give a source and two version numbers');
      const lines = await schemaDiff(ctx.db(), source, from, to);
      if (options.has('json')) {
        io.stdout(JSON.stringify(lines, null, 2) + '\n');
        return 0;
      }
      if (lines.length === 0) {
        io.stdout(`versions ${from} and ${to} of ${source} have the same schema\n`);
        return 0;
      }
      io.stdout(
        table([
          ['CHANGE', 'OP', 'PATH', 'FROM', 'TO', 'CAUSED BY'],
          ...lines.map((l) => [
            l.change === 'breaking' ? paint(31, 'breaking') : paint(32, 'additive'),
            l.op,
            l.path,
            l.from ?? '',
            l.to ?? '',
            l.file ? `${l.file}${l.line !== undefined ? `:${l.line}` : ''}` : '',
          ]),
        ]),
      );
      return 0;
    });
  },
};
