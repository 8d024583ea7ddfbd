import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inferLocalFile, inferLocalFiles, UnreadableInputError } from '../../../adapters/formats';
import { formatOfName } from '../../../schema/formats';
import { toHiveColumns } from '../../../schema/hive';
import { withoutProvenance } from '../../../schema/provenance';
import { writeSampleFiles } from '../support/tmp-files';

const sample = writeSampleFiles();
afterAll(() => sample.cleanup());
const cols = async (path: string) => Object.fromEntries(toHiveColumns((await inferLocalFile(path)).schema).map((c) => [c.name, c.type]));

describe('local file adapters', () => {
  it('picks the format and compression from the file name', () => {
    expect(formatOfName('a/b.JSONL')).toEqual({ format: 'jsonl', gzip: false });
    expect(formatOfName('x.ndjson.gz')).toEqual({ format: 'jsonl', gzip: true });
    expect(formatOfName('x.json')).toEqual({ format: 'jsonl', gzip: false });
    expect(formatOfName('x.tsv')).toEqual({ format: 'csv', gzip: false });
    expect(formatOfName('x.parquet')).toEqual({ format: 'parquet', gzip: false });
    expect(formatOfName('x.txt').format).toBeUndefined();
  });
  it('reads gzipped JSON lines through a zlib stream', async () => {
    expect(await cols(sample.files.gz)).toEqual({ id: 'double', tags: 'array<string>' });
  });
  it('reads CSV and TSV', async () => {
    expect(await cols(sample.files.csv)).toEqual({ id: 'bigint', amount: 'double', note: 'string' });
    expect(await cols(sample.files.tsv)).toEqual({ id: 'bigint', amount: 'bigint' });
  });
  it('reads the Parquet schema from the footer', async () => {
    expect(await cols(sample.files.parquet)).toMatchObject({ amount: 'decimal(12,2)', attrs: 'map<string,int>' });
  });
  it('merges files into the same schema whatever their order', async () => {
    const files = [sample.files.jsonl, sample.files.gz, sample.files.csv, sample.files.corrupt];
    const a = await inferLocalFiles(files);
    const b = await inferLocalFiles([...files].reverse());
    expect(withoutProvenance(a.schema)).toEqual(withoutProvenance(b.schema));
    expect(a.corruptSamples).toEqual(b.corruptSamples);
  });
  it('fails with an error naming the file for missing, non-gzip and non-Parquet input', async () => {
    await expect(inferLocalFile(join(sample.dir, 'missing.jsonl'))).rejects.toThrow(/missing\.jsonl: no such file/);
    const fakeGz = join(sample.dir, 'fake.jsonl.gz');
    writeFileSync(fakeGz, 'not gzip at all');
    await expect(inferLocalFile(fakeGz)).rejects.toThrow(/fake\.jsonl\.gz: not valid gzip data/);
    const fakeParquet = join(sample.dir, 'fake.parquet');
    writeFileSync(fakeParquet, 'definitely not parquet');
    await expect(inferLocalFile(fakeParquet)).rejects.toBeInstanceOf(UnreadableInputError);
    await expect(inferLocalFile(sample.dir, { format: 'jsonl' })).rejects.toThrow(/is a directory/);
  });
});
