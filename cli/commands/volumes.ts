// `lake volumes <source> [--days N] [--json]`: records, bytes, objects and corrupt records per partition,
// with a compact chart in the terminal.
import { volumes } from '../../db/metadata';
import type { Command } from '../command';
import { barOf, bytes, parseOptions, runWithContext, table, UsageError } from '../context';

const USAGE = 'usage: lake volumes <source> [--days N] [--json]\n';

export const command: Command = {
  usage: USAGE,
  run(args, io) {
    return runWithContext('volumes', USAGE, io, async (ctx) => {
      const { positional, options } = parseOptions(args, ['json']);
      if (positional.length !== 1) throw new UsageError('name one source');
      const daysText = options.get('days')?.[0];
      const days = daysText === undefined ? undefined : Number(daysText);
      if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new UsageError(`--days must be a positive integer, got "${daysText}"`);
      const rows = await volumes(ctx.db(), positional[0], days);
      if (options.has('json')) {
        io.stdout(JSON.stringify(rows, null, 2) + '\n');
        return 0;
      }
      const max = Math.max(0, ...rows.map((r) => r.records));
      io.stdout(
        table([
          ['PARTITION', 'RECORDS', 'BYTES', 'OBJECTS', 'CORRUPT', ''],
          ...rows.map((r) => [r.partition, String(r.records), bytes(r.bytes), String(r.objects), String(r.corruptRecords), barOf(r.records, max, 24)]),
        ]),
      );
      return 0;
    });
  },
};
