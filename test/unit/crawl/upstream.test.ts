import { describe, expect, it } from 'vitest';
import { nextSchemaVersion } from '../../../crawl/schema-version';
import { describeUpstreamField, keysPath, pendingFields, upstreamChangeClass, upstreamFields } from '../../../crawl/upstream';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';

const schemaOf = (...lines: string[]) => inferJsonLinesText(lines.join('\n'), { file: 'f' }).schema;
/** A topic's record: the metadata columns in front of the value's fields, as recordLine writes it. */
const message = (value: Record<string, unknown>, headers: Record<string, string> = {}) =>
  JSON.stringify({ kafka_key: 'k', kafka_headers: headers, kafka_timestamp: 1, kafka_partition: 0, kafka_offset: 7, ...value });

/** The topic's change from `before` to `after` records, as the merge decides it. */
function topicChange(before: string[], after: string[]) {
  const v1 = nextSchemaVersion(undefined, schemaOf(...before));
  const v2 = nextSchemaVersion({ version: 1, schema: v1.schema }, schemaOf(...after));
  return upstreamFields(v2.schema, v2.diff.changes);
}

describe("a topic's changes told to the lake it lands in", () => {
  it('keeps the value fields that changed, by the records own keys, and leaves out the kafka_* metadata', () => {
    const fields = topicChange(
      [message({ amount: 1.5, props: { ref: 'a' } }, { source: 'app' })],
      [message({ amount: '1.5 EUR', session_id: 's', props: { ref: 'a', '<script>': 'x' }, 'E-Mail': 'é@x' }, { source: 'app', trace: 't1' })],
    );
    expect(fields.map((f) => [f.op, keysPath(f.keys), f.change])).toEqual(
      expect.arrayContaining([
        ['widen-type', 'amount', 'breaking'],
        ['add-column', 'session_id', 'additive'],
        ['add-nested-field', 'props.<script>', 'additive'],
        ['add-column', 'E-Mail', 'additive'],
      ]),
    );
    expect(fields).toHaveLength(4); // the new header (kafka_headers.trace) is the topic's own
    expect(fields.find((f) => f.op === 'widen-type')).toMatchObject({ path: 'amount', from: 'double', to: 'string' });
    // the diff line's path is the Hive one; the keys are the record's
    const script = fields.find((f) => f.op === 'add-nested-field')!;
    expect(script.path).not.toContain('<');
    expect(upstreamChangeClass(fields)).toBe('breaking');
  });

  it('finds nothing for the lake when only metadata columns changed', () => {
    const fields = topicChange([message({ a: 1 })], [message({ a: 2 }, { trace: 'x' })]);
    expect(fields).toEqual([]);
    expect(upstreamChangeClass(fields)).toBe('none');
  });

  it('says which fields the lake has not seen: missing, or held with a type the values do not fit in', () => {
    const fields = topicChange([message({ amount: 1.5, n: 1 })], [message({ amount: 'x', n: 2.5, items: [{ sku: 's', 'Ünï': true }] })]);
    // the Hive type names the nested key by its Hive name (c__n_ for Ünï); the line names the column by its key
    const lakeBefore = schemaOf('{"amount":2.5,"n":3}');
    const pending = (lake: ReturnType<typeof schemaOf> | undefined) => pendingFields(fields, lake).map((f) => describeUpstreamField(f)).sort();
    expect(pending(lakeBefore)).toEqual(['amount changed from double to string', 'items added (array<struct<sku:string,c__n_:boolean>>)', 'n widened from bigint to double']);
    // a lake that never saw a record: everything is pending
    expect(pending(undefined)).toHaveLength(3);
    // the lake already holds wider types (n as double), and the records came with another case of the key
    expect(pending(schemaOf('{"AMOUNT":"1 EUR","n":0.5}'))).toEqual(['items added (array<struct<sku:string,c__n_:boolean>>)']);
    // items without their nested boolean: still pending, the lake would change
    expect(pending(schemaOf('{"amount":"1 EUR","n":0.5,"items":[{"sku":"s"}]}'))).toEqual(['items added (array<struct<sku:string,c__n_:boolean>>)']);
    expect(pending(schemaOf('{"amount":"1 EUR","n":0.5,"items":[{"sku":"s","ÜNÏ":false}]}'))).toEqual([]);
  });

  it('matches nested fields through arrays of objects, and empty or dotted keys', () => {
    const fields = topicChange([message({ items: [{ sku: 's' }] })], [message({ items: [{ sku: 's', qty: 1 }], '': 'e', 'a.b': null })]);
    expect(fields.map((f) => keysPath(f.keys)).sort()).toEqual(['""', '"a.b"', 'items[].qty']);
    expect(pendingFields(fields, schemaOf('{"items":[{"sku":"s","qty":2}],"":"x","a.b":"y"}'))).toEqual([]);
    expect(pendingFields(fields, schemaOf('{"items":[{"sku":"s"}]}')).map((f) => keysPath(f.keys)).sort()).toEqual(['""', '"a.b"', 'items[].qty']);
  });
});
