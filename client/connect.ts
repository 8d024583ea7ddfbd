// The Temporal client of a catalog: one connection to its namespace, closed by whoever opened it.
import { Client, Connection } from '@temporalio/client';
import type { LakeConfig } from '../config';

export async function connectClient(config: LakeConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}
