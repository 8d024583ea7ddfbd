// What `npm start` shows once the stack is up and the worker polls: a workflow run end to end through
// the real Temporal server, and where to look next. Later issues extend it with a demo lake crawl.
import { Client, Connection } from '@temporalio/client';
import type { LakeConfig } from '../config';
import { catalogStatus } from '../workflows';
import { temporalUiUrl } from './health';

export async function runDemo(config: LakeConfig): Promise<void> {
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const workflowId = 'demo/catalog-status';
    const result = await client.workflow.execute(catalogStatus, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ requestedBy: 'npm start' }],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    const ui = temporalUiUrl(config);
    console.log(`
lake catalog is up.
  demo workflow ${workflowId}: ${result.sources} source(s) in the catalog, ${result.metastoreDatabases} database(s) in the metastore
  Temporal UI:     ${ui}/namespaces/${config.temporal.namespace}/workflows
  stack status:    npm run stack -- status
  stop the stack:  npm run stack -- down`);
  } finally {
    await connection.close();
  }
}
