import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SchemaAccumulator, inferJsonLinesText, mergeResults, shiftProvenanceLines, toHiveColumns, withoutProvenance } from '../../../schema';

describe('SchemaAccumulator', () => {
  it('merges records, JSON lines chunks and finished results into one JSON-serialisable result', async () => {
    const acc = new SchemaAccumulator();
    acc.addRecord({ id: 1n, name: 'a', at: new Date(0) }, { file: 'pg', line: 1 });
    acc.addRecord([1], { file: 'pg', line: 2 });
    await acc.addJsonLines([new TextEncoder().encode('{"id":2.5,"extra":[true]}\n')], { file: 'f.jsonl' });
    acc.addResult(inferJsonLinesText('{"name":{"first":"x"}}', { file: 'g.jsonl' }));
    const r = acc.result();
    expect(toHiveColumns(r.schema)).toEqual([
      { name: 'id', type: 'double' },
      { name: 'name', type: 'string' },
      { name: 'extra', type: 'array<boolean>' },
      { name: 'at', type: 'timestamp' },
    ]);
    expect(r.records).toBe(3);
    expect(r.corruptSamples).toEqual([{ file: 'pg', line: 2, reason: 'top-level value is an array, not an object' }]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('shifts provenance lines of a later slice of a file', () => {
    const first = inferJsonLinesText('{"a":1}\n{"a":2}', { file: 'f' });
    const second = inferJsonLinesText('{"a":1.5}', { file: 'f' });
    const merged = mergeResults(first, { ...second, schema: shiftProvenanceLines(second.schema, 'f', 2) });
    expect(merged.schema).toEqual(inferJsonLinesText('{"a":1}\n{"a":2}\n{"a":1.5}', { file: 'f' }).schema);
    expect(withoutProvenance(merged.schema)).toEqual(withoutProvenance(mergeResults(first, second).schema));
  });
});

describe('the schema core', () => {
  it('imports no I/O modules and nothing from adapters', () => {
    const root = join(__dirname, '../../../schema');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(root);
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'|require\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]);
      for (const spec of imports) expect([file, spec]).toEqual([file, expect.stringMatching(/^\.\.?\//)]);
      for (const spec of imports) expect(spec).not.toMatch(/adapters/);
    }
  });
});
