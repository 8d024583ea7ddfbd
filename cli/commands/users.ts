// `lake users <source>`: who uses what — the active grants of a source, with level and expiry.
import { activeHolders } from '../../db/governance';
import { findSource } from '../../db/sources';
import { EXIT, type Command } from '../command';
import { parseOptions, table, UsageError, withContext } from '../context';
import { grantRows } from './access';

const USAGE = 'usage: lake users <source> [--json]\n';

export const command: Command = {
  usage: USAGE,
  async run(args, io) {
    try {
      const { positional, options } = parseOptions(args, ['json']);
      if (positional.length !== 1) throw new UsageError('name one source');
      return await withContext(async (ctx) => {
        const source = await findSource(ctx.db(), positional[0]);
        if (!source) {
          io.stderr(`lake users: unknown source "${positional[0]}"\n`);
          return EXIT.unreadableInput;
        }
        const holders = await activeHolders(ctx.db(), source.id);
        if (options.has('json')) io.stdout(JSON.stringify(holders, null, 2) + '\n');
        else if (holders.length === 0) io.stdout(`nobody holds access to ${source.name}\n`);
        else io.stdout(table(grantRows(holders)));
        return EXIT.ok;
      });
    } catch (e) {
      if (e instanceof UsageError) {
        io.stderr(`lake users: ${e.message}\n${USAGE}`);
        return EXIT.usage;
      }
      throw e;
    }
  },
};
