import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { inferLocalFile, UnreadableInputError } from '../../../adapters/formats';

const dir = mkdtempSync(join(tmpdir(), 'lake-gzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, v: 'x'.repeat(40) })).join('\n') + '\n';

function file(name: string, body: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

describe('gzip that breaks off', () => {
  it('reads the records before bytes that are not gzip and reports the rest as one corrupt record', async () => {
    const p = file('trailing.json.gz', Buffer.concat([gzipSync(lines(0, 5000)), gzipSync(lines(5000, 5000)), Buffer.from('these bytes are not gzip')]));
    const r = await inferLocalFile(p);
    // zlib drops its last output chunk on the error: at most 16 KiB of text, ~300 of these records
    expect(r.records).toBeGreaterThan(10_000 - 400);
    expect(r.records).toBeLessThanOrEqual(10_000);
    expect(r.corruptSamples).toContainEqual({ file: p, line: 0, reason: expect.stringMatching(/^the gzip data is followed by bytes that are not gzip \(.*\) after \d+ decompressed bytes/) });
    // besides the break, at most the one line it cut in two
    expect(r.corruptRecords).toBeLessThanOrEqual(2);
  });

  it('reads the records of a gzip file cut short', async () => {
    const whole = gzipSync(lines(0, 5000));
    const p = file('cut.json.gz', whole.subarray(0, Math.floor(whole.length * 0.7)));
    const r = await inferLocalFile(p);
    expect(r.records).toBeGreaterThan(2000);
    expect(r.corruptSamples.some((c) => /^the gzip data is cut short/.test(c.reason))).toBe(true);
  });

  it('still refuses data that is not gzip from its first byte', async () => {
    const p = file('plain.json.gz', Buffer.from(lines(0, 3)));
    await expect(inferLocalFile(p)).rejects.toThrow(UnreadableInputError);
    await expect(inferLocalFile(p)).rejects.toThrow(/not valid gzip data/);
  });
});
