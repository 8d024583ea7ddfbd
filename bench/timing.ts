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
