// `lake schedules sync`: one Temporal Schedule per enabled source (see client/schedules.ts).
import { syncSchedules } from '../../client/schedules';
import { EXIT, type Command } from '../command';
import { withContext } from '../context';

export const command: Command = {
  usage: 'usage: lake schedules sync [--json]\n',
  async run(args, io) {
    if (args[0] !== 'sync') {
      io.stderr(this.usage);
      return EXIT.usage;
    }
    return withContext(async (ctx) => {
      const result = await syncSchedules(await ctx.temporal(), ctx.db(), ctx.config);
      if (args.includes('--json')) io.stdout(JSON.stringify(result) + '\n');
      else {
        for (const [what, names] of Object.entries(result)) if (names.length) io.stdout(`${what}: ${names.join(', ')}\n`);
        if (Object.values(result).every((n) => n.length === 0)) io.stdout('no sources, no schedules\n');
      }
      return EXIT.ok;
    });
  },
};
