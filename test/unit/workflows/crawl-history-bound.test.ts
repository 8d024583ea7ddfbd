// crawl/<source> against fake crawl activities: however many batches a crawl has, no run of its workflow
// holds more than HISTORY_BOUND events and what the batches in flight add; it continues as new on its own
// bound, well before the dev server's suggestion (4,096 events), and infers each batch once over the chain.
// LAKE_SAVE_HISTORIES=1 saves the short crawl's history (test/replay/histories/crawl-bounded-history.json).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../integration/setup';
import { historyToJsonText } from '../../support/histories';
import { HISTORY_BOUND } from '../../../workflows/crawl';
import { chainFacts } from '../../../bench/history-facts';
import { startWorkflowTestBed, type WorkflowTestBed } from './environment';

/** What a run adds past the bound: three batches still in flight and the closing steps, with their tasks. */
const SLACK = 100;
const inferred = new Map<number, number[]>(); // runId -> batch numbers
const plans = new Map<number, number>(); // runId -> batches
let nextRunId = 100;

const plan = (runId: number) => ({
  runId, sourceId: 's', sourceKind: 's3', format: 'jsonl', batches: plans.get(runId)!,
  counts: { added: plans.get(runId)!, changed: 0, deleted: 0, unchanged: 0, files: plans.get(runId)!, bytes: plans.get(runId)! },
});

const crawl = {
  async planCrawl(input: { sourceId: string }) {
    const runId = nextRunId++;
    plans.set(runId, Number(input.sourceId.split('-').pop()));
    inferred.set(runId, []);
    return plan(runId);
  },
  async describeRun(input: { runId: number }) {
    return plan(input.runId);
  },
  async inferBatch(input: { runId: number; batchNo: number }) {
    inferred.get(input.runId)!.push(input.batchNo);
    return { batchNo: input.batchNo, files: 1, bytesRead: 1, records: 1, corruptRecords: 0 };
  },
  async mergeCrawl() {
    return { schemaVersion: 1, change: 'initial', changes: 1, records: 1, corruptRecords: 0, partitions: 1 };
  },
  async publishSource() {
    return { database: 'd', table: 't', action: 'create', partitionsAdded: 0, partitionsDropped: 0 };
  },
  async finishCrawl(input: { runId: number }) {
    return { runId: input.runId, sourceId: 's', kind: 'crawl', counts: {}, merged: {}, published: {} };
  },
  async failCrawl() {},
};

describe('crawl/<source> keeps every run of its history bounded', () => {
  let bed: WorkflowTestBed;

  beforeAll(async () => {
    bed = await startWorkflowTestBed(uniqueName('test-crawl-bound'), crawl);
  }, 120_000);

  afterAll(async () => {
    await bed?.close();
  });

  const crawlOf = async (batches: number) => {
    const workflowId = `crawl/bounded-${batches}`;
    const handle = await bed.env.client.workflow.start('crawlSource', {
      taskQueue: bed.taskQueue,
      workflowId,
      args: [{ source: `bounded-${batches}`, inferenceTaskQueue: bed.taskQueue }],
    });
    const summary = (await handle.result()) as { runId: number };
    return { summary, facts: await chainFacts(bed.env.client, workflowId, handle.firstExecutionRunId), handle };
  };

  it('records the patch in a short crawl, which runs in one go', { timeout: 60_000 }, async () => {
    const { summary, facts, handle } = await crawlOf(6);
    expect(facts.runs).toBe(1);
    expect(inferred.get(summary.runId)!.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    const history = await handle.fetchHistory();
    const markers = (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_MARKER_RECORDED);
    const patchIds = markers.flatMap((e) => Object.values(e.markerRecordedEventAttributes!.details ?? {}).flatMap((d) => (d.payloads ?? []).map((p) => Buffer.from(p.data ?? []).toString())));
    expect(patchIds.some((id) => id.includes('crawl-bounded-history'))).toBe(true);
    if (process.env.LAKE_SAVE_HISTORIES) {
      writeFileSync(path.join(__dirname, '..', '..', 'replay', 'histories', 'crawl-bounded-history.json'), historyToJsonText(history));
    }
  });

  it(`continues as new past ${HISTORY_BOUND} events, each batch inferred once over the chain`, { timeout: 240_000 }, async () => {
    const batches = 700; // 4-6 events a batch: a history of ~2,700 events or more in one run without the bound
    const { summary, facts } = await crawlOf(batches);
    expect(facts.runs).toBeGreaterThanOrEqual(2);
    for (const events of facts.eventsPerRun) expect(events).toBeLessThanOrEqual(HISTORY_BOUND + SLACK);
    expect(facts.eventsPerRun[0]).toBeGreaterThanOrEqual(HISTORY_BOUND);
    expect(facts.largestPayload.bytes).toBeLessThan(4096);
    expect(inferred.get(summary.runId)!.sort((a, b) => a - b)).toEqual([...Array(batches).keys()]);
    expect(facts.activities).toMatchObject({ planCrawl: 1, inferBatch: batches, describeRun: facts.runs - 1, mergeCrawl: 1 });
  });
});
