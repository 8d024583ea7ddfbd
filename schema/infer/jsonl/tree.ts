// The type tree a JSON-lines scan builds: a mutable tree of nodes that scanned values are compared against
// by identity, object keys matched by their bytes (Slot: by position first, else by a hash of the bytes) so
// that a record of keys already seen, in any order, allocates nothing. Every change to a tree goes through TreeEdits, which keeps the undo log of the
// record being typed (a corrupt record's changes are undone in time linear in what it changed) and the
// field limits of the stream's tree. Widening itself always goes through `joinTypes` (lattice.ts).
import { canonicalFields, field } from '../../fields';
import { joinTypes } from '../../lattice';
import { fieldKey } from '../../names';
import { T, type Field, type LakeType, type Provenance } from '../../types';
import * as bytes from './bytes';
import { fieldLimitReason } from './bytes';
import type { PathLevel } from './grouping';

/**
 * The stream's tree remembers at most maxColumns × this many key spellings (bySpelling entries and
 * slots); past that a new spelling is matched by its decoded text each time, so that the case variants
 * of one key, all one column, cannot grow memory without bound.
 */
const SPELLINGS_PER_COLUMN = 4;

// Module-local copies: a property read through the CommonJS export getter on every use is measurable.
const NULL = T.null;
const bytesEqual = bytes.bytesEqual;
const keyHash = bytes.keyHash;
const QUOTE = bytes.QUOTE;

// Shapes the tree compares by identity; children live in TypeNode.element / TypeNode.struct.
export const ARRAY_SHAPE: LakeType = T.array(T.null);
export const STRUCT_SHAPE: LakeType = { kind: 'struct', fields: [] };

export class TypeNode {
  element: TypeNode | null = null;
  struct: StructNode | null = null;
  /** Facts this node showed as an array element (see Facts.idOf), and the last one. */
  facts: number[] | null = null;
  factCode = -1;
  factId = -1;
  /** Its column path for statistics (`props.name`), and that path's number in the scan's StatsLog (-1: not asked yet). */
  path = '';
  statsPath = -1;
  constructor(
    public type: LakeType,
    /** Line where this node's shape last changed. */
    public line: number,
  ) {}
}

export class FieldNode {
  constructor(
    public name: string,
    public position: number,
    public readonly node: TypeNode,
  ) {}
}

/** A key spelling last seen at a position, with its bytes for matching. */
export class Slot {
  /** Which key of `level` this spelling is (-1: none), for the PathLevel last asked about. */
  private level: PathLevel | null = null;
  private entry = -1;
  /**
   * Facts shown with this key (see Facts.idOf), and by position the last one there (number × 64 + code),
   * for positions below DENSE_FACT_POSITIONS; past them by (position × 64 + code) in a map, so that a
   * record of many keys does not give each key an array as long as its position. Grouped scans only.
   */
  facts: number[] | null = null;
  factAt: number[] | null = null;
  factFar: Map<number, number> | null = null;
  /** The record (RecordStats.stamp) whose statistics last took this key: a key seen twice in a record is a repeated key. */
  stamp = 0;
  /** Its bytes' hash (keyHash), and the next slot of its chain in StructNode's table. */
  readonly hash: number;
  next: Slot | null = null;
  /**
   * Its bytes and closing quote as little-endian 32-bit words, word w at byte min(4w, length - 3), so that
   * a key is matched four bytes at a time (empty for a key shorter than 3 bytes, matched byte by byte).
   */
  readonly words: readonly number[];
  /** Its length with the closing quote, and its first and last words (0 without words): most keys are matched by these two alone, without reaching into `words`. */
  readonly size: number;
  readonly first: number;
  readonly last: number;
  constructor(
    public readonly bytes: Uint8Array,
    public readonly field: FieldNode,
    public readonly spelling: string,
    /** The record (TreeEdits.typing) that made it: while that record is typed, where it is placed must be undone with it. */
    public readonly born: number,
  ) {
    this.hash = keyHash(bytes, 0, bytes.length);
    // (a plain array: cheaper to make than a typed one, for the 100,000 keys of a hostile record)
    const n = bytes.length + 1;
    const words: number[] = [];
    if (n >= 4) {
      for (let w = 0, k = Math.ceil(n / 4); w < k; w++) {
        const at = Math.min(4 * w, n - 4);
        let word = 0;
        for (let i = 3; i >= 0; i--) word = (word << 8) | (at + i < bytes.length ? bytes[at + i]! : QUOTE);
        words.push(word);
      }
    }
    this.words = words;
    this.size = n;
    this.first = words.length > 0 ? words[0]! : 0;
    this.last = words.length > 0 ? words[words.length - 1]! : 0;
  }

  entryIn(level: PathLevel): number {
    if (this.level !== level) {
      this.level = level;
      this.entry = level.keys.indexOf(this.spelling);
    }
    return this.entry;
  }
}

