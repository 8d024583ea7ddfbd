// Long-running workflows meet new code: every saved history (test/replay/histories/*.json) must replay
// against today's workflow code. A change that would make a running grant/<id> or crawl/<source> workflow
// take another path fails here; guard it with `patched()` instead. The crawl histories are a six-batch
// crawl run by the code before the sliding window of batches (crawl-waves.json, no patch marker: it must
// replay the waves) and after it (crawl-sliding-window.json); crawl-bounded-history.json is a six-batch
// crawl with the bound on its history (saved by crawl-history-bound.test.ts). Add a history with
//   LAKE_SAVE_HISTORIES=1 npx vitest run test/integration/governance.test.ts
// (the governance test saves grant-expiry-warned-expired-local.json, a grant ended by local activities)
// or `temporal workflow show -w <workflow id> --output json > test/replay/histories/<name>.json`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { historyFromJson } from '../../support/histories';

const DIR = path.join(__dirname, '..', '..', 'replay', 'histories');
// the worker's own bundle (workers/worker.ts bundles the same file), without loading the activities
const WORKFLOWS = path.join(__dirname, '..', '..', '..', 'workflows', 'index.ts');
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

describe('replaying saved workflow histories', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('replays every saved history with the current workflow code, without nondeterminism', { timeout: 120_000 }, async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJson(JSON.parse(readFileSync(path.join(DIR, f), 'utf8'))) }));
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quiet }), replayName: 'lake-catalog-replay' }, histories)) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
