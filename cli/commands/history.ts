// `lake history <source> [--json]`: the schema versions of a source.
import { schemaHistory } from '../../db/metadata';
import type { Command } from '../command';
import { parseOptions, runWithContext, table, UsageError } from '../context';

const USAGE = 'usage: lake history <source> [--json]\n';

export const command: Command = {
  usage: USAGE,
  run(args, io) {
    return runWithContext('history', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args, ['json']);
      if (positional.length !== 1) throw new UsageError('name one source');
      const versions = await schemaHistory(ctx.db(), positional[0]);
      if (options.has('json')) io.stdout(JSON.stringify(versions, null, 2) + '\n');
      else io.stdout(table([['VERSION', 'CHANGE', 'CHANGES', 'COLUMNS', 'CREATED', 'RUN'], ...versions.map((v) => [String(v.version), v.change, String(v.changes), String(v.columns), v.createdAt, String(v.runId ?? '')])]));
      return 0;
    });
  },
};
