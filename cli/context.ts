// Connections for CLI commands, opened on demand and always closed.
import type { Client, Connection } from '@temporalio/client';
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
      // loaded here, not at the top: the package costs ~0.25 s to load, and most commands never call Temporal
      const temporal = await import('@temporalio/client');
      connection ??= await temporal.Connection.connect({ address: config.temporal.address });
      return new temporal.Client({ connection, namespace: config.temporal.namespace });
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

/** Who acts, for the audit: `--by NAME`, else LAKE_USER, else the login name. */
export function actorOf(options: Map<string, string[]>): string {
  const by = options.get('by');
  return by?.[by.length - 1] ?? process.env.LAKE_USER ?? process.env.USER ?? 'unknown';
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

/** Runs a command body with its connections; maps the errors people cause to clear messages and exit
 *  codes: bad usage 1, a thing that does not exist or is invalid 2. */
export async function runWithContext(
  name: string,
  usage: string,
  io: { stderr(t: string): void },
  fn: (ctx: CliContext) => Promise<number>,
): Promise<number> {
  try {
    return await withContext(fn);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`lake ${name}: ${e.message}\n${usage}`);
      return 1;
    }
    const known = ['UnknownSourceError', 'UnknownVersionError', 'ColumnMetadataError', 'InvalidSourceError', 'UnknownPrincipalError'];
    if (e instanceof Error && known.includes(e.name)) {
      io.stderr(`lake ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** Colour only on a terminal (and never with NO_COLOR). */
export function paint(code: number, text: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A compact horizontal bar for terminal charts. */
export function barOf(value: number, max: number, width = 30): string {
  const n = max > 0 ? Math.round((value / max) * width) : 0;
  return '█'.repeat(n) + '·'.repeat(width - n);
}
