// Calls to the Temporal server that a worker makes at start, often right after the dev server started or
// restarted: its frontend may answer before the services behind it are ready, and a call then fails with
// UNAVAILABLE or runs out of time for a few seconds. Those are retried until a deadline; every other answer
// (not found, already exists, invalid) is the answer and is returned or thrown at once.
// gRPC status codes: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE
const TRANSIENT = new Set<number>([4, 8, 10, 14]);

/** The gRPC status code of an error or of the error it wraps (the client wraps them in ServiceError). */
function grpcCode(e: unknown): number | undefined {
  for (let cur = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; cur && depth < 5; cur = cur.cause as typeof cur, depth++) {
    if (typeof cur.code === 'number') return cur.code;
  }
  return undefined;
}

export function isTransientTemporalError(e: unknown): boolean {
  const code = grpcCode(e);
  return code !== undefined && TRANSIENT.has(code);
}

/** An error's message with the messages of the errors it wraps: "Failed to describe schedule" alone hides why. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  for (let cur = e as { message?: unknown; cause?: unknown } | undefined, depth = 0; cur && depth < 5; cur = cur.cause as typeof cur, depth++) {
    const m = typeof cur.message === 'string' ? cur.message : String(cur);
    if (!parts.includes(m)) parts.push(m);
  }
  return parts.join(': ');
}

export async function retryTransient<T>(what: string, call: () => Promise<T>, opts: { deadlineMs?: number; onRetry?: (e: unknown) => void } = {}): Promise<T> {
  const deadline = Date.now() + (opts.deadlineMs ?? 60_000);
  for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
    try {
      return await call();
    } catch (e) {
      if (!isTransientTemporalError(e) || Date.now() + delay > deadline) {
        if (isTransientTemporalError(e)) throw new Error(`${what}: the Temporal server did not become ready within ${Math.round((opts.deadlineMs ?? 60_000) / 1000)} s (${describeError(e)})`, { cause: e });
        throw e;
      }
      opts.onRetry?.(e);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
