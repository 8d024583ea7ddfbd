import { describe, expect, it } from 'vitest';
import { columnStats, maskRecord, pickSamples } from '../../../crawl/profile';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';

describe('column statistics', () => {
  it('counts nulls and missing fields as null, estimates distinct values, and orders numbers and dates', () => {
    const stats = Object.fromEntries(
      columnStats([
        { id: 1, when: '2019-10-15T20:00:00Z', props: { name: 'a' } },
        { id: 5, when: '2019-10-14T20:00:00Z', props: { name: null } },
        { id: 3, props: { name: 'a' } },
        { id: 3, when: null },
      ]).map((s) => [s.path, s]),
    );
    expect(stats.id).toMatchObject({ nullFraction: 0, distinctEstimate: 3, min: '1', max: '5', basisRecords: 4 });
    expect(stats.when).toMatchObject({ nullFraction: 0.5, min: '2019-10-14T20:00:00Z', max: '2019-10-15T20:00:00Z' });
    expect(stats['props.name']).toMatchObject({ nullFraction: 0.5, distinctEstimate: 1 });
    expect(stats['props.name'].min).toBeUndefined(); // plain strings have no meaningful min/max
  });
});

describe('samples', () => {
  it('spreads samples across partitions, newest first, at most the limit', () => {
    const rows = ['p=1/', 'p=2/', 'p=3/'].flatMap((partition) => [0, 1, 2, 3].map((i) => ({ partition, file: 'f', record: { i } })));
    const picked = pickSamples(rows, 5);
    expect(picked.map((r) => r.partition)).toEqual(['p=3/', 'p=2/', 'p=1/', 'p=3/', 'p=2/']);
  });

  it('masks identifying columns, nested ones too, keeping the record shape and nulls', () => {
    const record = { email: 'a@b', from: { id: 7, id_type: 'user' }, plan: null };
    const { schema } = inferJsonLinesText(JSON.stringify(record), { file: 'f' });
    const masked = maskRecord(record, schema, new Set(['email', 'from.id', 'plan']));
    expect(masked).toEqual({ email: '***', from: { id: '***', id_type: 'user' }, plan: null });
  });

  it('masks by column path whatever the keys Hive cannot hold: E-Mail is the column e_mail, at any depth and inside arrays', () => {
    const record = { 'E-Mail': 'a@example.com', Contact: { 'Home Phone': '+1 555 0100', 'e.mail': 'b@example.com' }, items: [{ 'Card-No': '4111111111111111', sku: 'x' }] };
    const { schema } = inferJsonLinesText(JSON.stringify(record), { file: 'f' });
    const masked = maskRecord(record, schema, new Set(['e_mail', 'contact.home_phone', 'contact.e_mail', 'items[].card_no']));
    expect(masked).toEqual({ 'E-Mail': '***', Contact: { 'Home Phone': '***', 'e.mail': '***' }, items: [{ 'Card-No': '***', sku: 'x' }] });
    expect(JSON.stringify(masked)).not.toMatch(/example\.com|555|4111/);
  });
});
