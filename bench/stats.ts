// Column statistics over every record (issue 8): a JSON-lines scan with statistics (taken by the typing
// scanner from the bytes) against the scan alone, on the mixed event stream, one core, best of several
// passes. `npx tsx bench/stats.ts [MB]` runs it alone (default 50 MB).
import { JsonLinesScanner } from '../schema/infer/jsonl';
import { mixedStream } from './grouping';
import { best } from './timing';

const CHUNK = 1 << 20;

function scan(bytes: Uint8Array, stats: boolean): void {
  const scanner = new JsonLinesScanner('stream.jsonl', { stats });
  for (let i = 0; i < bytes.length; i += CHUNK) scanner.push(bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
  scanner.end();
}

export function statsBench(passes: number, megabytes = 50): { name: string; value: number; note: string }[] {
  const bytes = mixedStream(megabytes * 1e6);
  const plain = best(passes, () => scan(bytes, false));
  const withStats = best(passes, () => scan(bytes, true));
  const mb = bytes.length / 1e6;
  console.log(`\ncolumn statistics over every record, best of ${passes} passes (one core)`);
  console.log(`  scan alone        ${(mb / plain).toFixed(0).padStart(6)} MB/s`);
  console.log(`  scan + statistics ${(mb / withStats).toFixed(0).padStart(6)} MB/s`);
  return [{ name: 'scan with statistics / scan alone', value: plain / withStats, note: 'throughput; statistics taken by the scanner from the bytes (no target)' }];
}

if (require.main === module) statsBench(Number(process.env.BENCH_PASSES ?? 3), Number(process.argv[2] ?? 50));
