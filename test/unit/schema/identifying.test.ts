import { describe, expect, it } from 'vitest';
import { columnPath, columnsOf } from '../../../schema/fields';
import {
  bytePatterns, CHAR_CLASS, identifyingName, isMaskedColumn, luhn, nameWords, PATTERN_BIT, suggestTags, valuePatterns,
} from '../../../schema/identifying';
import { inferJsonLinesText } from '../../../schema/infer/jsonl';
import { columnPathsOfStats, columnStatsOf, StatsAccumulator, withoutValues } from '../../../schema/stats';
import { JsonLinesScanner } from '../../../schema/infer/jsonl';

const schemaOf = (...records: object[]) => inferJsonLinesText(records.map((r) => JSON.stringify(r)).join('\n'), { file: 'f' }).schema;

describe('column paths: one function from the keys of a record to the column people name', () => {
  it('maps E-Mail to e_mail, as tags, describe and the published table name it', () => {
    const schema = schemaOf({ 'E-Mail': 'a@example.com', id: 1 });
    expect(columnPath(schema, ['E-Mail'])).toBe('e_mail');
    expect(columnPath(schema, ['e-mail'])).toBe('e_mail'); // keys are one column whatever their case
    expect(columnPath(schema, ['e_mail'])).toBe('e_mail'); // a Hive name is taken as one
    expect(columnsOf(schema).map((c) => c.path)).toEqual(['e_mail', 'id']);
  });

  it('maps nested odd keys and keys inside arrays of objects, and nothing for keys the schema lacks', () => {
    const schema = schemaOf({ Contact: { 'Home Phone': '+1 555 0100', 'e.mail': 'b@example.com' }, items: [{ 'Card-No': '4111', sku: 'x' }] });
    expect(columnPath(schema, ['Contact', 'Home Phone'])).toBe('contact.home_phone');
    expect(columnPath(schema, ['Contact', 'e.mail'])).toBe('contact.e_mail');
    expect(columnPath(schema, ['items', 'Card-No'])).toBe('items[].card_no');
    expect(columnPath(schema, ['Contact', 'nope'])).toBeUndefined();
    expect(columnsOf(schema).map((c) => c.path)).toEqual(['contact', 'contact.home_phone', 'contact.e_mail', 'items', 'items[].card_no', 'items[].sku']);
  });

  it('keeps the name a collision gives: the key that is legal owns e_mail, E-Mail gets a suffixed name', () => {
    const schema = schemaOf({ 'E-Mail': 'a@example.com', e_mail: 'b@example.com' });
    expect(columnPath(schema, ['e_mail'])).toBe('e_mail');
    expect(columnPath(schema, ['E-Mail'])).toMatch(/^e_mail_[0-9a-f]{8}$/);
  });

  it('names statistics (kept by the keys as found) by column path', () => {
    const schema = schemaOf({ 'E-Mail': 'a@example.com', Contact: { 'e.mail': 'b@example.com', n: 1 } });
    const acc = new StatsAccumulator();
    acc.observe({ 'E-Mail': 'a@example.com', Contact: { 'e.mail': 'b@example.com', n: 1 } });
    const byStats = columnPathsOfStats(schema);
    expect(Object.keys(acc.toJSON().columns).map((p) => byStats.get(p))).toEqual(['contact.e_mail', 'contact.n', 'e_mail']);
  });

  it('masks a column and everything inside it', () => {
    const masked = new Set(['contact', 'items']);
    expect(isMaskedColumn(masked, 'contact.e_mail')).toBe(true);
    expect(isMaskedColumn(masked, 'items[].sku')).toBe(true);
    expect(isMaskedColumn(masked, 'contacts')).toBe(false);
    expect(isMaskedColumn(new Set(['e_mail']), 'e_mail')).toBe(true);
  });
});

