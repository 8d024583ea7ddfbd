// Grouped scanning (option `discriminators`): records are split into slices by the values at a few field
// paths, and each slice gets exactly what an ungrouped scan of its own records gives. The bytes are read
// once, by the ungrouped scan of the stream, which also picks up the discriminator values (the last of
// duplicate keys, as in JSON.parse) and the record's facts: each key with its position and its value's
// type, each array element's type (class Facts). Facts are all an ungrouped scan takes from a record
// (types join, positions and names take the least, a line is kept only when a type changes), so a
// record whose facts its slice has all absorbed cannot change that slice and is only counted. The others
// (a slice's first records, new shapes, records with facts that are not tracked) wait as bytes and are
// typed into the slice's own tree by the same parse functions, in line order, at the end (or when too
// many bytes wait). Per record that costs a few flat-array reads: fact bits, one hash over the value
// tokens (then compared byte for byte), one row of counts. A corrupt line is counted in the slice whose
// values a loose read of it finds (the remainder when it breaks off before them).
import { MAX_CORRUPT_SAMPLES, type CorruptRecord } from '../../merge';
import { sliceKey, type DiscriminatorPath } from '../../slices';
import * as bytes from './bytes';
import * as grouping from './grouping';
import { Facts, PathLevel, PendingRecords, Slice, SliceCounts, SliceTokens } from './grouping';

// Module-local copies: a property read through the CommonJS export getter on every byte is measurable.
const NL = bytes.NL;
const QUOTE = bytes.QUOTE;
const BACKSLASH = bytes.BACKSLASH;
const isWs = bytes.isWs;
const utf8 = bytes.utf8;
const tokensHash = grouping.tokensHash;

/** What a record has at one discriminator path. */
const enum Found {
  Missing, // absent or null: the record goes to the remainder
  String,
  Literal, // number, true or false: keyed by its JSON text
  NonScalar, // object or array: the record goes to the remainder
}

export class Grouping {
  readonly paths: string[][];
  readonly top = new PathLevel();
  /** What the record being typed has at each discriminator path, and where its value token is. */
  readonly found: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** By number; the remainder is number 0. */
  readonly slices: Slice[] = [new Slice([])];
  readonly sliceNumbers = new Map<string, number>();
  readonly counts = new SliceCounts();
  readonly byTokens: SliceTokens;
  readonly facts = new Facts();
  readonly pending = new PendingRecords();
  /** By slice number: corrupt lines counted in it (see sliceOfCorruptLine) and their first samples. */
  readonly corrupt: number[] = [0];
  readonly corruptSamples: CorruptRecord[][] = [[]];

  constructor(discriminators: readonly DiscriminatorPath[]) {
    this.paths = discriminators.map((d) => (typeof d === 'string' ? [d] : [...d]));
    this.paths.forEach((path, d) => {
      if (path.length === 0 || path.some((k) => typeof k !== 'string')) throw new Error(`discriminator ${d + 1} must be a key or a non-empty path of keys`);
      let level = this.top;
      path.forEach((key, depth) => {
        const i = level.entry(key);
        level.under[i]!.push(d);
        if (depth === path.length - 1) level.leaves[i]!.push(d);
        else level = level.children[i] ??= new PathLevel();
      });
    });
    const n = this.paths.length;
    this.found = new Uint8Array(n);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.byTokens = new SliceTokens(n);
  }

  startRecord(): void {
    for (let d = 0; d < this.found.length; d++) this.found[d] = Found.Missing;
    this.facts.startRecord();
  }

  /** Key `entry` of `level` is seen again: JSON.parse keeps the last one, so forget what an earlier one said. */
  forget(level: PathLevel, entry: number): void {
    const under = level.under[entry]!;
    for (let u = 0; u < under.length; u++) this.found[under[u]!] = Found.Missing;
  }

  /** The value token buf[start, end) (first byte `first`) of key `entry` of `level`. */
  setValue(level: PathLevel, entry: number, first: number, start: number, end: number): void {
    const leaves = level.leaves[entry]!;
    if (leaves.length === 0) return;
    const kind = first === QUOTE ? Found.String : first === 0x7b || first === 0x5b ? Found.NonScalar : first === 0x6e ? Found.Missing : Found.Literal;
    for (let i = 0; i < leaves.length; i++) {
      const d = leaves[i]!;
      this.found[d] = kind;
      this.start[d] = start;
      this.end[d] = end;
    }
  }

  /** Counts a record of `slice` that showed `facts` (null: not all tracked); whether it may change the slice's tree, so must be typed into it. */
  countRecord(slice: number, facts: Facts | null): boolean {
    const counts = this.counts;
    counts.count(slice);
    if (facts === null) return true;
    if (counts.hasAbsorbed(slice, facts)) return false;
    counts.absorb(slice, facts);
    return true;
  }

  /** Counts a corrupt line in slice number `slice`. */
  countCorrupt(slice: number, sample: CorruptRecord): void {
    this.corrupt[slice]!++;
    const samples = this.corruptSamples[slice]!;
    if (samples.length < MAX_CORRUPT_SAMPLES) samples.push(sample);
  }

  /** The number of the slice of the record just typed in buf (`view` over it), from the discriminator values found (0: the remainder). */
  sliceOf(buf: Uint8Array, view: DataView): number {
    const n = this.paths.length;
    for (let d = 0; d < n; d++) {
      const kind = this.found[d]!;
      if (kind === Found.Missing || kind === Found.NonScalar) return 0;
    }
    const hash = tokensHash(buf, view, this.start, this.end, n);
    let slice = this.byTokens.find(hash, buf, view, this.start, this.end);
    if (slice < 0) {
      slice = this.sliceOfValues(buf);
      this.byTokens.add(hash, slice, buf, this.start, this.end);
    }
    return slice;
  }

