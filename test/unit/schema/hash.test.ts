import { describe, expect, it } from 'vitest';
import { FNV_OFFSET, FNV_PRIME, finalise, hashBytes, hashString, levelViewSuffixHash, shortHash } from '../../../schema/hash';
import { suffixedHiveName } from '../../../schema/names';
import { sliceName } from '../../../schema/slices';

// The values below are stored in catalogs (name suffixes, statistics sketches): they must never change.
describe('stored hashes', () => {
  it('gives the name suffixes slices and columns already carry', () => {
    expect(shortHash('')).toBe('811c9dc5');
    expect(shortHash('a')).toBe('e40c292c');
    expect(shortHash('user_id')).toBe('10a75cda');
    expect(shortHash('Straße 😀')).toBe('674d19a4'); // UTF-16 code units, not UTF-8 bytes
    expect(shortHash('["s","kakaomusic"]')).toBe('3356b852');
  });

  it('suffixes long column and slice names with those digits', () => {
    expect(suffixedHiveName('n', 'user_id')).toBe('n_10a75cda');
    expect(sliceName('s', ['x'.repeat(120)])).toBe(`s-${'x'.repeat(89)}_3bd27556`);
  });

  it('gives the values statistics sketches were built from', () => {
    expect(hashString('')).toBe(2872998923);
    expect(hashString('a')).toBe(444641715);
    expect(hashString('user_id')).toBe(1038902187);
    expect(hashString('Straße 😀')).toBe(2707464612);
    expect(hashString('true')).toBe(1715307617);
    expect(hashString('false')).toBe(4275523303);
  });

  it('hashes ASCII bytes as it hashes their text, and a state fed byte by byte as hashBytes does', () => {
    const bytes = new TextEncoder().encode('x{"abc"}');
    expect(hashBytes(bytes, 3, 6)).toBe(482950588);
    expect(hashBytes(bytes, 3, 6)).toBe(hashString('abc'));
    let h = FNV_OFFSET;
    for (let i = 3; i < 6; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
    expect(finalise(h)).toBe(hashBytes(bytes, 3, 6));
  });

  it('keeps the suffix of long level-view names, published as view names', () => {
    expect(levelViewSuffixHash('events_of_a_very_long_table_name')).toBe('72dc85d6');
    expect(levelViewSuffixHash('t\u{1F600}x')).toBe('001be34f'); // a code point beyond the BMP counts its first code unit
  });
});
