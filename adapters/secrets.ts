// Named secret references: the catalog and Temporal only ever hold a name ("analytics-db"); the worker
// resolves it to a connection URL from its own environment, LAKE_SECRET_<NAME>. Messages name the
// variable, never its value.

export class SecretError extends Error {
  constructor(
    readonly secret: string,
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`secret "${secret}": ${reason}`);
    this.name = 'SecretError';
  }
}

type Env = Record<string, string | undefined>;

/** LAKE_SECRET_ + the name uppercased, every character other than A-Z 0-9 turned into '_'. */
export function secretEnvName(name: string): string {
  return `LAKE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The connection URL a secret name stands for. Throws SecretError when it is unset, empty or not a URL. */
export function resolveSecret(name: string, env: Env = process.env): string {
  if (name.trim() === '') throw new SecretError(name, '', 'a secret reference needs a name');
  const variable = secretEnvName(name);
  const value = env[variable];
  if (value === undefined) throw new SecretError(name, variable, `unknown: set ${variable} in the worker's environment to its connection URL`);
  if (value.trim() === '') throw new SecretError(name, variable, `${variable} is set but empty`);
  try {
    new URL(value.trim());
  } catch {
    throw new SecretError(name, variable, `${variable} does not hold a URL (scheme://user:password@host:port/database)`);
  }
  return value.trim();
}

/** The brokers a secret names: LAKE_SECRET_<NAME>=kafka://host:port,host:port (or the list alone). */
export function resolveBrokers(name: string, env: Env = process.env): string[] {
  const variable = secretEnvName(name);
  const value = env[variable]?.trim();
  if (value === undefined) throw new SecretError(name, variable, `unknown: set ${variable} in the worker's environment to kafka://host:port[,host:port]`);
  const list = value.replace(/^kafka:\/\//, '').replace(/\/$/, '');
  const brokers = list.split(',').map((b) => b.trim());
  if (brokers.length === 0 || brokers.some((b) => !/^[^\s:/,]+:\d{1,5}$/.test(b))) {
    throw new SecretError(name, variable, `${variable} does not hold brokers (kafka://host:port[,host:port])`);
  }
  return brokers;
}
