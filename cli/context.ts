// Connections for CLI commands, opened on demand and always closed.
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { loadConfig, type LakeConfig } from '../config';
import { createDb } from '../db/knex';

export interface CliContext {
  config: LakeConfig;
  db: () => Knex;
  temporal: () => Promise<Client>;
}

export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let db: Knex | undefined;
  let connection: Connection | undefined;
  const ctx: CliContext = {
    config,
    db: () => (db ??= createDb(config.postgres, { min: 0, max: 2 })),
    temporal: async () => {
      connection ??= await Connection.connect({ address: config.temporal.address });
      return new Client({ connection, namespace: config.temporal.namespace });
    },
  };
  try {
    return await fn(ctx);
  } finally {
    await db?.destroy();
    await connection?.close();
  }
}

/** `--name value` / `--name=value` options, repeated ones collected; the rest are positional. */
export function parseOptions(args: string[], flags: string[] = []): { positional: string[]; options: Map<string, string[]> } {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const value = eq > 0 ? a.slice(eq + 1) : flags.includes(name) ? 'true' : args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return { positional, options };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Aligned columns for human output. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
