// Calls that many activities make at the same moment (a day's grants ending at one instant) done once for
// all of them. A request is always answered by a run that started after it was made, so it sees every
// change its caller made before asking: requests that arrive while a run is under way wait for the next
// one, which takes them all.

export type Settled<R> = { value: R } | { error: unknown };

interface Lane<Q, R> {
  waiting: { request: Q; resolve: (r: R) => void; reject: (e: unknown) => void }[];
  draining: boolean;
}

/** Per key, runs `run` over every request waiting when it starts, one run at a time. `run` answers each
 *  request on its own (one may fail while the others succeed); a throw fails all of them. */
export class Batches<Q, R> {
  private readonly lanes = new Map<string, Lane<Q, R>>();

  constructor(private readonly run: (key: string, requests: Q[]) => Promise<Settled<R>[]>) {}

  add(key: string, request: Q): Promise<R> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { waiting: [], draining: false };
      this.lanes.set(key, lane);
    }
    const p = new Promise<R>((resolve, reject) => lane.waiting.push({ request, resolve, reject }));
    if (!lane.draining) {
      lane.draining = true;
      void this.drain(key, lane);
    }
    return p;
  }

  private async drain(key: string, lane: Lane<Q, R>): Promise<void> {
    // callers of the same moment (activities whose timers fired together) join the first run
    await new Promise((r) => setImmediate(r));
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0);
      try {
        const out = await this.run(key, batch.map((b) => b.request));
        batch.forEach((b, i) => {
          const s = out[i];
          if (!s) b.reject(new Error(`a batch of ${batch.length} answered ${out.length}`));
          else if ('error' in s) b.reject(s.error);
          else b.resolve(s.value);
        });
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    lane.draining = false;
    this.lanes.delete(key);
  }
}

/** Per key, one run of `fn` shared by every caller waiting when it starts. */
export function sharedRuns<R>(fn: (key: string) => Promise<R>): (key: string) => Promise<R> {
  const batches = new Batches<null, R>(async (key, requests) => {
    const value = await fn(key);
    return requests.map(() => ({ value }));
  });
  return (key) => batches.add(key, null);
}
