import { describe, expect, it } from 'vitest';
import { blameFields } from '../../../schema/blame';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { mergeSchemas } from '../../../schema/merge';

const schemaOf = (file: string, ...lines: string[]) => inferJsonLinesText(lines.join('\n'), { file }).schema;

describe('blameFields', () => {
  it('blames nothing when there is no version', () => {
    expect(blameFields([])).toEqual([]);
  });

  it('blames every field of a single version on it, with the file and line that forced it', () => {
    const v1 = schemaOf('s3://b/<script>alert(1)</script>.json', '{"a":1}', '{"a":2,"o":{"p":"x"}}');
    expect(blameFields([{ version: 1, schema: v1, createdAt: '2026-01-01T00:00:00.000Z' }])).toEqual([
      { path: 'a', version: 1, createdAt: '2026-01-01T00:00:00.000Z', provenance: { file: 's3://b/<script>alert(1)</script>.json', line: 1 } },
      { path: 'o', version: 1, createdAt: '2026-01-01T00:00:00.000Z', provenance: { file: 's3://b/<script>alert(1)</script>.json', line: 2 } },
      { path: 'o.p', version: 1, createdAt: '2026-01-01T00:00:00.000Z', provenance: { file: 's3://b/<script>alert(1)</script>.json', line: 2 } },
    ]);
  });

  it('blames a field on the version that added it, with that version\'s file, nested fields and arrays included', () => {
    const v1 = schemaOf('one.json', '{"id":1}');
    const v2 = mergeSchemas(v1, schemaOf('two.json', '{"id":1}', '{"items":[{"sku":"x"}]}'));
    const v3 = mergeSchemas(v2, schemaOf('three.json', '{"items":[{"sku":"y","qty":2}]}'));
    const blame = blameFields([
      { version: 1, schema: v1 },
      { version: 2, schema: v2 },
      { version: 3, schema: v3 },
    ]);
    expect(blame.map((b) => [b.path, b.version, b.provenance?.file, b.provenance?.line])).toEqual([
      ['id', 1, 'one.json', 1],
      ['items', 2, 'two.json', 2],
      ['items[].sku', 2, 'two.json', 2],
      ['items[].qty', 3, 'three.json', 1],
    ]);
  });

  it('blames a field that appears, vanishes and returns on its return', () => {
    const withX = schemaOf('first.json', '{"id":1,"x":"a"}');
    const withoutX = schemaOf('second.json', '{"id":1}');
    const back = schemaOf('third.json', '{"id":1}', '{"x":"b"}');
    const blame = blameFields([
      { version: 1, schema: withX },
      { version: 2, schema: withoutX },
      { version: 3, schema: back },
    ]);
    expect(blame.find((b) => b.path === 'x')).toEqual({ path: 'x', version: 3, provenance: { file: 'third.json', line: 2 } });
    expect(blame.find((b) => b.path === 'id')?.version).toBe(1);
  });

  it('orders versions by number whatever order they arrive in, and gaps in numbering do not matter', () => {
    const a = schemaOf('a.json', '{"a":1}');
    const ab = mergeSchemas(a, schemaOf('b.json', '{"b":"é ünï <b>"}'));
    const blame = blameFields([
      { version: 7, schema: ab },
      { version: 2, schema: a },
    ]);
    expect(blame.map((b) => [b.path, b.version])).toEqual([
      ['a', 2],
      ['b', 7],
    ]);
  });

  it('blames unicode and hostile names by their Hive path', () => {
    const v1 = schemaOf('f.json', '{"\\"><img src=x onerror=alert(1)>":1,"ünï":"x"}');
    const paths = blameFields([{ version: 1, schema: v1 }]).map((b) => b.path);
    expect(paths).toHaveLength(2);
    expect(paths.every((p) => !p.includes('<'))).toBe(true);
  });
});