describe('value patterns', () => {
  it('checks card numbers with Luhn', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(luhn('79927398713')).toBe(true);
    expect(luhn('')).toBe(false);
    expect(valuePatterns('4111 1111 1111 1111')).toBe(PATTERN_BIT.card);
    expect(valuePatterns('4111-1111-1111-1111')).toBe(PATTERN_BIT.card);
    expect(valuePatterns('4111 1111 1111 1112')).toBe(0);
    expect(valuePatterns('378282246310005') & PATTERN_BIT.card).toBe(PATTERN_BIT.card); // 15 digits (Amex)
  });

  it('finds e-mail addresses, not things with an @ that are not', () => {
    expect(valuePatterns('a.b+tag@example.co.kr')).toBe(PATTERN_BIT.email);
    expect(valuePatterns('A@EXAMPLE.COM')).toBe(PATTERN_BIT.email);
    expect(valuePatterns('@handle')).toBe(0);
    expect(valuePatterns('user@localhost')).toBe(0);
    expect(valuePatterns('a@b')).toBe(0);
    expect(valuePatterns('a@b@example.com')).toBe(0);
    expect(valuePatterns('a@-x.com')).toBe(0);
    expect(valuePatterns('a@example.com.')).toBe(0);
    expect(valuePatterns('é@example.com')).toBe(0);
  });

  it('finds phone numbers with a + or separators, not dates, decimals or bare ids', () => {
    for (const p of ['+821012345678', '+82 10-1234-5678', '(555) 123-4567', '555-123-4567', '555.123.4567', '010 1234 5678']) expect(valuePatterns(p), p).toBe(PATTERN_BIT.phone);
    for (const n of ['2019-10-15', '2019-10-15 20:00', '12345.678', '01012345678', '123456', '+12345', '1-2']) expect(valuePatterns(n), n).toBe(0);
  });

  it('finds IPv4 and IPv6 addresses, not times, versions with more parts or MAC addresses', () => {
    expect(valuePatterns('192.168.0.1')).toBe(PATTERN_BIT.ipv4);
    expect(valuePatterns('256.1.1.1')).toBe(0);
    expect(valuePatterns('10.01.0.1')).toBe(0);
    expect(valuePatterns('10.0.0.1')).toBe(PATTERN_BIT.ipv4);
    expect(valuePatterns('1.2.3.4.5')).toBe(0);
    for (const v6 of ['::1', '1::', 'fe80::1', '2001:db8:85a3::8a2e:370:7334', '2001:0db8:0000:0000:0000:ff00:0042:8329', '::ffff:10.0.0.1', '1:2:3:4:5:6:7::']) {
      expect(valuePatterns(v6), v6).toBe(PATTERN_BIT.ipv6);
    }
    for (const not of ['20:00:00', '12:34', 'aa:bb:cc:dd:ee:ff', '1::2::3', ':::', ':1:2', '1::2:', '1:2:3:4:5:6:7:8:9', '12345::1', '::ffff:10.0.0.256']) expect(valuePatterns(not), not).toBe(0);
  });

  it('gives the same from a value\'s bytes as from its string', () => {
    const values = ['a@example.com', '+82 10-1234-5678', '4111 1111 1111 1111', '10.0.0.1', 'fe80::1', 'hello', '555.123.4567', 'x@y', '2019-10-15'];
    const bytes = new TextEncoder().encode(`"${values.join('","')}"`);
    let at = 1;
    for (const v of values) {
      let classes = 0;
      for (let i = at; i < at + v.length; i++) classes |= CHAR_CLASS[bytes[i]!]!;
      expect(bytePatterns(bytes, at, at + v.length, classes), v).toBe(valuePatterns(v));
      at += v.length + 3;
    }
  });

  it('rejects ordinary text', () => {
    for (const s of ['hello world', 'purchase', 'b5a1c0e2-1f3d-4c6e-9a7b-0d2e4f6a8b1c', '', 'ab', 'x'.repeat(300), 'true', '42']) expect(valuePatterns(s), s).toBe(0);
  });

  it('counts matches per column while statistics are taken, from the bytes as from parsed records', () => {
    const lines = ['{"E-Mail":"a@example.com","ip":"10.0.0.1","n":"x"}', '{"E-Mail":"b@example.com","ip":"fe80::1"}', '{"E-Mail":"not an address"}'];
    const acc = new StatsAccumulator();
    for (const l of lines) acc.observe(JSON.parse(l));
    const scanner = new JsonLinesScanner('f', { stats: true });
    scanner.push(new TextEncoder().encode(lines.join('\n')));
    const scanned = scanner.end().stats!;
    expect(scanned).toEqual(acc.toJSON());
    expect(scanned.columns['e-mail']!.found).toEqual({ email: 2 });
    expect(scanned.columns.ip!.found).toEqual({ ipv4: 1, ipv6: 1 });
    expect(scanned.columns.n!.found).toBeUndefined();
    expect(columnStatsOf(scanned).find((c) => c.path === 'e-mail')).toMatchObject({ values: 3, found: { email: 2 } });
  });

  it('drops min and max of identifying columns from statistics', () => {
    const acc = new StatsAccumulator();
    acc.observe({ born: '1980-01-02', n: 1 });
    const s = withoutValues(acc.toJSON(), new Set(['born']));
    expect(s.columns.born!.min).toBeUndefined();
    expect(s.columns.n!.min).toBe(1);
  });
});

describe('name rules', () => {
  it('splits names into words at separators and camelCase', () => {
    expect(nameWords('E-Mail')).toEqual(['e', 'mail']);
    expect(nameWords('firstName')).toEqual(['first', 'name']);
    expect(nameWords('ip_address')).toEqual(['ip', 'address']);
  });

  it('matches identifying names, and leaves names that only contain the words alone', () => {
    const cases: [string, string | undefined][] = [
      ['email', 'email'], ['E-Mail', 'email'], ['e_mail', 'email'], ['userEmail', 'email'], ['mail', 'email'],
      ['phone', 'phone'], ['mobile', 'phone'], ['phone_number', 'phone'],
      ['name', 'name'], ['first_name', 'name'], ['lastName', 'name'], ['full_name', 'name'],
      ['ssn', 'ssn'], ['passport_no', 'passport'], ['ip', 'ip'], ['client_ip', 'ip'], ['ip_address', 'ip'],
      ['device_id', 'device id'], ['idfa', 'device id'], ['gaid', 'device id'], ['address', 'address'],
      ['birth_date', 'birth date'], ['dateOfBirth', 'birth date'], ['dob', 'birth date'],
      ['file_name', undefined], ['item_name', undefined], ['mail_count', undefined], ['zip', undefined], ['skip', undefined], ['shipping', undefined], ['event_type', undefined],
    ];
    for (const [name, rule] of cases) expect(identifyingName(name), name).toBe(rule);
  });
});

describe('tag suggestions', () => {
  it('suggests pii by name and by values, with the evidence people read', () => {
    const s = suggestTags([
      { path: 'e_mail', name: 'E-Mail', values: 1204, found: { email: 1180 } },
      { path: 'contact', name: 'contact', values: 10, found: { phone: 9 } },
      { path: 'note', name: 'note', values: 10, found: { email: 2 } },
      { path: 'kind', name: 'kind', values: 10 },
    ]);
    expect(s).toEqual([
      { path: 'e_mail', tag: 'pii', evidence: ["name matches 'email'", 'e-mail pattern in 98% of 1,204 values'] },
      { path: 'contact', tag: 'pii', evidence: ['phone pattern in 90% of 10 values'] },
    ]);
  });
});
