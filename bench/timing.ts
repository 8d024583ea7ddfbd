// Timing helpers the benchmarks share.

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** Best of `passes` timed runs after one warm-up run. */
export function best(passes: number, run: () => void): number {
  run();
  let min = Infinity;
  for (let i = 0; i < passes; i++) {
    const t = process.hrtime.bigint();
    run();
    min = Math.min(min, seconds(t));
  }
  return min;
}

/**
 * Best time of each run over `passes` rounds after a warm-up round, the runs taking turns within each
 * round, so that a neighbour busy for a while slows every side of a ratio alike. Also the best CPU time
 * of the process (every thread, so GC helpers count) for each run: on a shared machine a one-core ratio of
 * CPU times is steadier than one of wall times (it leaves out the time spent waiting for a core).
 */
export async function alternating<K extends string>(passes: number, runs: Record<K, () => unknown>): Promise<Record<K, number> & { cpu: Record<K, number> }> {
  const names = Object.keys(runs) as K[];
  for (const name of names) await runs[name]();
  const bestOf = Object.fromEntries(names.map((n) => [n, Infinity])) as Record<K, number>;
  const cpu = Object.fromEntries(names.map((n) => [n, Infinity])) as Record<K, number>;
  for (let i = 0; i < passes; i++) {
    for (const name of names) {
      const t = process.hrtime.bigint();
      const c = process.cpuUsage();
      await runs[name]();
      bestOf[name] = Math.min(bestOf[name], seconds(t));
      const used = process.cpuUsage(c);
      cpu[name] = Math.min(cpu[name], (used.user + used.system) / 1e6);
    }
  }
  return { ...bestOf, cpu };
}
