import { describe, expect, it } from 'vitest';
import { renderHiveType, toHiveColumns } from '../../../schema/hive';
import { lakeTypeOfPostgresColumn, postgresColumns } from '../../../schema/infer/postgres';

const hive = (data_type: string, udt_name: string, extra = {}) => renderHiveType(lakeTypeOfPostgresColumn({ data_type, udt_name, ...extra }));

describe('Postgres column catalog mapping', () => {
  it('maps integer, floating and boolean types', () => {
    expect(hive('smallint', 'int2')).toBe('int');
    expect(hive('integer', 'int4')).toBe('int');
    expect(hive('bigint', 'int8')).toBe('bigint');
    expect(hive('real', 'float4')).toBe('float');
    expect(hive('double precision', 'float8')).toBe('double');
    expect(hive('boolean', 'bool')).toBe('boolean');
  });
  it('maps numeric with precision to decimal, unbounded numeric to decimal(38,18), too-wide to double', () => {
    expect(hive('numeric', 'numeric', { numeric_precision: 12, numeric_scale: 2 })).toBe('decimal(12,2)');
    expect(hive('numeric', 'numeric', { numeric_precision: null })).toBe('decimal(38,18)');
    expect(hive('numeric', 'numeric', { numeric_precision: 60, numeric_scale: 0 })).toBe('double');
  });
  it('maps text-like, temporal, binary and document types', () => {
    expect(hive('character varying', 'varchar')).toBe('string');
    expect(hive('uuid', 'uuid')).toBe('string');
    expect(hive('jsonb', 'jsonb')).toBe('string');
    expect(hive('date', 'date')).toBe('date');
    expect(hive('timestamp with time zone', 'timestamptz')).toBe('timestamp');
    expect(hive('bytea', 'bytea')).toBe('binary');
    expect(hive('USER-DEFINED', 'mood_enum')).toBe('string');
    expect(hive('USER-DEFINED', 'hstore')).toBe('map<string,string>');
  });
  it('maps arrays from the element udt or the element type', () => {
    expect(hive('ARRAY', '_int8')).toBe('array<bigint>');
    expect(hive('ARRAY', '_text')).toBe('array<string>');
    expect(hive('ARRAY', '_numeric', { element_type: 'numeric' })).toBe('array<decimal(38,18)>');
  });
  it('builds table columns in catalog order with safe names', () => {
    const cols = postgresColumns(
      [
        { column_name: 'order', ordinal_position: 2, data_type: 'text', udt_name: 'text' },
        { column_name: 'id', ordinal_position: 1, data_type: 'bigint', udt_name: 'int8' },
      ],
      { file: 'pg://shop/public.orders' },
    );
    expect(toHiveColumns({ columns: cols })).toEqual([{ name: 'id', type: 'bigint' }, { name: 'order', type: 'string' }]);
  });
});
