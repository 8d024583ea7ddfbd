// The Hive Metastore adapter: a typed Thrift client (binary protocol, buffered transport) with a call
// timeout, one reconnect on a dropped connection, and metastore exceptions mapped to error classes that
// tell a permanent refusal (the request is wrong) from an outage (try again later).
import thrift from 'thrift';
import type { MetastoreConfig } from '../../config';
import ThriftHiveMetastore = require('./gen/ThriftHiveMetastore');
import ttypes = require('./gen/hive_metastore_types');

export { ttypes as hive };

export type MetastoreErrorKind =
  | 'AlreadyExists'
  | 'NoSuchObject'
  | 'InvalidOperation'
  | 'InvalidObject'
  | 'MetaException'
  | 'Protocol' // the server does not know the call or could not decode it: a bug here, never retried
  | 'Unavailable';

export class MetastoreError extends Error {
  constructor(
    readonly kind: MetastoreErrorKind,
    readonly call: string,
    message: string,
  ) {
    super(`metastore ${call}: ${kind}: ${message}`);
    this.name = 'MetastoreError';
  }
  /** An outage or a server-side failure may pass; a refusal of the request itself will not. */
  get retryable(): boolean {
    return this.kind === 'Unavailable' || this.kind === 'MetaException';
  }
}

function classify(call: string, err: unknown): MetastoreError {
  if (err instanceof MetastoreError) return err;
  const message = (err as { message?: string })?.message ?? String(err);
  if (err instanceof ttypes.AlreadyExistsException) return new MetastoreError('AlreadyExists', call, message);
  if (err instanceof ttypes.NoSuchObjectException) return new MetastoreError('NoSuchObject', call, message);
  if (err instanceof ttypes.InvalidOperationException) return new MetastoreError('InvalidOperation', call, message);
  if (err instanceof ttypes.InvalidObjectException) return new MetastoreError('InvalidObject', call, message);
  if (err instanceof ttypes.MetaException) return new MetastoreError('MetaException', call, message);
  if (err instanceof thrift.Thrift.TApplicationException) return new MetastoreError('Protocol', call, message);
  // a request the client itself could not encode (a required field unset): a bug here, never retried
  if (err instanceof thrift.Thrift.TProtocolException || /^Required field \w+ is unset/.test(message)) return new MetastoreError('Protocol', call, message);
  return new MetastoreError('Unavailable', call, message);
}

type Client = ThriftHiveMetastore.Client;

export class MetastoreClient {
  private connection: thrift.Connection | undefined;
  private client: Client | undefined;
  /** The connection being opened: calls that start together share it (each opening its own would leave
   *  all but the last open after close(), and the process would never exit). */
  private connecting: Promise<Client> | undefined;

  constructor(private readonly config: MetastoreConfig) {}

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private open(): Promise<Client> {
    return new Promise((resolve, reject) => {
      const connection = thrift.createConnection(this.config.host, this.config.port, {
        transport: thrift.TBufferedTransport,
        protocol: thrift.TBinaryProtocol,
        connect_timeout: this.config.timeoutMs,
        timeout: this.config.timeoutMs,
      });
      const onError = (err: Error) => {
        this.drop();
        reject(new MetastoreError('Unavailable', 'connect', `${this.config.host}:${this.config.port}: ${err.message}`));
      };
      connection.once('error', onError);
      connection.once('connect', () => {
        connection.removeListener('error', onError);
        // Later errors end this connection; the next call opens a new one.
        connection.on('error', () => this.drop());
        connection.on('close', () => this.drop());
        this.connection = connection;
        this.client = thrift.createClient(ThriftHiveMetastore.Client, connection) as Client;
        resolve(this.client);
      });
    });
  }

  private drop(): void {
    this.connection?.removeAllListeners();
    this.connection?.end();
    this.connection = undefined;
    this.client = undefined;
  }

  /** Runs one call with a deadline; reconnects once when the connection was lost before the call. */
  async call<T>(name: string, fn: (c: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      try {
        return await withTimeout(fn(client), this.config.timeoutMs, name);
      } catch (err) {
        const e = classify(name, err);
        if (e.kind === 'Unavailable') this.drop();
        if (e.kind === 'Unavailable' && attempt === 0 && /EPIPE|ECONNRESET|closed/i.test(e.message)) continue;
        throw e;
      }
    }
  }

  getAllDatabases(): Promise<string[]> {
    return this.call('get_all_databases', (c) => c.get_all_databases());
  }

