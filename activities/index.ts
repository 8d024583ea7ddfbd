// Activities: every step that touches the outside world, each idempotent. They get their connections
// from `ActivityDeps`, built once per worker process.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import type { MetastoreClient } from '../adapters/metastore/client';
import type { S3Accounts } from '../adapters/s3-accounts';
import { createCrawlActivities, createInferenceActivities } from './crawl';
import { createGovernanceActivities } from './governance';
import { heartbeating } from './heartbeat';
import { createPreviewActivities } from './preview';
import type { PrivateStore } from './level-views';
import type { GovernanceConfig, S3Config } from '../config';

export interface ActivityDeps {
  /** The catalog's name (LakeConfig.catalog): its grant workflows, metastore grantor and bucket policy
   *  statements carry it. */
  catalog: string;
  db: Knex;
  s3: S3Client;
  metastore: MetastoreClient;
  /** The catalog's own Kafka brokers (LAKE_KAFKA_BOOTSTRAP), for topics that name no secret of their own. */
  kafkaBootstrap: string;
  /** The S3 server's accounts and bucket policies, with the catalog's root key (governance only). */
  storage: { accounts: S3Accounts; config: S3Config };
  /** Where the catalog keeps what no principal is granted (the A-3 hash key). */
  privateStore: PrivateStore;
  governance?: GovernanceConfig; // the notification webhook; none: notifications stay in the outbox
}

/** The activities of the I/O task queue, each heartbeating while it runs (see heartbeat.ts). */
export function createActivities(deps: ActivityDeps) {
  return heartbeating({
    ...createCrawlActivities(deps),
    ...createGovernanceActivities(deps),
    ...createPreviewActivities({ db: deps.db, s3: deps.s3, s3Endpoint: deps.storage.config.endpoint, kafkaBootstrap: deps.kafkaBootstrap }),
  });
}

/** The activities of the inference task queue (CPU-heavy, its own worker process). */
export { createInferenceActivities };

export type Activities = ReturnType<typeof createActivities>;
