// crawl/<source> against fake crawl activities: the sliding window of inference batches. Batches take
// different times and batch 0 is held until the test lets it go, so a crawl that ran in waves of four
// would never get past batch 3 while it is held.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '../../integration/setup';
import { startWorkflowTestBed, type WorkflowTestBed } from './environment';

const WINDOW = 4;
const RUN_ID = 7;
// batch 0 is held; the others take these many ms
const TAKES = [0, 400, 900, 250, 700, 200, 500, 800, 300, 600, 350];
const BATCHES = TAKES.length;

interface Progress {
  step: string;
  batches: number;
  batchesDone: number;
  filesTotal: number;
  filesDone: number;
  bytesDone: number;
}

const batches = new Map<number, { start: number; end?: number }>();
const calls: { name: string; at: number }[] = [];
let inFlight = 0;
let mostInFlight = 0;
let releaseFirst!: () => void;
const firstReleased = new Promise<void>((r) => (releaseFirst = r));

const note = (name: string) => void calls.push({ name, at: Date.now() });

// by the names crawlSource calls through proxyActivities (the I/O and the inference queue)
const crawl = {
  async planCrawl(input: { sourceId: string }) {
    note('planCrawl');
    return { runId: RUN_ID, sourceId: input.sourceId, sourceKind: 's3', format: 'jsonl', batches: BATCHES, counts: { added: 2 * BATCHES, changed: 0, deleted: 0, unchanged: 0, files: 2 * BATCHES, bytes: 200 * BATCHES } };
  },
  async inferBatch(input: { runId: number; batchNo: number }) {
    note('inferBatch');
    const batch: { start: number; end?: number } = { start: Date.now() };
    batches.set(input.batchNo, batch);
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    try {
      if (input.batchNo === 0) await firstReleased;
      else await sleep(TAKES[input.batchNo]!);
    } finally {
      inFlight--;
      batch.end = Date.now();
    }
    return { batchNo: input.batchNo, files: 2, bytesRead: 200, records: 20, corruptRecords: 0 };
  },
  async mergeCrawl(input: { runId: number }) {
    note(`mergeCrawl ${input.runId}`);
    return { records: 20 * BATCHES };
  },
  async publishSource() {
    note('publishSource');
    return { published: true };
  },
  async finishCrawl(input: { runId: number }) {
    note('finishCrawl');
    return { runId: input.runId, sourceId: 'clicks', kind: 'crawl', counts: {}, merged: {}, published: {} };
  },
  async failCrawl() {
    note('failCrawl');
  },
};

describe('crawl/<source> infers its batches in a sliding window', () => {
  let bed: WorkflowTestBed;

  beforeAll(async () => {
    bed = await startWorkflowTestBed(uniqueName('test-crawl-window'), crawl);
  }, 120_000);

  afterAll(async () => {
    releaseFirst();
    await bed?.close();
  });

  it(`keeps at most ${WINDOW} batches running, starts the next as soon as one ends, merges once, and answers progress on the way`, { timeout: 60_000 }, async () => {
    const handle = await bed.env.client.workflow.start('crawlSource', {
      taskQueue: bed.taskQueue,
      workflowId: 'crawl/clicks',
      args: [{ sourceId: 'clicks', inferenceTaskQueue: bed.taskQueue }],
    });

    // every batch but the held one is done while it is held: no batch waited for a wave to finish
    const seen: Progress[] = [];
    const held = await waitFor('every batch but the held first one', async () => {
      const p = await handle.query<Progress>('progress');
      seen.push(p);
      return p.batchesDone === BATCHES - 1 ? p : undefined;
    });
    expect(batches.get(0)!.end).toBeUndefined();
    expect(held).toMatchObject({ step: 'inferring', batches: BATCHES, filesTotal: 2 * BATCHES, filesDone: 2 * (BATCHES - 1), bytesDone: 200 * (BATCHES - 1) });
    expect(calls.filter((c) => c.name.startsWith('mergeCrawl'))).toEqual([]);
    const done = seen.map((p) => p.batchesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    releaseFirst();
    await handle.result();

    expect(mostInFlight).toBe(WINDOW);
    // batch b (b >= WINDOW) takes the slot freed by the (b - WINDOW + 1)th batch to end, and at once
    const ends = [...batches.values()].map((b) => b.end!).sort((a, b) => a - b);
    for (let b = WINDOW; b < BATCHES; b++) {
      const freed = ends[b - WINDOW]!;
      expect(batches.get(b)!.start, `start of batch ${b}`).toBeGreaterThanOrEqual(freed);
      expect(batches.get(b)!.start - freed, `wait of batch ${b} for a free slot`).toBeLessThan(1_000);
    }
    // each batch once, then one merge of the run
    expect([...batches.keys()].sort((a, b) => a - b)).toEqual([...Array(BATCHES).keys()]);
    expect(calls.filter((c) => c.name === 'inferBatch')).toHaveLength(BATCHES);
    expect(calls.map((c) => c.name).filter((n) => n !== 'inferBatch')).toEqual(['planCrawl', `mergeCrawl ${RUN_ID}`, 'publishSource', 'finishCrawl']);
    expect(calls.find((c) => c.name.startsWith('mergeCrawl'))!.at).toBeGreaterThanOrEqual(Math.max(...ends));
    expect(await handle.query<Progress>('progress')).toMatchObject({ step: 'done', batches: BATCHES, batchesDone: BATCHES, filesDone: 2 * BATCHES });
  });
});
