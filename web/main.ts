// The web catalog as a process: `lake serve`, and the last step of `npm start`.
import { Client, Connection } from '@temporalio/client';
import type { LakeConfig } from '../config';
import { createDb } from '../db/knex';
import { buildServer } from './server';

export interface RunningCatalog {
  url: string;
  close(): Promise<void>;
}

export async function serveCatalog(config: LakeConfig, opts: { port?: number; host?: string; logger?: boolean } = {}): Promise<RunningCatalog> {
  const db = createDb(config.postgres, { min: 0, max: 10 });
  let connection: Promise<Connection> | undefined;
  const temporal = async () => new Client({ connection: await (connection ??= Connection.connect({ address: config.temporal.address })), namespace: config.temporal.namespace });
  const host = opts.host ?? config.web.host;
  let app: Awaited<ReturnType<typeof buildServer>> | undefined;
  try {
    app = await buildServer({ db, config, temporal }, { logger: opts.logger });
    await app.listen({ host, port: opts.port ?? config.web.port });
  } catch (e) {
    await app?.close();
    await db.destroy();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.web.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      await app!.close();
      await db.destroy();
      if (connection) await (await connection).close();
    },
  };
}
