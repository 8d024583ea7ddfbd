// The building blocks of grouping (see grouped.ts): the discriminator paths as a tree of object levels,
// the facts a record shows, and flat tables of slices: by the tokens of their values, their record
// counts and absorbed facts, and the records waiting to be typed into their trees. Flat typed arrays,
// so that a record costs a few array reads however many slices there are.
import type { Slot, TypeNode } from './tree';
import { StructNode } from './tree';

/** One object level of the discriminator paths. */
export class PathLevel {
  readonly keys: string[] = [];
  readonly keyBytes: Uint8Array[] = [];
  /** Discriminators whose path ends at keys[i]. */
  readonly leaves: number[][] = [];
  /** Discriminators whose path goes through keys[i] (reset when the key repeats: the last one counts). */
  readonly under: number[][] = [];
  readonly children: (PathLevel | null)[] = [];

  entry(key: string): number {
    let i = this.keys.indexOf(key);
    if (i < 0) {
      i = this.keys.push(key) - 1;
      this.keyBytes.push(new TextEncoder().encode(key));
      this.leaves.push([]);
      this.under.push([]);
      this.children.push(null);
    }
    return i;
  }
}

/** Positions below this have their facts in Slot.factAt. */
const DENSE_FACT_POSITIONS = 256;

/** Past these, what a record shows is no longer tracked, and its record is typed again for its slice. */
const MAX_FACTS = 1 << 16;
/** Hashes are cut to 30 bits: small integers (no heap numbers). */
const SMALL_HASH = 0x3fffffff;
/** Bytes of records waiting for their slice trees (see PendingRecords). */
export const MAX_PENDING_BYTES = 1 << 25;
const MAX_SLICE_TOKENS = 1 << 20;
/** Record counts past this move from SliceCounts rows (Int32) to its overflow (doubles). */
const COUNT_LIMIT = 1 << 30;

/**
 * What records show, numbered: a fact is a key (its Slot: spelling and path) at a position with the
 * type code of its value, or an array element (its node) with the type code of its value. This is all an
 * ungrouped scan takes from a record (types join, positions and names take the least), so a record
 * whose every fact a slice has already absorbed changes nothing in that slice.
 */
export class Facts {
  private count = 0;
  /** The facts of the record being typed: a bit set by fact number, and which of its words are not zero. */
  bits = new Int32Array(4);
  words = new Int32Array(16);
  used = 0;

  startRecord(): void {
    for (let i = 0; i < this.used; i++) this.bits[this.words[i]!] = 0;
    this.used = 0;
  }

  /** The number of fact (index, code) of a subject whose facts are `known` ([index, code, number] triples, added to here); -1 past MAX_FACTS. */
  idOf(known: number[], index: number, code: number): number {
    for (let i = 0; i < known.length; i += 3) if (known[i] === index && known[i + 1] === code) return known[i + 2]!;
    const id = this.newId();
    if (id >= 0) known.push(index, code, id);
    return id;
  }

  /** A new fact number; -1 past MAX_FACTS. */
  private newId(): number {
    if (this.count === MAX_FACTS) return -1;
    const id = this.count++;
    if (id >>> 5 === this.bits.length) this.bits = grow(this.bits, (id >>> 5) + 1);
    return id;
  }

  /**
   * The record shows a key at position `index` whose value has type code `code` (slot undefined: a key
   * with escapes, which has no Slot); false when that is not tracked.
   */
  showKey(slot: Slot | undefined, index: number, code: number): boolean {
    if (slot === undefined) return false;
    if (index >= DENSE_FACT_POSITIONS) return this.showFarKey(slot, index * 64 + code);
    const last = slot.factAt?.[index];
    if (last !== undefined && (last & 63) === code) {
      this.show(last >> 6);
      return true;
    }
    const id = this.idOf((slot.facts ??= []), index, code);
    if (id < 0) return false;
    const factAt = (slot.factAt ??= []);
    while (factAt.length < index) factAt.push(-1);
    factAt[index] = id * 64 + code;
    this.show(id);
    return true;
  }

  /** showKey at a position past DENSE_FACT_POSITIONS; `key` is position × 64 + code. */
  private showFarKey(slot: Slot, key: number): boolean {
    const far = (slot.factFar ??= new Map());
    let id = far.get(key);
    if (id === undefined) {
      id = this.newId();
      if (id < 0) return false;
      far.set(key, id);
    }
    this.show(id);
    return true;
  }

