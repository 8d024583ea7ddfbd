import { describe, expect, it } from 'vitest';
import { toHiveColumns } from '../../../schema/hive';
import { columnStatsOf } from '../../../schema/stats';
import { CsvScanner, detectDelimiter } from '../../../schema/infer/csv';
import type { CsvOptions } from '../../../schema/infer/csv';

function infer(text: string, options: CsvOptions = {}, chunkSize = Infinity) {
  const s = new CsvScanner('t.csv', options);
  const bytes = new TextEncoder().encode(text);
  const step = Math.min(chunkSize, bytes.length || 1);
  for (let i = 0; i < bytes.length; i += step) s.push(bytes.slice(i, i + step));
  return s.end();
}
const columns = (text: string, options: CsvOptions = {}) => toHiveColumns(infer(text, options).schema);

describe('CSV inference', () => {
  it('types columns as bigint, double, boolean, else string, with empty cells as null', () => {
    expect(columns('id,price,ok,name,empty\n1,2.5,true,ann,\n2,3,FALSE,bob,\n')).toEqual([
      { name: 'id', type: 'bigint' },
      { name: 'price', type: 'double' },
      { name: 'ok', type: 'boolean' },
      { name: 'name', type: 'string' },
      { name: 'empty', type: 'string' },
    ]);
  });

  it('keeps integers with leading zeros as strings and widens mixed columns', () => {
    expect(columns('zip,x\n01234,1\n12345,abc\n')).toEqual([{ name: 'zip', type: 'string' }, { name: 'x', type: 'string' }]);
  });

  it('reads RFC 4180 quoting: delimiters, newlines and doubled quotes inside quotes', () => {
    const r = infer('a,b,c\n"x, y","line1\nline2","say ""hi"""\n1,2,3\n');
    expect(r.records).toBe(2);
    expect(r.corruptRecords).toBe(0);
    expect(toHiveColumns(r.schema)).toEqual([{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }, { name: 'c', type: 'string' }]);
  });

  it('counts physical lines across quoted newlines when reporting corrupt rows', () => {
    const r = infer('a,b\n"multi\nline",1\n1,2,3\n');
    expect(r.corruptSamples).toEqual([{ file: 't.csv', line: 4, reason: 'expected 2 fields, found 3' }]);
  });

  it('reports ragged rows and broken quoting as corrupt records kept out of the schema', () => {
    const r = infer('a,b\n1,2\n3\n"x"y,4\n5,6\n"open,7');
    expect(r.records).toBe(2);
    expect(r.corruptRecords).toBe(3);
    expect(r.corruptSamples.map((c) => [c.line, c.reason])).toEqual([
      [3, 'expected 2 fields, found 1'],
      [4, 'unexpected character after closing quote'],
      [6, 'unterminated quoted field'],
    ]);
    expect(toHiveColumns(r.schema)).toEqual([{ name: 'a', type: 'bigint' }, { name: 'b', type: 'bigint' }]);
  });

  it('detects the delimiter among comma, tab, pipe and semicolon', () => {
    expect(detectDelimiter('a,b;c\n1,2;3\n')).toBe(',');
    expect(detectDelimiter('a\tb\tc\n1\t2\t3\n')).toBe('\t');
    expect(detectDelimiter('a|b|c\n1|2|3\n')).toBe('|');
    expect(detectDelimiter('a;b;c\n1,5;2,5;3\n')).toBe(';');
    expect(detectDelimiter('"x,y";b\n"1,2";3\n')).toBe(';');
    expect(columns('id;amount\n1;2.5\n')).toEqual([{ name: 'id', type: 'bigint' }, { name: 'amount', type: 'double' }]);
  });

  it('detects a header row when the rows below are typed or do not repeat it', () => {
    expect(columns('id,name\n1,ann\n').map((c) => c.name)).toEqual(['id', 'name']);
    expect(columns('name,city\nann,berlin\nbob,paris\n').map((c) => c.name)).toEqual(['name', 'city']);
  });

  it('names columns col1..colN when the first row is data', () => {
    expect(columns('1,ann\n2,bob\n')).toEqual([{ name: 'col1', type: 'bigint' }, { name: 'col2', type: 'string' }]);
    expect(columns('x,y\nx,z\n').map((c) => c.name)).toEqual(['col1', 'col2']);
  });

  it('honours forced header and delimiter options', () => {
    expect(columns('a|b\n1|2\n', { header: false, delimiter: '|' })).toEqual([{ name: 'col1', type: 'string' }, { name: 'col2', type: 'string' }]);
  });

  it('makes header names safe and distinct', () => {
    expect(columns('User Id,user id,select,1st\n1,2,3,4\n').map((c) => c.name)).toEqual(['user_id', 'user_id_2', 'select', 'c_1st']);
  });

  it('accepts CRLF rows and skips blank lines', () => {
    const r = infer('a,b\r\n1,2\r\n\r\n3,4\r\n');
    expect(r.records).toBe(2);
    expect(r.corruptRecords).toBe(0);
    expect(toHiveColumns(r.schema)).toEqual([{ name: 'a', type: 'bigint' }, { name: 'b', type: 'bigint' }]);
  });

  it('gives the same result however the bytes are chunked', () => {
    const text = 'a,b,c\n"x, ""y""",1,2024-01-01\n"multi\r\nline",2.5,\nbad\nz,3,2024-01-02\n';
    const whole = infer(text, { detectTemporal: true });
    for (let size = 1; size < 12; size++) expect(infer(text, { detectTemporal: true }, size)).toEqual(whole);
    expect(toHiveColumns(whole.schema)).toEqual([{ name: 'a', type: 'string' }, { name: 'b', type: 'double' }, { name: 'c', type: 'date' }]);
  });

  it('gives the same result for a large file fed in chunks as fed whole', () => {
    const rows = ['id,v'];
    for (let i = 0; i < 5000; i++) rows.push(`${i},${i % 7 === 0 ? '"q,' + i + '"' : i / 2}`);
    const text = rows.join('\n');
    expect(infer(text, {}, 1000)).toEqual(infer(text));
    expect(infer(text).records).toBe(5000);
  });
});

describe('CSV column statistics', () => {
  it('counts every record: empty cells are nulls, numbers give min/max, a header row is not a record', () => {
    const s = new CsvScanner('f.csv', { stats: true });
    s.push('Id,Amount,Note\n1,10.5,a\n2,,b\n3,-2,a\n');
    const r = s.end();
    expect(r.stats!.records).toBe(3);
    const byPath = Object.fromEntries(columnStatsOf(r.stats!).map((c) => [c.path, c]));
    expect(byPath.id).toMatchObject({ nullFraction: 0, distinctEstimate: 3, min: '1', max: '3' });
    expect(byPath.amount).toMatchObject({ min: '-2', max: '10.5' });
    expect(byPath.amount!.nullFraction).toBeCloseTo(1 / 3);
    expect(byPath.note).toMatchObject({ distinctEstimate: 2 });
    expect(new CsvScanner('f.csv').end().stats).toBeUndefined();
  });
});
