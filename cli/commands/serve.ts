// `lake serve [--port N] [--host H]`: the web catalog alone, until Ctrl-C.
import { loadConfig } from '../../config';
import type { Command } from '../command';
import { parseOptions, UsageError } from '../context';
import { EXIT } from '../command';

const USAGE = 'usage: lake serve [--port N] [--host ADDRESS]\n';

export const command: Command = {
  usage: USAGE,
  async run(args, io) {
    let port: number | undefined;
    let host: string | undefined;
    try {
      const { positional, options } = parseOptions(args);
      if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
      const p = options.get('port')?.at(-1);
      if (p !== undefined) {
        port = Number(p);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a TCP port, got "${p}"`);
      }
      host = options.get('host')?.at(-1);
    } catch (e) {
      if (e instanceof UsageError) {
        io.stderr(`lake serve: ${e.message}\n${USAGE}`);
        return EXIT.usage;
      }
      throw e;
    }
    const config = loadConfig();
    let running;
    try {
      // required here: the server's packages are not worth loading for every other command (and a dynamic
      // import() would leave the tsx require hook `lake` runs under)
      const { serveCatalog } = require('../../web/main') as typeof import('../../web/main');
      running = await serveCatalog(config, { port, host });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      io.stderr(`lake serve: ${host ?? config.web.host}:${port ?? config.web.port} is taken by another process (--port or LAKE_WEB_PORT chooses another)\n`);
      return EXIT.failed;
    }
    io.stdout(`web catalog: ${running.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await running.close();
    return EXIT.ok;
  },
};