  /**
   * The slice of a corrupt line (pos at its "{"): the one its discriminator values name when a loose read
   * finds them all before the line breaks off (the last of repeated keys it reaches), else the remainder.
   */
  sliceOfCorruptLine(buf: Uint8Array, view: DataView, pos: number): number {
    this.startRecord();
    this.findValues(buf, this.top, pos);
    return this.sliceOf(buf, view);
  }

  /**
   * The slice of the record just typed (not the remainder), from the discriminator values found. On a
   * corrupt line the loose read may find tokens JSON.parse rejects: the remainder then.
   */
  private sliceOfValues(buf: Uint8Array): number {
    let values: string[];
    try {
      values = this.paths.map((_, d) => valueText(buf, this.found[d] as Found, this.start[d]!, this.end[d]!));
    } catch {
      return 0;
    }
    const key = sliceKey(values);
    let number = this.sliceNumbers.get(key);
    if (number === undefined) {
      number = this.slices.push(new Slice(values)) - 1;
      this.sliceNumbers.set(key, number);
      this.counts.add(number);
      this.corrupt.push(0);
      this.corruptSamples.push([]);
    }
    return number;
  }

  // The loose pass: reads the discriminators inside an object the typed pass does not descend into (the
  // stream is string there). It does not validate (skipValue does, right after) and stops at the line's
  // "\n"; on a line JSON.parse rejects it may find anything, which does not matter: the record is corrupt.

  /** Reads the object at pos ("{") in buf for the keys of `level`; the position after it, or -1. */
  findValues(buf: Uint8Array, level: PathLevel, pos: number): number {
    let c = buf[++pos]!;
    while (isWs(c)) c = buf[++pos]!;
    if (c === 0x7d) return pos + 1;
    for (;;) {
      if (c !== QUOTE) return -1;
      const keyStart = pos + 1;
      let escaped = false;
      let p = keyStart;
      for (;;) {
        c = buf[p]!;
        if (c === QUOTE) break;
        if (c === NL) return -1;
        if (c === BACKSLASH) {
          escaped = true;
          if (buf[p + 1] === NL) return -1;
          p += 2;
        } else p++;
      }
      const k = pathEntry(buf, level, keyStart, p, escaped);
      pos = p + 1;
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c !== 0x3a) return -1;
      c = buf[++pos]!;
      while (isWs(c)) c = buf[++pos]!;
      const start = pos;
      if (k < 0) pos = skipLoose(buf, pos);
      else {
        this.forget(level, k);
        const child = level.children[k]!;
        pos = c === 0x7b && child !== null ? this.findValues(buf, child, pos) : skipLoose(buf, pos);
        if (pos >= 0) this.setValue(level, k, c, start, pos);
      }
      if (pos < 0) return -1;
      c = buf[pos]!;
      while (isWs(c)) c = buf[++pos]!;
      if (c === 0x2c) {
        c = buf[++pos]!;
        while (isWs(c)) c = buf[++pos]!;
        continue;
      }
      return c === 0x7d ? pos + 1 : -1;
    }
  }
}

/** A discriminator value as JSON.parse gives it: strings unescaped, numbers and literals as written; throws for a token it rejects. */
function valueText(buf: Uint8Array, kind: Found, start: number, end: number): string {
  const text = utf8.decode(buf.subarray(start, end));
  const value: unknown = JSON.parse(text);
  return kind === Found.String ? (value as string) : text;
}

/** Index of the key buf[start, end) among the level's keys, or -1. */
function pathEntry(buf: Uint8Array, level: PathLevel, start: number, end: number, escaped: boolean): number {
  const n = end - start;
  if (!escaped) {
    const all = level.keyBytes;
    for (let i = 0; i < all.length; i++) {
      const kb = all[i]!;
      if (kb.length !== n) continue;
      let j = 0;
      while (j < n && buf[start + j] === kb[j]) j++;
      if (j === n) return i;
    }
    return -1;
  }
  let key: string;
  try {
    key = JSON.parse(utf8.decode(buf.subarray(start - 1, end + 1))) as string;
  } catch {
    return -1; // a bad escape: the line is corrupt anyway
  }
  return level.keys.indexOf(key);
}

/** pos just after an opening quote; the position after the closing quote, or -1. */
function skipLooseString(buf: Uint8Array, pos: number): number {
  for (;;) {
    let c = buf[pos]!;
    while (c > BACKSLASH || (c !== QUOTE && c !== BACKSLASH && c !== NL)) c = buf[++pos]!;
    if (c === QUOTE) return pos + 1;
    if (c === NL || buf[pos + 1] === NL) return -1;
    pos += 2; // an escape
  }
}

/** Skips one value at pos without validating it; the position after it, or -1. */
function skipLoose(buf: Uint8Array, pos: number): number {
  let c = buf[pos]!;
  if (c === QUOTE) return skipLooseString(buf, pos + 1);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (;;) {
      if (c === QUOTE) {
        pos = skipLooseString(buf, pos + 1);
        if (pos < 0) return -1;
      } else {
        if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (--depth === 0) return pos + 1;
        } else if (c === NL) return -1;
        pos++;
      }
      c = buf[pos]!;
    }
  }
  // A number or literal: up to the next delimiter.
  while (c !== 0x2c && c !== 0x7d && c !== 0x5d && c !== NL && !isWs(c)) c = buf[++pos]!;
  return pos;
}
