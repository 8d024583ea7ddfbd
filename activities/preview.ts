// Looks at a source for someone outside the worker (`lake source add`, `lake crawl --dry-run`): the worker
// holds the secrets and reaches the sources, the asker gets a small summary. Read-only, so idempotent: a
// retry looks again.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Knex } from 'knex';
import { connectorOf } from '../connectors';
import { nextSchemaVersion } from '../crawl/schema-version';
import type { Source, SourceDefinition } from '../crawl/source';
import { knownPartitionKeys } from '../db/manifest';
import { latestSchema } from '../db/schema-versions';
import { getSource } from '../db/sources';
import { pathOfSteps, renderHiveType, toHiveColumns } from '../schema';
import { PREVIEW_LIST_LIMIT, type CheckSourceInput, type CheckSourceResult, type CrawlPreview, type PreviewCrawlInput, type PreviewRefused } from '../workflows/shared';
import { nonRetryable } from './crawl';

export interface PreviewDeps {
  db: Knex;
  s3: S3Client;
  s3Endpoint: string; // named in a problem, so that people see which server was asked
  kafkaBootstrap: string;
}

/** The objects of an S3 plan's batches, as far as a preview shows them. */
interface PlannedEntry {
  key: string;
  size: number;
  partition: string;
  keys: string[];
  format: string;
  gzip: boolean;
}

/** A list cut to PREVIEW_LIST_LIMIT, with how many were left out. */
function limited<T>(all: readonly T[]): { kept: T[]; more: number } {
  return { kept: all.slice(0, PREVIEW_LIST_LIMIT), more: Math.max(0, all.length - PREVIEW_LIST_LIMIT) };
}

export function createPreviewActivities(deps: PreviewDeps) {
  return {
    /** Problems reaching a source not saved yet (bucket, globs, the database behind a secret). */
    async checkSourceReachable(input: CheckSourceInput): Promise<CheckSourceResult> {
      const def = input.definition as SourceDefinition;
      if (def.kind === 'logical') return { problems: [] };
      try {
        return { problems: await connectorOf(def).check({ s3: deps.s3, s3Endpoint: deps.s3Endpoint, kafkaBootstrap: deps.kafkaBootstrap }, def) };
      } catch (e) {
        return nonRetryable(e);
      }
    },

    /** What a crawl would read and the schema that would result, against the catalog; writes nothing. */
    async previewCrawl(input: PreviewCrawlInput): Promise<CrawlPreview | PreviewRefused> {
      let source: Source;
      try {
        source = await getSource(deps.db, input.source);
      } catch (e) {
        return nonRetryable(e);
      }
      const connector = connectorOf(source);
      const refusal = connector.previewRefusal?.(source);
      if (refusal) return { kind: 'refused', reason: refusal };
      try {
        const plan = await connector.plan({ db: deps.db, s3: deps.s3, kafkaBootstrap: deps.kafkaBootstrap }, source, { kind: 'crawl', full: input.full ?? false });
        const batch = plan.batches.flat();
        const objects = batch as PlannedEntry[];
        const inferred = await connector.read({ s3: deps.s3, kafkaBootstrap: deps.kafkaBootstrap }, source, batch, () => undefined);
        const latest = await latestSchema(deps.db, source.id);
        const next = nextSchemaVersion(latest, inferred.result.schema);
        const read = limited(objects.map((o) => ({ key: o.key, size: o.size, partition: o.partition, format: o.format, gzip: o.gzip })));
        const deleted = limited((plan.scope.deleted as string[] | undefined) ?? []);
        const skipped = limited((plan.scope.skipped as { file: string; reason: string }[] | undefined) ?? []);
        const partitions = limited([...new Set(objects.map((o) => o.partition))].sort());
        const more = { read: read.more, deleted: deleted.more, skipped: skipped.more, partitions: partitions.more };
        return {
          kind: 'preview',
          source: source.name,
          counts: plan.counts,
          read: read.kept,
          deleted: deleted.kept,
          skipped: skipped.kept,
          table: `${source.targetDatabase}.${source.targetTable}`,
          partitionKeys: objects[0]?.keys ?? (await knownPartitionKeys(deps.db, source.id)) ?? [],
          partitions: partitions.kept,
          ...(Object.values(more).some((n) => n > 0) ? { truncated: more } : {}),
          records: inferred.result.records,
          corruptRecords: inferred.result.corruptRecords,
          columns: toHiveColumns(next.schema),
          schemaVersion: next.version,
          change: next.diff.change === 'none' ? 'none' : next.change,
          hadSchema: latest !== undefined,
          changes: next.diff.changes.map((c) => ({ op: c.op, path: pathOfSteps(c.path), change: c.change, ...('type' in c ? { type: renderHiveType(c.type) } : {}) })),
        };
      } catch (e) {
        return nonRetryable(e);
      }
    },
  };
}

export type PreviewActivities = ReturnType<typeof createPreviewActivities>;
