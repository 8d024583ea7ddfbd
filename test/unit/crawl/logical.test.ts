import { describe, expect, it } from 'vitest';
import { keyOfSlice, REMAINDER_KEY, sliceView, valuesOfRecord } from '../../../crawl/logical';
import { mergeSchemas, type Schema } from '../../../schema';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';

const schemaOf = (...records: object[]): Schema => inferJsonLinesText(records.map((r) => JSON.stringify(r)).join('\n'), { file: 'f.jsonl' }).schema;

describe('which slice a parsed record belongs to', () => {
  const ds = ['service', ['props', 'kind']];
  it('takes strings as they are and numbers and booleans as their JSON text', () => {
    expect(valuesOfRecord({ service: 'music', props: { kind: 'a' } }, ds)).toEqual(['music', 'a']);
    expect(valuesOfRecord({ service: 7, props: { kind: true } }, ds)).toEqual(['7', 'true']);
  });

  it('sends a record with a missing, null, object or array discriminator to the remainder', () => {
    for (const r of [{ service: 'x' }, { service: null, props: { kind: 'a' } }, { service: { a: 1 }, props: { kind: 'a' } }, { service: 'x', props: [1] }, null, 'text']) {
      expect(keyOfSlice(valuesOfRecord(r, ds))).toBe(REMAINDER_KEY);
    }
  });
});

describe('the view of a slice', () => {
  const music = schemaOf({ service: 'music', label: 'listen', from: 'u1', props: { track_id: 1, quality: 'hq' } });
  const shop = schemaOf({ service: 'shop', label: 'buy', from: 'u2', props: { price: 'x' } });
  const stream = mergeSchemas(music, shop);
  const base = { stream: { database: 'lake', table: 'events', schema: stream, partitionKeys: ['date_id', 'hour'] }, discriminators: ['service', 'label'], flatten: ['props'] };

  it('projects the slice own fields with props flattened, then the partition columns, filtered on its values', () => {
    const v = sliceView({ ...base, slice: music, values: ['music', 'listen'] })!;
    expect(v.columns.map((c) => c.name)).toEqual(['service', 'label', 'from', 'props_track_id', 'props_quality', 'date_id', 'hour']);
    expect(v.columns.find((c) => c.name === 'props_track_id')!.type).toBe('bigint');
    expect(v.sql).toBe(
      "SELECT `service`, `label`, `from`, `props`.`track_id` AS `props_track_id`, `props`.`quality` AS `props_quality`, `date_id`, `hour` FROM `lake`.`events` WHERE `service` = 'music' AND `label` = 'listen'",
    );
  });

  it('filters the remainder on a missing discriminator', () => {
    const other = schemaOf({ service: 'x', from: 'u' });
    expect(sliceView({ ...base, slice: other, values: null })!.sql).toContain('WHERE `service` IS NULL OR `label` IS NULL');
  });

  it('has no view while the stream table lacks a discriminator column', () => {
    expect(sliceView({ ...base, discriminators: ['service', 'elem'], slice: music, values: ['music', 'edge'] })).toBeUndefined();
  });

  it('compares a non-string discriminator as a string', () => {
    const s = schemaOf({ code: 7, v: 1 });
    expect(sliceView({ ...base, stream: { ...base.stream, schema: s }, slice: s, discriminators: ['code'], values: ['7'] })!.sql).toContain("CAST(`code` AS STRING) = '7'");
  });
});
