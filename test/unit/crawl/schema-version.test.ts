import { describe, expect, it } from 'vitest';
import { nextSchemaVersion } from '../../../crawl/schema-version';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';

const schemaOf = (...lines: string[]) => inferJsonLinesText(lines.join('\n'), { file: 'f' }).schema;
const names = (s: { columns: { name: string }[] }) => s.columns.map((c) => c.name);

describe('the next schema version', () => {
  it('writes version 1, initial, for a source that has none', () => {
    const next = nextSchemaVersion(undefined, schemaOf('{"a":1}'));
    expect(next).toMatchObject({ version: 1, change: 'initial', written: true });
    expect(names(next.schema)).toEqual(['a']);
  });

  it('writes nothing and keeps the version when the inference adds nothing', () => {
    const previous = { version: 4, schema: schemaOf('{"a":1,"b":"x"}') };
    const next = nextSchemaVersion(previous, schemaOf('{"a":2}'));
    expect(next).toMatchObject({ version: 4, change: 'none', written: false });
    expect(names(next.schema)).toEqual(['a', 'b']); // a field missing from new data stays
    expect(next.diff.changes).toEqual([]);
  });

  it('writes the following version, additive, for a new column', () => {
    const next = nextSchemaVersion({ version: 2, schema: schemaOf('{"a":1}') }, schemaOf('{"c":true}'));
    expect(next).toMatchObject({ version: 3, change: 'additive', written: true });
    expect(next.diff.changes.map((c) => c.op)).toEqual(['add-column']);
  });

  it('classifies a fall back to string as breaking', () => {
    const next = nextSchemaVersion({ version: 1, schema: schemaOf('{"a":1}') }, schemaOf('{"a":"x"}'));
    expect(next).toMatchObject({ version: 2, change: 'breaking', written: true });
  });
});
