// The non-cryptographic hashes of the catalog. Their values are stored: name suffixes in slice, table and
// column names, and distinct-count sketches in statistics that later scans merge into. A changed value
// renames a table or miscounts a merged sketch, so test/unit/schema/hash.test.ts pins them. Pure.

/** 32-bit FNV-1a: offset basis and prime (for a caller that hashes bytes as it reads them). */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a state over the UTF-16 code units of `s` (a signed 32-bit integer). */
function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** 8 hex digits of FNV-1a over the UTF-16 code units: a name suffix, stable across runs and platforms. */
export function shortHash(s: string): string {
  return (fnv1a(s) >>> 0).toString(16).padStart(8, '0');
}

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser so short strings spread (sketches take its bits). */
export function hashString(s: string): number {
  return finalise(fnv1a(s));
}

/** The same over bytes (a value's bytes straight from a scan buffer: for ASCII, equal to hashString of its text). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return finalise(h);
}

/** The last step of hashString and hashBytes over an FNV-1a state. */
export function finalise(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 8 hex digits of a 31-multiplier hash (Java's String.hashCode, unsigned) over the first code unit of
 *  each code point: the suffix of long level-view names, which are published under it. */
export function levelViewSuffixHash(s: string): string {
  let h = 0;
  for (const c of s) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0');
}
