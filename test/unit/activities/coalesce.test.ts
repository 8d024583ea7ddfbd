// The batching behind revocations that end together: a request is answered by a run that started after it
// was made, requests waiting when a run starts share it, and one request's failure is its own.
import { describe, expect, it } from 'vitest';
import { Batches, sharedRuns } from '../../../activities/coalesce';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Batches', () => {
  it('runs the requests of one moment together, and those arriving meanwhile in the next run', async () => {
    const runs: number[][] = [];
    let release!: () => void;
    const batches = new Batches<number, number>(async (_key, requests) => {
      runs.push(requests);
      if (runs.length === 1) await new Promise<void>((r) => (release = r));
      return requests.map((value) => ({ value: value * 10 }));
    });
    const first = [1, 2, 3].map((n) => batches.add('t', n));
    await tick();
    const later = [4, 5].map((n) => batches.add('t', n)); // while the first run is under way
    await tick();
    expect(runs).toEqual([[1, 2, 3]]);
    release();
    expect(await Promise.all([...first, ...later])).toEqual([10, 20, 30, 40, 50]);
    expect(runs).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('keeps keys apart and fails only the request its run refused', async () => {
    const batches = new Batches<string, string>(async (key, requests) =>
      requests.map((r) => (r === 'bad' ? { error: new Error(`${key}: refused ${r}`) } : { value: `${key}:${r}` })),
    );
    const [a, bad, b] = [batches.add('x', 'a'), batches.add('x', 'bad'), batches.add('y', 'b')];
    expect(await a).toBe('x:a');
    await expect(bad).rejects.toThrow('x: refused bad');
    expect(await b).toBe('y:b');
  });

  it('fails every request of a run that throws, and runs again for later requests', async () => {
    let calls = 0;
    const batches = new Batches<number, number>(async (_key, requests) => {
      calls++;
      if (calls === 1) throw new Error('metastore down');
      return requests.map((value) => ({ value }));
    });
    const failed = [batches.add('t', 1), batches.add('t', 2)];
    for (const f of failed) await expect(f).rejects.toThrow('metastore down');
    expect(await batches.add('t', 3)).toBe(3);
  });
});

describe('sharedRuns', () => {
  it('shares one run among callers waiting when it starts; a caller arriving during it gets a fresh one', async () => {
    let version = 0;
    let release: (() => void) | undefined;
    const read = sharedRuns(async () => {
      const v = ++version;
      if (v === 1) await new Promise<void>((r) => (release = r));
      return v;
    });
    const early = [read('k'), read('k')];
    await tick();
    const late = read('k'); // the state it must see may have changed after the first run started
    release!();
    expect(await Promise.all(early)).toEqual([1, 1]);
    expect(await late).toBe(2);
  });
});