export class StructNode {
  /** The column path of its fields' parent ('' at the top). */
  constructor(readonly path = '') {}
  readonly byKey = new Map<string, FieldNode>();
  readonly bySpelling = new Map<string, FieldNode>();
  /** Every key spelling seen, with its bytes (keys without escapes only), in the order they came. */
  readonly spellings: Slot[] = [];
  /**
   * The same by the hash of their bytes, chained through Slot.next (at most half full): a key met away
   * from its usual position costs one hash of its bytes, however many keys the struct has.
   */
  private table: (Slot | null)[] = new Array<Slot | null>(8).fill(null);
  /** The spelling last seen at each position: the first guess for the next record. */
  readonly slots: (Slot | undefined)[] = [];

  /** The first slot of the chain of slots whose keyHash may be `hash` (follow Slot.next; compare hash and bytes). */
  chain(hash: number): Slot | null {
    return this.table[hash & (this.table.length - 1)] as Slot | null;
  }

  /** The slot whose bytes are buf[start, end), whose keyHash is `hash`; null if none. */
  findSlot(buf: Uint8Array, start: number, end: number, hash: number): Slot | null {
    const n = end - start;
    for (let slot = this.table[hash & (this.table.length - 1)] as Slot | null; slot !== null; slot = slot.next) {
      if (slot.hash !== hash) continue;
      const kb = slot.bytes;
      if (kb.length !== n) continue;
      let i = 0;
      while (i < n && buf[start + i] === kb[i]) i++;
      if (i === n) return slot;
    }
    return null;
  }

  addSlot(slot: Slot): void {
    this.spellings.push(slot);
    if (this.spellings.length * 2 > this.table.length) {
      this.table = new Array<Slot | null>(this.table.length * 2).fill(null);
      for (const known of this.spellings) this.link(known);
    } else this.link(slot);
  }

  /** Removes the slot added last (undo runs last-in first-out). */
  removeLastSlot(slot: Slot): void {
    this.spellings.splice(this.spellings.lastIndexOf(slot), 1);
    const at = slot.hash & (this.table.length - 1);
    if (this.table[at] === slot) this.table[at] = slot.next;
    else
      for (let s = this.table[at] as Slot | null; s !== null; s = s.next)
        if (s.next === slot) {
          s.next = slot.next;
          break;
        }
    slot.next = null;
  }

  private link(slot: Slot): void {
    const at = slot.hash & (this.table.length - 1);
    slot.next = this.table[at]!;
    this.table[at] = slot;
  }
}

/**
 * The changes a scan makes to its trees (the stream's, and when grouped each slice's), undoable for the
 * record being typed, and the limits of the stream's tree: slice trees take only records the stream
 * accepted, limits included.
 */
export class TreeEdits {
  private readonly undo: (() => void)[] = [];
  /** Fields in the stream's tree, and key spellings it remembers (bySpelling entries and slots), up to maxColumns × SPELLINGS_PER_COLUMN. */
  private columns = 0;
  private spellingsKept = 0;
  /** Their values before the record being typed (rollback restores them). */
  private columnsAtRecord = 0;
  private spellingsAtRecord = 0;
  private readonly keptKeyBytes = new Map<string, Uint8Array>();
  /** Whether the tree being typed is the stream's. */
  typingStream = true;
  /** Records typed so far, into any tree: which record made a Slot (Slot.born). */
  private typing = 0;
  /** Why the last lookupField gave no field. */
  fieldLimit = '';

  constructor(
    private readonly maxFieldsPerObject: number,
    private readonly maxColumns: number,
  ) {}

  startRecord(): void {
    this.typing++;
    this.columnsAtRecord = this.columns;
    this.spellingsAtRecord = this.spellingsKept;
  }

  /** The record is taken: its changes stay. */
  commit(): void {
    if (this.undo.length > 0) this.undo.length = 0;
  }

