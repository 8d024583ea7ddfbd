import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { allTypesTable, parquetBytes } from './parquet-fixtures';

export const SEED_JSONL = '{"k1":"abc","k2":true}\n{"k2":true,"k3":"100"}\n{"k1":["def","ghi"],"k2":false,"k3":200}\n';

/** A temp dir with one file per supported input kind. */
export function writeSampleFiles(): { dir: string; files: Record<'jsonl' | 'gz' | 'csv' | 'tsv' | 'parquet' | 'corrupt', string>; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lake-infer-'));
  const files = {
    jsonl: join(dir, 'seed.jsonl'),
    gz: join(dir, 'events.ndjson.gz'),
    csv: join(dir, 'orders.csv'),
    tsv: join(dir, 'orders.tsv'),
    parquet: join(dir, 'all.parquet'),
    corrupt: join(dir, 'corrupt.json'),
  };
  writeFileSync(files.jsonl, SEED_JSONL);
  writeFileSync(files.gz, gzipSync('{"id":1,"tags":["a"]}\n{"id":2.5,"tags":[]}\n'));
  writeFileSync(files.csv, 'id,amount,note\n1,2.50,"a, b"\n2,3,\n');
  writeFileSync(files.tsv, 'id\tamount\n1\t2\n');
  writeFileSync(files.parquet, parquetBytes(allTypesTable()));
  writeFileSync(files.corrupt, '{"a":1}\n{"a":\n[]\n');
  return { dir, files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
