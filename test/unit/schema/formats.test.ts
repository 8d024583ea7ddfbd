import { describe, expect, it } from 'vitest';
import { formatOfConfigured, formatOfKey, formatOfName, isGzipMagic, isTabSeparated } from '../../../schema/formats';

describe('data formats', () => {
  it('reads the format from the extension of the last path segment only', () => {
    expect(formatOfName('dir.json/part-0')).toEqual({ format: undefined, gzip: false });
    expect(formatOfName('json')).toEqual({ format: undefined, gzip: false }); // a name without an extension has none
    expect(formatOfName('logs/a.TSV.GZ')).toEqual({ format: 'csv', gzip: true });
    expect(isTabSeparated('logs/a.TSV.GZ')).toBe(true);
  });

  it('names one format for a configured one, none for auto', () => {
    expect(formatOfConfigured('jsonl.gz')).toBe('jsonl');
    expect(formatOfConfigured('parquet')).toBe('parquet');
    expect(formatOfConfigured('auto')).toBeUndefined();
    expect(formatOfKey('p/part-00000.gz', 'parquet')).toEqual({ format: 'parquet', gzip: false });
  });

  it('knows gzip by its first two bytes', () => {
    expect(isGzipMagic(new Uint8Array([0x1f, 0x8b, 8]))).toBe(true);
    expect(isGzipMagic(new Uint8Array([0x1f]))).toBe(false);
    expect(isGzipMagic(new TextEncoder().encode('{"a":1}'))).toBe(false);
  });
});
