// Column statistics over every record: a JSON-lines scan with statistics (taken by the typing
// scanner from the bytes) against the scan alone, on the mixed event stream, one core, best of several
// passes. `npx tsx bench/stats.ts [MB]` runs it alone (default 50 MB).
import { JsonLinesScanner } from '../schema/infer/jsonl';
import { mixedStream } from './grouping';
import { rng } from './corpus';
import { best } from './timing';

const CHUNK = 1 << 20;

function scan(bytes: Uint8Array, stats: boolean): void {
  const scanner = new JsonLinesScanner('stream.jsonl', { stats });
  for (let i = 0; i < bytes.length; i += CHUNK) scanner.push(bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
  scanner.end();
}

/**
 * Records whose string values are mostly identifying (e-mail, phone, IPv4/IPv6, card numbers) beside ids
 * and words: the worst case of the per-column pattern counting of identifying values, which the mixed stream, whose
 * strings are ids and words, only prefilters.
 */
function identifyingStream(bytes: number): Uint8Array {
  const r = rng(20191206);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const n = r.int(1_000_000);
    const line = JSON.stringify({
      id: `u${n}`,
      email: `user.${n}@example.com`,
      phone: `+82 10-${1000 + r.int(9000)}-${1000 + r.int(9000)}`,
      ip: r.next() < 0.8 ? `10.${r.int(256)}.${r.int(256)}.${r.int(256)}` : `fe80::${r.int(65536).toString(16)}`,
      card: '4111 1111 1111 1111',
      kind: r.pick(['signup', 'login', 'purchase']),
      at: 1_571_130_000_000 + i * 7,
    }) + '\n';
    lines.push(line);
    size += line.length;
  }
  return new TextEncoder().encode(lines.join(''));
}

export function statsBench(passes: number, megabytes = 50): { name: string; value: number; note: string }[] {
  const bytes = mixedStream(megabytes * 1e6);
  const plain = best(passes, () => scan(bytes, false));
  const withStats = best(passes, () => scan(bytes, true));
  const mb = bytes.length / 1e6;
  const identifying = identifyingStream(megabytes * 1e6);
  const idPlain = best(passes, () => scan(identifying, false));
  const idStats = best(passes, () => scan(identifying, true));
  const idMb = identifying.length / 1e6;
  console.log(`\ncolumn statistics over every record, best of ${passes} passes (one core)`);
  console.log(`  scan alone        ${(mb / plain).toFixed(0).padStart(6)} MB/s`);
  console.log(`  scan + statistics ${(mb / withStats).toFixed(0).padStart(6)} MB/s`);
  console.log(`identifying values in most strings (e-mail, phone, IP, card: pattern counting's worst case)`);
  console.log(`  scan alone        ${(idMb / idPlain).toFixed(0).padStart(6)} MB/s`);
  console.log(`  scan + statistics ${(idMb / idStats).toFixed(0).padStart(6)} MB/s`);
  return [
    { name: 'scan with statistics / scan alone', value: plain / withStats, note: 'throughput; statistics taken by the scanner from the bytes (no target)' },
    { name: 'same, identifying values in most strings', value: idPlain / idStats, note: 'throughput; every e-mail, phone, IP and card value checked and counted per column' },
  ];
}

if (require.main === module) statsBench(Number(process.env.BENCH_PASSES ?? 3), Number(process.argv[2] ?? 50));
