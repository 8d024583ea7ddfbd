import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeSampleFiles } from '../support/tmp-files';

// Property runs and child processes: allow for a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const LAKE = join(__dirname, '../../../cli/lake.js');
const sample = writeSampleFiles();
afterAll(() => sample.cleanup());

function lake(...args: string[]) {
  const r = spawnSync(process.execPath, [LAKE, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** --json must print exactly one JSON object with exactly the contract's keys. */
function json(...files: string[]) {
  const r = lake('infer', '--json', ...files);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(Object.keys(out)).toEqual(['columns', 'corruptRecords', 'corruptSamples', 'provenance']);
  return out as { columns: { name: string; type: string }[]; corruptRecords: number; corruptSamples: { file: string; line: number; reason: string }[]; provenance: Record<string, unknown> };
}

describe('lake infer', () => {
  it('prints the seed example schema as JSON for a JSONL file', () => {
    const out = json(sample.files.jsonl);
    expect(out.columns).toEqual([{ name: 'k1', type: 'string' }, { name: 'k2', type: 'boolean' }, { name: 'k3', type: 'string' }]);
    expect(out.corruptRecords).toBe(0);
    expect(out.provenance).toMatchObject({ k3: { file: sample.files.jsonl, line: 2 } });
  });
  it('reads gzipped JSONL', () => {
    expect(json(sample.files.gz).columns).toEqual([{ name: 'id', type: 'double' }, { name: 'tags', type: 'array<string>' }]);
  });
  it('reads CSV', () => {
    expect(json(sample.files.csv).columns).toEqual([{ name: 'id', type: 'bigint' }, { name: 'amount', type: 'double' }, { name: 'note', type: 'string' }]);
  });
  it('reads Parquet', () => {
    expect(json(sample.files.parquet).columns).toContainEqual({ name: 'items', type: 'array<struct<p:bigint,q:string>>' });
  });
  it('merges several files and reports corrupt records with exit code 0', () => {
    const out = json(sample.files.jsonl, sample.files.corrupt, sample.files.csv);
    expect(out.corruptRecords).toBe(2);
    expect(out.corruptSamples).toEqual([
      { file: sample.files.corrupt, line: 2, reason: 'Unexpected end of JSON input' },
      { file: sample.files.corrupt, line: 3, reason: 'top-level value is an array, not an object' },
    ]);
    expect(out.columns.map((c) => c.name)).toEqual(['a', 'id', 'k1', 'k2', 'amount', 'k3', 'note']);
  });
  it('honours --format over the extension', () => {
    // CSV in a file named as JSON lines: read by its name it is all corrupt lines, with --format csv a table
    const file = join(sample.dir, 'orders.jsonl');
    writeFileSync(file, 'id,amount\n1,10\n2,20\n');
    const byName = lake('infer', '--json', file);
    expect(byName.code).toBe(0);
    expect(JSON.parse(byName.stdout)).toMatchObject({ columns: [], corruptRecords: 3 });
    const forced = lake('infer', '--json', '--format', 'csv', file);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ columns: [{ name: 'id', type: 'bigint' }, { name: 'amount', type: 'bigint' }], corruptRecords: 0 });
  });
  it('prints a human-readable schema without --json', () => {
    const r = lake('infer', sample.files.jsonl);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 columns from 1 file: 3 records, 0 corrupt/);
    expect(r.stdout).toMatch(/k2\s+boolean/);
  });
  it('exits 2 with a message naming the file when an input is missing', () => {
    const missing = join(sample.dir, 'missing.jsonl');
    const r = lake('infer', '--json', sample.files.jsonl, missing);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cannot read ${missing}: no such file`);
  });
  it('exits 1 on bad usage', () => {
    expect(lake('infer').code).toBe(1);
    expect(lake('infer', '--format', 'xml', 'a').code).toBe(1);
  });
});
