// The catalog's migrations, in order. Listed here (not discovered on disk) so that every runtime —
// tsx, vitest, a bundled worker — loads the same TypeScript modules the same way.
import type { Knex } from 'knex';
import * as sources from './20261127000001_sources';
import * as crawl from './20261127000002_crawl';
import * as metadata from './20261127000004_metadata';
import * as governance from './20261127000003_governance';
import * as logical from './20261127000005_logical_sources';
import * as sourceStats from './20261127000006_source_stats';
import * as sliceCorrupt from './20261127000007_slice_corrupt';
import * as keyMismatches from './20261205000008_partition_key_mismatches';
import * as csvDialect from './20261205000009_csv_dialect';
import * as tagSuggestions from './20261206000011_tag_suggestions';
import * as storageAccess from './20261206000010_storage_access';
import * as hashKey from './20261206000013_hash_key';
import * as owners from './20261207000014_owners';
import * as searchIndex from './20261207000015_search_index';
import * as catalogRows from './20261207000016_catalog_rows';
import * as kafkaSources from './20261208000017_kafka_sources';
import * as upstreamChanges from './20261208000018_upstream_changes';
import * as grantsDue from './20261209000019_grants_due';
import * as batchResultsUncompressed from './20261210000020_batch_results_uncompressed';

const migrations: Record<string, Knex.Migration> = {
  '20261127000001_sources': sources,
  '20261127000002_crawl': crawl,
  '20261127000004_metadata': metadata,
  '20261127000003_governance': governance,
  '20261127000005_logical_sources': logical,
  '20261127000006_source_stats': sourceStats,
  '20261127000007_slice_corrupt': sliceCorrupt,
  '20261205000008_partition_key_mismatches': keyMismatches,
  '20261205000009_csv_dialect': csvDialect,
  '20261206000011_tag_suggestions': tagSuggestions,
  '20261206000010_storage_access': storageAccess,
  '20261206000013_hash_key': hashKey,
  '20261207000014_owners': owners,
  '20261207000015_search_index': searchIndex,
  '20261207000016_catalog_rows': catalogRows,
  '20261208000017_kafka_sources': kafkaSources,
  '20261208000018_upstream_changes': upstreamChanges,
  '20261209000019_grants_due': grantsDue,
  '20261210000020_batch_results_uncompressed': batchResultsUncompressed,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
