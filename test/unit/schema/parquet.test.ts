import { describe, expect, it } from 'vitest';
import { toHiveColumns } from '../../../schema/hive';
import { decodeParquetFooter, inferParquetFooter, parquetColumns, parquetFooterLength, ParquetFooterError } from '../../../schema/infer/parquet';
import type { SchemaElement } from '../../../schema/infer/parquet';
import { allTypesTable, parquetBytes } from '../support/parquet-fixtures';

/** The footer only: what the adapter reads from the end of a file. */
function footerOf(bytes: Uint8Array): Uint8Array {
  const length = parquetFooterLength(bytes.subarray(bytes.length - 8));
  return bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
}

describe('Parquet schema from the footer', () => {
  it('maps physical and logical types of a file written from Arrow', () => {
    const result = inferParquetFooter(footerOf(parquetBytes(allTypesTable())), { file: 'all.parquet' });
    expect(Object.fromEntries(toHiveColumns(result.schema).map((c) => [c.name, c.type]))).toEqual({
      flag: 'boolean',
      i8: 'int',
      i32: 'int',
      i64: 'bigint',
      u32: 'bigint',
      f32: 'float',
      f64: 'double',
      text: 'string',
      category: 'string', // dictionary-encoded UTF8
      blob: 'binary',
      amount: 'decimal(12,2)',
      day: 'date',
      ts_ms: 'timestamp',
      ts_us: 'timestamp',
      tags: 'array<string>',
      scores: 'array<bigint>',
      items: 'array<struct<p:bigint,q:string>>',
      point: 'struct<x:double,label:string>',
      attrs: 'map<string,int>',
      user_id: 'int',
    });
    expect(result.records).toBe(3);
    expect(result.schema.columns.find((c) => c.hiveName === 'user_id')?.name).toBe('User Id');
    expect(result.schema.columns[0]!.provenance).toEqual({ file: 'all.parquet' });
  });

  it('keeps declaration order of columns', () => {
    const names = toHiveColumns(inferParquetFooter(footerOf(parquetBytes(allTypesTable())), { file: 'f' }).schema).map((c) => c.name);
    expect(names.slice(0, 4)).toEqual(['flag', 'i8', 'i32', 'i64']);
  });

  it('reads only the footer: a file with its data pages zeroed gives the same schema', () => {
    const bytes = parquetBytes(allTypesTable());
    const footer = footerOf(bytes);
    const gutted = new Uint8Array(bytes.length);
    gutted.set(bytes.subarray(bytes.length - 8 - footer.length), bytes.length - 8 - footer.length);
    expect(inferParquetFooter(footerOf(gutted), { file: 'f' })).toEqual(inferParquetFooter(footer, { file: 'f' }));
  });

  it('rejects files without the PAR1 magic and encrypted footers', () => {
    expect(() => parquetFooterLength(new TextEncoder().encode('12345678'))).toThrow(ParquetFooterError);
    expect(() => parquetFooterLength(new Uint8Array([1, 0, 0, 0, 0x50, 0x41, 0x52, 0x45]))).toThrow(/encrypted/);
  });

  it('rejects a truncated footer with a clear error', () => {
    const footer = footerOf(parquetBytes(allTypesTable()));
    expect(() => decodeParquetFooter(footer.subarray(0, 40))).toThrow(ParquetFooterError);
  });

  it('maps legacy layouts and converted types', () => {
    const root: SchemaElement = { name: 'schema', numChildren: 8 };
    const elements: SchemaElement[] = [
      root,
      { name: 'legacy_ts', type: 3, repetition: 1 }, // INT96
      { name: 'u64', type: 2, repetition: 1, convertedType: 14 }, // UINT_64
      { name: 'fixed_dec', type: 7, repetition: 1, convertedType: 5, precision: 20, scale: 4 },
      { name: 'repeated_int', type: 1, repetition: 2 }, // repeated primitive, no LIST annotation
      { name: 'two_level', repetition: 1, convertedType: 3, numChildren: 1 },
      { name: 'array', type: 2, repetition: 2 }, // 2-level list of int64
      { name: 'old_map', repetition: 1, convertedType: 2, numChildren: 1 }, // MAP_KEY_VALUE
      { name: 'map', repetition: 2, numChildren: 2 },
      { name: 'key', type: 6, repetition: 0, convertedType: 0 },
      { name: 'value', type: 5, repetition: 1 },
      { name: 'json_text', type: 6, repetition: 1, convertedType: 19 },
      { name: 'enum_text', type: 6, repetition: 1, logical: { kind: 'ENUM' } },
    ];
    const cols = toHiveColumns({ columns: parquetColumns({ elements, numRows: 0, rowGroups: 0 }, 'f') });
    expect(Object.fromEntries(cols.map((c) => [c.name, c.type]))).toEqual({
      legacy_ts: 'timestamp',
      u64: 'decimal(20,0)',
      fixed_dec: 'decimal(20,4)',
      repeated_int: 'array<int>',
      two_level: 'array<bigint>',
      old_map: 'map<string,double>',
      json_text: 'string',
      enum_text: 'string',
    });
  });
});
