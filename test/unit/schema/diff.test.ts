import { describe, expect, it } from 'vitest';
import { diffSchemas, diffVersion } from '../../../schema/diff';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { mergeSchemas } from '../../../schema/merge';
import { renderHiveType } from '../../../schema/hive';
import { pathOfSteps } from '../../../schema/visit';

const schemaOf = (...lines: string[]) => inferJsonLinesText(lines.join('\n'), { file: 'f' }).schema;
const summary = (before: string, after: string) =>
  diffSchemas(schemaOf(before), mergeSchemas(schemaOf(before), schemaOf(after))).map((c) => {
    const detail = 'from' in c && typeof c.from !== 'string' ? `${renderHiveType(c.from)}->${renderHiveType(c.to as never)}` : 'type' in c ? renderHiveType(c.type) : '';
    return `${c.op} ${c.path.join('.')} ${detail} ${c.change}`;
  });

describe('schema diff', () => {
  it('reports a new column as an additive add-column', () => {
    expect(summary('{"a":1}', '{"b":"x"}')).toEqual(['add-column b string additive']);
  });
  it('reports a new nested field with its path, including through arrays', () => {
    expect(summary('{"o":{"p":1},"l":[{"x":1}]}', '{"o":{"q":true},"l":[{"y":2}]}')).toEqual([
      'add-nested-field o.q boolean additive',
      'add-nested-field l.[].y bigint additive',
    ]);
  });
  it('writes a change through arrays and maps with the same path describe, tags and provenance use', () => {
    const changes = diffSchemas(schemaOf('{"l":[{"x":1}],"m":[[1]]}'), schemaOf('{"l":[{"x":1,"y":2}],"m":[[1.5]]}'));
    expect(changes.map((c) => pathOfSteps(c.path))).toEqual(['l[].y', 'm[][]']);
    expect(pathOfSteps(['m', '{}', 'x'])).toBe('m{}.x');
    expect(pathOfSteps(['m', '{key}', 'k'])).toBe('m{key}.k');
  });
  it('classifies numeric widenings as additive', () => {
    expect(summary('{"a":1,"b":[1]}', '{"a":1.5,"b":[2.5]}')).toEqual(['widen-type a bigint->double additive', 'widen-type b.[] bigint->double additive']);
  });
  it('classifies a null-only field getting a type as additive', () => {
    expect(summary('{"a":null}', '{"a":{"p":1}}')).toEqual(['widen-type a string->struct<p:bigint> additive']);
  });
  it('classifies falling back to string as breaking', () => {
    expect(summary('{"a":{"p":1}}', '{"a":3}')).toEqual(['widen-type a struct<p:bigint>->string breaking']);
    expect(summary('{"a":true}', '{"a":3}')).toEqual(['widen-type a boolean->string breaking']);
  });
  it('classifies removed columns and non-widening changes as breaking', () => {
    const ops = diffSchemas(schemaOf('{"a":1.5,"b":1}'), schemaOf('{"a":1}')).map((c) => `${c.op} ${c.path.join('.')} ${c.change}`);
    expect(ops).toEqual(['change-type a breaking', 'remove-column b breaking']);
  });
  it('classifies a version: none when equal, additive, or breaking if any change is', () => {
    const v1 = schemaOf('{"a":1}');
    expect(diffVersion(undefined, v1)).toMatchObject({ change: 'additive', changes: [{ op: 'add-column', path: ['a'] }] });
    expect(diffVersion(v1, v1)).toEqual({ changes: [], change: 'none' });
    expect(diffVersion(v1, mergeSchemas(v1, schemaOf('{"a":"x","b":1}'))).change).toBe('breaking');
  });
});