  getDatabase(name: string): Promise<ttypes.Database> {
    return this.call('get_database', (c) => c.get_database(name));
  }

  createDatabase(db: { name: string; description?: string; locationUri?: string; parameters?: Record<string, string> }): Promise<void> {
    return this.call('create_database', (c) =>
      c.create_database(
        new ttypes.Database({
          name: db.name,
          description: db.description ?? '',
          locationUri: db.locationUri as string, // unset: the metastore puts it under its warehouse
          parameters: db.parameters ?? {},
        }),
      ),
    );
  }

  dropDatabase(name: string, opts: { deleteData?: boolean; cascade?: boolean } = {}): Promise<void> {
    return this.call('drop_database', (c) => c.drop_database(name, opts.deleteData ?? false, opts.cascade ?? false));
  }

  getAllTables(database: string): Promise<string[]> {
    return this.call('get_all_tables', (c) => c.get_all_tables(database));
  }

  getTable(database: string, table: string): Promise<ttypes.Table> {
    return this.call('get_table_req', async (c) => (await c.get_table_req(new ttypes.GetTableRequest({ dbName: database, tblName: table }))).table);
  }

  createTable(table: ttypes.Table): Promise<void> {
    return this.call('create_table', (c) => c.create_table(table));
  }

  /** With `cascade`, partitions take the table's new columns too (Hive's ALTER TABLE … CASCADE). */
  alterTable(database: string, table: string, newTable: ttypes.Table, opts: { cascade: boolean }): Promise<void> {
    const context = new ttypes.EnvironmentContext({ properties: opts.cascade ? { CASCADE: 'true' } : {} });
    return this.call('alter_table_with_environment_context', (c) => c.alter_table_with_environment_context(database, table, newTable, context));
  }

  dropTable(database: string, table: string, opts: { deleteData?: boolean } = {}): Promise<void> {
    return this.call('drop_table', (c) => c.drop_table(database, table, opts.deleteData ?? false));
  }

  /** Adds partitions, skipping those that exist already. */
  addPartitions(database: string, table: string, partitions: ttypes.Partition[]): Promise<void> {
    const request = new ttypes.AddPartitionsRequest({ dbName: database, tblName: table, parts: partitions, ifNotExists: true, needResult: false });
    return this.call('add_partitions_req', async (c) => {
      await c.add_partitions_req(request);
    });
  }

  getPartition(database: string, table: string, values: string[]): Promise<ttypes.Partition> {
    return this.call('get_partition', (c) => c.get_partition(database, table, values));
  }

  getPartitions(database: string, table: string): Promise<ttypes.Partition[]> {
    return this.call('get_partitions', (c) => c.get_partitions(database, table, -1));
  }

  /** Replaces partitions' storage and parameters (their values name them); atomic for the list. */
  alterPartitions(database: string, table: string, partitions: ttypes.Partition[]): Promise<void> {
    return this.call('alter_partitions', (c) => c.alter_partitions(database, table, partitions));
  }

  getPartitionNames(database: string, table: string): Promise<string[]> {
    return this.call('get_partition_names', (c) => c.get_partition_names(database, table, -1));
  }

  dropPartition(database: string, table: string, values: string[]): Promise<boolean> {
    return this.call('drop_partition', (c) => c.drop_partition(database, table, values, false));
  }

  /** Privileges on an object; with no principal, every principal's. */
  listPrivileges(object: ttypes.HiveObjectRef, principal?: { name: string; type: ttypes.PrincipalType }): Promise<ttypes.HiveObjectPrivilege[]> {
    return this.call('list_privileges', (c) =>
      c.list_privileges(principal?.name as string, principal?.type as ttypes.PrincipalType, object),
    );
  }

  grantRevokePrivileges(type: ttypes.GrantRevokeType, privileges: ttypes.HiveObjectPrivilege[]): Promise<void> {
    const request = new ttypes.GrantRevokePrivilegeRequest({ requestType: type, privileges: new ttypes.PrivilegeBag({ privileges }) });
    return this.call('grant_revoke_privileges', async (c) => {
      const res = await c.grant_revoke_privileges(request);
      if (res.success === false) throw new MetastoreError('MetaException', 'grant_revoke_privileges', 'the metastore answered success=false');
    });
  }

  close(): void {
    this.drop();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, call: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MetastoreError('Unavailable', call, `no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