  /** The record is corrupt: its changes are undone. */
  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
    this.columns = this.columnsAtRecord;
    this.spellingsKept = this.spellingsAtRecord;
  }

  /** Widen `node` to hold a value of type `t` on `line` (the slow path: only when the type differs). */
  observe(node: TypeNode, t: LakeType, line: number): void {
    const old = node.type;
    const joined = joinTypes(old, t);
    if (joined === old || (joined.kind === 'decimal' && old.kind === 'decimal' && joined.precision === old.precision && joined.scale === old.scale))
      return;
    const { element, struct, line: was } = node;
    this.undo.push(() => {
      node.type = old;
      node.element = element;
      node.struct = struct;
      node.line = was;
    });
    node.type = joined;
    node.line = line;
    if (joined.kind === 'array') {
      node.element ??= new TypeNode(NULL, line);
    } else if (joined.kind === 'struct') {
      node.struct ??= new StructNode(node.path);
    } else {
      node.element = null;
      node.struct = null;
    }
  }

  /**
   * The field for a key not matched by its slot (`raw`: its bytes, null when escaped); creates it on first
   * sight (on `line`), unless that would pass maxFieldsPerObject or maxColumns in the stream's tree (then
   * undefined, the reason in fieldLimit).
   */
  lookupField(s: StructNode, index: number, spelling: string, raw: Uint8Array | null, line: number): FieldNode | undefined {
    let f = s.bySpelling.get(spelling);
    if (f === undefined) {
      const key = fieldKey(spelling);
      f = s.byKey.get(key);
      if (f === undefined) {
        if (this.typingStream && !this.admitField(s, spelling)) return undefined;
        const created = new FieldNode(spelling, index, new TypeNode(NULL, line));
        created.node.path = s.path === '' ? key : `${s.path}.${key}`;
        s.byKey.set(key, created);
        this.undo.push(() => s.byKey.delete(key));
        f = created;
      } else if (spelling < f.name) {
        const known = f;
        const old = known.name;
        known.name = spelling;
        this.undo.push(() => (known.name = old));
      }
      if (this.keepSpelling()) {
        s.bySpelling.set(spelling, f);
        this.undo.push(() => s.bySpelling.delete(spelling));
      }
    }
    if (index < f.position) this.moveField(f, index);
    if (raw !== null) {
      const slot = s.findSlot(raw, 0, raw.length, keyHash(raw, 0, raw.length));
      if (slot !== null) this.placeSlot(s, index, slot);
      else if (!this.keepSpelling()) s.slots[index] = undefined; // as for a key with escapes: matched by its text each time
      else {
        const created = new Slot(this.keyBytes(spelling, raw), f, spelling, this.typing);
        s.addSlot(created);
        s.slots[index] = created;
        this.undo.push(() => {
          s.removeLastSlot(created);
          if (s.slots[index] === created) s.slots[index] = undefined;
        });
      }
    } else s.slots[index] = undefined; // a key with escapes has no slot: the position then holds none (parseValueOfKey reads it)
    return f;
  }

  /**
   * Remembers `slot` as the guess for position `index` of `s`. Slots are a cache that rollback does not
   * restore, except that one made by the record being typed must not outlive it: its places are undone.
   */
  placeSlot(s: StructNode, index: number, slot: Slot): void {
    s.slots[index] = slot;
    if (slot.born === this.typing) this.undo.push(() => {
      if (s.slots[index] === slot) s.slots[index] = undefined;
    });
  }

  moveField(f: FieldNode, index: number): void {
    const old = f.position;
    f.position = index;
    this.undo.push(() => (f.position = old));
  }

  /** Whether a new field fits in `s` and in the schema (counted in `columns`); else the reason in fieldLimit. */
  private admitField(s: StructNode, spelling: string): boolean {
    if (s.byKey.size >= this.maxFieldsPerObject) {
      this.fieldLimit = fieldLimitReason(spelling, this.maxFieldsPerObject, true);
      return false;
    }
    if (this.columns >= this.maxColumns) {
      this.fieldLimit = fieldLimitReason(spelling, this.maxColumns, false);
      return false;
    }
    this.columns++;
    return true;
  }

  /** Whether to remember one more key spelling (slice trees: always; the stream's tree: up to its share per column). */
  private keepSpelling(): boolean {
    if (!this.typingStream) return true;
    if (this.spellingsKept >= this.maxColumns * SPELLINGS_PER_COLUMN) return false;
    this.spellingsKept++;
    return true;
  }

  /** A kept copy of a key's bytes, one per spelling (slice trees repeat the stream's keys). */
  private keyBytes(spelling: string, raw: Uint8Array): Uint8Array {
    const kept = this.keptKeyBytes.get(spelling);
    if (kept !== undefined && bytesEqual(kept, raw)) return kept;
    const copy = raw.slice();
    this.keptKeyBytes.set(spelling, copy);
    this.undo.push(kept === undefined ? () => this.keptKeyBytes.delete(spelling) : () => this.keptKeyBytes.set(spelling, kept));
    return copy;
  }
}

// ---- output ----------------------------------------------------------------------------------------

/** The schema fields of a tree, every field's provenance in `file`. */
export function fieldsOf(s: StructNode, file: string): Field[] {
  const fields: Field[] = [];
  for (const f of s.byKey.values()) fields.push(field(f.name, typeOf(f.node, file), f.position, provenanceOf(f.node, file)));
  return canonicalFields(fields);
}

function typeOf(node: TypeNode, file: string): LakeType {
  if (node.struct !== null) return { kind: 'struct', fields: fieldsOf(node.struct, file) };
  if (node.element !== null) return T.array(typeOf(node.element, file));
  return node.type;
}

/** The line that last changed this field's shape, looking through array elements (struct fields carry their own). */
function provenanceOf(node: TypeNode, file: string): Provenance {
  let line = node.line;
  for (let n = node.element; n !== null; n = n.element) line = Math.max(line, n.line);
  return { file, line };
}
