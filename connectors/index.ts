// The one registry of source kinds: a kind of source the crawl reads is here, and nowhere else.
import { InvalidSourceError, type Source, type SourceDefinition } from '../crawl/source';
import type { Connector } from './connector';
import { kafkaConnector } from './kafka';
import { postgresConnector } from './postgres';
import { s3Connector } from './s3';

export type { BatchResult, BatchSlice, Connector, ConnectorDeps, LakeTable, MergedRun, ObjectStats, PlannedCrawl, PlanRequest } from './connector';

const CONNECTORS = {
  s3: s3Connector,
  postgres: postgresConnector,
  kafka: kafkaConnector,
} as const;

/** A kind of source some connector reads (a logical source is read through its stream). */
export type ConnectedKind = keyof typeof CONNECTORS;

export function isConnected(kind: string): kind is ConnectedKind {
  return Object.hasOwn(CONNECTORS, kind);
}

/** The connector of a source (or definition); a logical source has none: its stream is crawled. */
export function connectorOf<S extends Source | SourceDefinition>(source: S): Connector<Extract<Source, { kind: S['kind'] }>> {
  if (!isConnected(source.kind)) {
    const stream = source.kind === 'logical' ? `: its stream ${(source.location as { stream: string }).stream} is crawled` : '';
    throw new InvalidSourceError(source.name, [{ field: 'kind', reason: `a ${source.kind} source is not read by any connector${stream}` }]);
  }
  return CONNECTORS[source.kind] as unknown as Connector<Extract<Source, { kind: S['kind'] }>>;
}
