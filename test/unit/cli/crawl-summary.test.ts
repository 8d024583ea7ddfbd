// `lake crawl`'s summary: a topic's crawl speaks of messages and offsets' ranges, and of what retention
// took before it was read; an S3 crawl of objects.
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../cli/commands/crawl';
import type { CrawlSummary } from '../../../crawl/run';

const base: CrawlSummary = {
  runId: 7, sourceId: 'events', kind: 'crawl',
  counts: { added: 110_000, changed: 0, deleted: 0, unchanged: 0, files: 4, bytes: 0 },
  merged: { schemaVersion: 2, change: 'additive', changes: 1, records: 109_990, corruptRecords: 10, partitions: 5 },
  published: { database: 'lake', table: 'events', action: 'none', partitionsAdded: 0, partitionsDropped: 0 },
};

describe('the summary of a crawl', () => {
  it('counts a topic in messages and ranges, and names messages lost to retention', () => {
    const text = formatSummary({ ...base, sourceKind: 'kafka', merged: { ...base.merged, agedOut: 1_500 } });
    expect(text).toContain('messages  110000 read in 4 range(s): 109990 record(s), 10 corrupt; 1500 aged out (retention) before they were read');
    expect(text).not.toContain('objects');
  });

  it('counts an S3 crawl in objects and bytes', () => {
    const text = formatSummary({ ...base, sourceKind: 's3', counts: { ...base.counts, bytes: 2_500_000 } });
    expect(text).toContain('objects   110000 new');
    expect(text).toContain('read      4 file(s), 2.5 MB');
  });
});