  /** The record shows an array element whose value has type code `code`; false when that is not tracked. */
  showElement(node: TypeNode, code: number): boolean {
    if (node.factCode !== code) {
      node.factCode = code;
      node.factId = this.idOf((node.facts ??= []), -1, code);
    }
    if (node.factId < 0) return false;
    this.show(node.factId);
    return true;
  }

  /** The record shows fact `id`. */
  show(id: number): void {
    const word = id >>> 5;
    const old = this.bits[word]!;
    if (old === 0) {
      if (this.used === this.words.length) this.words = grow(this.words, this.used + 1);
      this.words[this.used++] = word;
    }
    this.bits[word] = old | (1 << (id & 31));
  }
}

/** A copy of `a` with room for at least `size` entries (at least twice as many). */
function grow(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(size, a.length * 2));
  grown.set(a);
  return grown;
}

/**
 * Slice numbers by the raw tokens of a record's discriminator values (equal bytes, same slice; other
 * bytes may still name the same slice, e.g. "a\u0062" and "ab"). One hash over all tokens, one probe, one
 * comparison, four bytes at a time. Entries: [slice number, offset in `bytes`, token lengths...].
 */
export class SliceTokens {
  private table = new Int32Array(1024);
  private entries: Int32Array<ArrayBuffer>;
  private bytes = new Uint8Array(1 << 12);
  private view = new DataView(this.bytes.buffer);
  private used = 0;
  private count = 0;
  private readonly stride: number;

  constructor(private readonly n: number) {
    this.stride = n + 2;
    this.entries = new Int32Array(64 * this.stride);
  }

  /** The slice number of the tokens buf[start[d], end[d]) (`view` over buf, `hash` from tokensHash), or -1. */
  find(hash: number, buf: Uint8Array, view: DataView, start: Int32Array, end: Int32Array): number {
    const table = this.table;
    const mask = table.length - 1;
    for (let i = hash & mask; table[i] !== 0; i = (i + 1) & mask) {
      const e = (table[i]! - 1) * this.stride;
      if (this.matches(e, buf, view, start, end)) return this.entries[e]!;
    }
    return -1;
  }

  private matches(e: number, buf: Uint8Array, view: DataView, start: Int32Array, end: Int32Array): boolean {
    const entries = this.entries;
    const n = this.n;
    for (let d = 0; d < n; d++) if (entries[e + 2 + d] !== end[d]! - start[d]!) return false;
    const kept = this.view;
    let b = entries[e + 1]!;
    for (let d = 0; d < n; d++) {
      const stop = end[d]!;
      let i = start[d]!;
      for (; i + 4 <= stop; i += 4, b += 4) if (view.getInt32(i, true) !== kept.getInt32(b, true)) return false;
      for (; i < stop; i++, b++) if (buf[i] !== this.bytes[b]) return false;
    }
    return true;
  }

  /** Remembers the tokens' slice (unless MAX_SLICE_TOKENS are kept). */
  add(hash: number, slice: number, buf: Uint8Array, start: Int32Array, end: Int32Array): void {
    if (this.count === MAX_SLICE_TOKENS) return;
    const n = this.n;
    let length = 0;
    for (let d = 0; d < n; d++) length += end[d]! - start[d]!;
    if (this.used + length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.used + length, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const e = this.count * this.stride;
    if (e + this.stride > this.entries.length) this.entries = grow(this.entries, e + this.stride);
    this.entries[e] = slice;
    this.entries[e + 1] = this.used;
    for (let d = 0; d < n; d++) {
      this.entries[e + 2 + d] = end[d]! - start[d]!;
      this.bytes.set(buf.subarray(start[d]!, end[d]!), this.used);
      this.used += end[d]! - start[d]!;
    }
    this.count++;
    if (this.count * 2 <= this.table.length) this.insert(hash, this.count);
    else this.rehash();
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    const start = new Int32Array(this.n);
    const end = new Int32Array(this.n);
    for (let k = 0; k < this.count; k++) {
      const e = k * this.stride;
      let at = this.entries[e + 1]!;
      for (let d = 0; d < this.n; d++) {
        start[d] = at;
        end[d] = at += this.entries[e + 2 + d]!;
      }
      this.insert(tokensHash(this.bytes, this.view, start, end, this.n), k + 1);
    }
  }

  private insert(hash: number, entry: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = hash & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = entry;
  }
}

/** A hash of n tokens bytes[start[d], end[d]) (`view` over bytes), four bytes at a time. */
export function tokensHash(bytes: Uint8Array, view: DataView, start: Int32Array, end: Int32Array, n: number): number {
  let h = n;
  for (let d = 0; d < n; d++) {
    const stop = end[d]!;
    let i = start[d]!;
    h = Math.imul(h ^ (stop - i), 0x9e3779b1);
    for (; i + 4 <= stop; i += 4) h = Math.imul(h ^ view.getInt32(i, true), 0x9e3779b1);
    if (i < stop) {
      let tail = 0;
      for (; i < stop; i++) tail = (tail << 8) | bytes[i]!;
      h = Math.imul(h ^ tail, 0x9e3779b1);
    }
  }
  return (h ^ (h >>> 15)) & SMALL_HASH;
}

/** One slice (or the remainder): the tree an ungrouped scan of its records builds. */
export class Slice {
  readonly root = new StructNode();
  constructor(readonly values: string[]) {}
}

/**
 * Per slice number a row of one flat array: how many records it has (up to COUNT_LIMIT, the rest in
 * `overflow`), then which facts it has absorbed (bits by fact number). So a record reads one short row
 * however many slices there are.
 */
export class SliceCounts {
  private rows = new Int32Array(16 * 2);
  private stride = 2;
  private overflow = new Float64Array(16);

