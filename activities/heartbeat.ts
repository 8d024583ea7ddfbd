// Activities of the I/O queue heartbeat while they run, whatever they do: a worker that dies mid-activity
// is then noticed within the workflow's heartbeat timeout (seconds), not its start-to-close timeout (many
// minutes), and a long listing, merge or publish is never mistaken for a dead one. The beat carries no
// details, so an activity that reports progress itself (inference) is not wrapped.
import { Context } from '@temporalio/activity';

/** How often a running activity heartbeats; well under the shortest heartbeat timeout a workflow sets. */
export const HEARTBEAT_EVERY_MS = 5_000;

/** How often an activity reporting progress passes it on. The SDK sends the server at most one beat per
 *  interval of its own (seconds) anyway, but converts every beat it is given: a reader reports after
 *  each chunk it reads, thousands of times a second. */
export const PROGRESS_EVERY_MS = 250;

type AnyActivity = (...args: never[]) => Promise<unknown>;

export function heartbeating<A extends Record<string, AnyActivity>>(activities: A): A {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      const context = Context.current();
      const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await fn(...args);
      } finally {
        clearInterval(timer);
      }
    };
  }
  return wrapped as A;
}

/** Heartbeats with progress details, at most every `everyMs` (the first at once). The details are
 *  copied: a reader may keep changing the object it reports. */
export function progressHeartbeat<P extends object>(
  context: Pick<Context, 'heartbeat'>,
  everyMs = PROGRESS_EVERY_MS,
  clock: () => number = () => performance.now(),
): (progress: P) => void {
  let last = -Infinity;
  return (progress) => {
    const now = clock();
    if (now - last < everyMs) return;
    last = now;
    context.heartbeat({ ...progress });
  };
}
