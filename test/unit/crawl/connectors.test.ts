import { describe, expect, it } from 'vitest';
import { connectorOf, isConnected } from '../../../connectors';
import { InvalidSourceError, publishedTable, unpublishedReason, type Source, type SourceDefinition } from '../../../crawl/source';

const base = { schedule: 'nightly', targetDatabase: 'lake', targetTable: 't', options: {}, enabled: true };

describe('connectors', () => {
  it('gives each kind of source read by a crawl its own connector', () => {
    for (const kind of ['s3', 'postgres'] as const) {
      expect(isConnected(kind)).toBe(true);
      const def = kind === 's3'
        ? ({ ...base, name: 'a', kind, location: { bucket: 'b', prefix: '' }, format: 'auto', layout: { kind: 'hive' } } as SourceDefinition)
        : ({ ...base, name: 'a', kind, location: { secretRef: 'x', schema: 's', table: 't', cursorColumn: 'id' } } as SourceDefinition);
      expect(connectorOf(def).kind).toBe(kind);
    }
  });

  it('has no connector for a logical source, and says its stream is crawled', () => {
    expect(isConnected('logical')).toBe(false);
    const slice = { ...base, name: 'ev-a', kind: 'logical', location: { stream: 'ev', values: ['a'] } } as SourceDefinition;
    expect(() => connectorOf(slice)).toThrow(InvalidSourceError);
    expect(() => connectorOf(slice)).toThrow(/its stream ev is crawled/);
  });

  it('publishes an S3 source at its prefix, and a table source not at all', () => {
    const s3 = { ...base, id: 1, name: 'a', kind: 's3', location: { bucket: 'b', prefix: 'p/' }, format: 'csv', layout: { kind: 'hive' } } as const;
    expect(connectorOf(s3).lakeTable(s3)).toMatchObject({ location: 's3a://b/p/', format: 'csv' });
    const pg = { ...base, id: 2, name: 'b', kind: 'postgres', location: { secretRef: 'x', schema: 's', table: 't', cursorColumn: 'id' } } as const;
    expect(connectorOf(pg).lakeTable(pg)).toBeUndefined();
  });

  it('names a published table for a source exactly when its connector says where its rows sit in the lake', () => {
    const sources: Source[] = [
      { ...base, id: 1, name: 'a', kind: 's3', location: { bucket: 'b', prefix: 'p/' }, format: 'jsonl', layout: { kind: 'hive' } },
      { ...base, id: 2, name: 'b', kind: 'postgres', location: { secretRef: 'x', schema: 's', table: 't', cursorColumn: 'id' } },
      { ...base, id: 3, name: 'c', kind: 'kafka', location: { topic: 'events', landsIn: 'a' } },
    ];
    for (const s of sources) {
      const inLake = connectorOf(s).lakeTable(s) !== undefined;
      expect(publishedTable(s), s.kind).toBe(inLake ? 'lake.t' : undefined);
      expect(unpublishedReason(s) === undefined, s.kind).toBe(inLake);
    }
    expect(unpublishedReason(sources[2]!)).toMatch(/Kafka topic is catalogued where it lives/);
    const slice = { ...base, id: 4, name: 'ev-a', kind: 'logical', location: { stream: 'ev', values: ['a'] } } as Source;
    expect(publishedTable(slice)).toBe('lake.t');
  });

  it("reports a table source whose secret the worker does not hold, without reaching any database", async () => {
    const def = { ...base, name: 'b', kind: 'postgres', location: { secretRef: 'no-such-secret-here', schema: 's', table: 't', cursorColumn: 'id' } } as const;
    const problems = await connectorOf(def).check({ s3: undefined as never, s3Endpoint: '', kafkaBootstrap: '' }, def);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^location\.secretRef: /);
  });
});