  count(slice: number): void {
    const at = slice * this.stride;
    if (++this.rows[at] === COUNT_LIMIT) {
      this.overflow[slice] += COUNT_LIMIT;
      this.rows[at] = 0;
    }
  }

  records(slice: number): number {
    return this.overflow[slice]! + this.rows[slice * this.stride]!;
  }

  hasAbsorbed(slice: number, facts: Facts): boolean {
    const rows = this.rows;
    const width = this.stride - 1;
    const row = slice * this.stride + 1;
    const words = facts.words;
    for (let i = 0; i < facts.used; i++) {
      const word = words[i]!;
      if (word >= width || (facts.bits[word]! & ~rows[row + word]!) !== 0) return false;
    }
    return true;
  }

  absorb(slice: number, facts: Facts): void {
    const words = facts.words;
    let widest = 0;
    for (let i = 0; i < facts.used; i++) widest = Math.max(widest, words[i]! + 1);
    if (widest + 1 > this.stride) this.relayout(this.overflow.length, Math.max(widest + 1, this.stride * 2));
    const row = slice * this.stride + 1;
    for (let i = 0; i < facts.used; i++) this.rows[row + words[i]!] |= facts.bits[words[i]!]!;
  }

  /** Makes room for slice number `slice`. */
  add(slice: number): void {
    if (slice < this.overflow.length) return;
    const overflow = new Float64Array(this.overflow.length * 2);
    overflow.set(this.overflow);
    this.overflow = overflow;
    this.relayout(overflow.length, this.stride);
  }

  private relayout(slices: number, stride: number): void {
    const rows = new Int32Array(slices * stride);
    const old = this.stride;
    for (let s = 0; s * old < this.rows.length; s++) rows.set(this.rows.subarray(s * old, (s + 1) * old), s * stride);
    this.rows = rows;
    this.stride = stride;
  }
}

/**
 * Records a slice still has to take, in order: their slice number, line and bytes ("{" to its "\n").
 * Typing them into slice trees later (at the end, or when MAX_PENDING_BYTES wait) keeps building a
 * thousand small trees out of the scanning loop.
 */
export class PendingRecords {
  /** [slice, line, start, length] per record (doubles: lines may pass 2^31). */
  entries = new Float64Array(256);
  count = 0;
  bytes = new Uint8Array(1 << 16);
  used = 0;

  add(slice: number, line: number, buf: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.used + length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.used + length, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(buf.subarray(start, end), this.used);
    const e = 4 * this.count++;
    if (e + 4 > this.entries.length) {
      const grown = new Float64Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries[e] = slice;
    this.entries[e + 1] = line;
    this.entries[e + 2] = this.used;
    this.entries[e + 3] = length;
    this.used += length;
  }

  clear(): void {
    this.count = 0;
    this.used = 0;
    if (this.bytes.length > MAX_PENDING_BYTES) this.bytes = new Uint8Array(1 << 16);
  }
}
