// The I/O half of the views (governance/level-views.ts): the catalog's key table, and each
// source's level view published from the table's columns and its identifying tags as they are now.
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import { MetastoreError, type MetastoreClient } from '../adapters/metastore/client';
import { publishTable, publishView } from '../adapters/metastore/publisher';
import { MANAGED_PARAMETER, tableParameters } from '../adapters/metastore/table-spec';
import { getSourceById } from '../db/sources';
import { catalogKey, identifyingPaths } from '../db/storage-access';
import { HASH_KEY_COLUMN, levelView, type LevelView, type ViewLevel } from '../governance/level-views';
import type { TableRef as TableName } from '../schema/hive';
import { ACCESS_LEVELS } from '../governance/levels';
import { IDENTIFYING_TAGS } from '../schema/identifying';

/** Where the catalog keeps data nobody is granted: a prefix no bucket policy opens, a metastore database
 *  no grant names. Scoped to the catalog, as several catalogs may share one S3 server and metastore. */
export interface PrivateStore {
  bucket: string;
  prefix: string; // ends with '/'
  database: string;
}

export interface LevelViewDeps {
  db: Knex;
  s3: S3Client;
  metastore: MetastoreClient;
  privateStore: PrivateStore;
}

const KEY_NAME = 'a3-hash';
const KEY_TABLE = 'hash_key';

async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await r.Body!.transformToString();
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

/** The one-row table holding the key of A-3's hash (written when missing or different). */
export async function ensureKeyTable(deps: LevelViewDeps): Promise<TableName> {
  const key = await catalogKey(deps.db, KEY_NAME, () => randomBytes(32).toString('hex'));
  const { bucket, prefix, database } = deps.privateStore;
  const dir = `${prefix}${KEY_TABLE}/`;
  const body = `${JSON.stringify({ [HASH_KEY_COLUMN]: key })}\n`;
  if ((await readText(deps.s3, bucket, `${dir}key.json`)) !== body) await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${dir}key.json`, Body: body }));
  await publishTable(
    deps.metastore,
    {
      database, table: KEY_TABLE, location: `s3a://${bucket}/${dir}`, format: 'jsonl',
      columns: [{ name: HASH_KEY_COLUMN, type: 'string' }], partitionKeys: [],
      parameters: tableParameters({ format: 'jsonl', source: 'lake-catalog', schemaVersion: 1, lastCrawl: new Date(0).toISOString(), stats: { recordCount: 1, objectCount: 1, sizeBytes: body.length, compression: 'none' } }),
    },
    [],
  );
  return keyTableOf(deps);
}

/** The level view `level` of source `sourceId` as the table's columns and tags give it now, with what the
 *  metastore has under its name (undefined: nothing, or the table itself is not published). */
async function levelViewNow(deps: LevelViewDeps, sourceId: number, level: ViewLevel, keyTable: TableName) {
  const src = await getSourceById(deps.db, sourceId);
  const t = await deps.metastore.getTable(src.targetDatabase, src.targetTable);
  const columns = [...(t.sd?.cols ?? []), ...(t.partitionKeys ?? [])].map((f) => ({ name: f.name, type: f.type }));
  const identifying = await identifyingPaths(deps.db, sourceId, IDENTIFYING_TAGS);
  const view = levelView(level, { source: { database: src.targetDatabase, table: src.targetTable }, columns, identifying, keyTable });
  let publishedSql: string | undefined;
  try {
    publishedSql = (await deps.metastore.getTable(src.targetDatabase, view.table)).viewExpandedText;
  } catch (e) {
    if (!(e instanceof MetastoreError && e.kind === 'NoSuchObject')) throw e;
  }
  return { source: src, view, publishedSql };
}

const keyTableOf = (deps: LevelViewDeps): TableName => ({ database: deps.privateStore.database, table: KEY_TABLE });

/** The level view `level` of source `sourceId` as it must be now; published when it differs. */
export async function ensureLevelView(deps: LevelViewDeps, sourceId: number, level: ViewLevel): Promise<LevelView & { database: string; published: boolean }> {
  const keyTable = ACCESS_LEVELS[level].view === 'deidentified' ? await ensureKeyTable(deps) : keyTableOf(deps);
  const { source, view, publishedSql } = await levelViewNow(deps, sourceId, level, keyTable);
  if (publishedSql === view.sql) return { ...view, database: source.targetDatabase, published: false };
  await publishView(deps.metastore, {
    database: source.targetDatabase, table: view.table, columns: view.columns, sql: view.sql,
    parameters: { [MANAGED_PARAMETER]: 'true', 'lake.source': source.name, 'lake.level': level },
  });
  return { ...view, database: source.targetDatabase, published: true };
}

/** Whether the published level view differs from what the source's table and tags give now. */
export async function levelViewStale(deps: LevelViewDeps, sourceId: number, level: ViewLevel): Promise<boolean> {
  try {
    const { view, publishedSql } = await levelViewNow(deps, sourceId, level, keyTableOf(deps));
    return publishedSql !== view.sql;
  } catch (e) {
    if (e instanceof MetastoreError && e.kind === 'NoSuchObject') return false; // the table is not published: nothing to read, nothing to fix
    throw e;
  }
}
