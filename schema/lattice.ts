// The type lattice: the ONE place that holds every widening rule (Spark's `compatibleType`, as far as Hive
// allows). `joinTypes` is the least upper bound; it is commutative, associative and idempotent
// (property-tested in test/unit/schema/lattice.test.ts).
//
//   null ⊂ anything
//   int ⊂ bigint ⊂ decimal ⊂ double        (int reads as decimal(10,0), bigint as decimal(20,0))
//   float ⊂ double                          (so int/bigint/decimal with float give double)
//   decimal(p1,s1) ∪ decimal(p2,s2) = decimal(max integer digits + max scale, max scale), or double past 38
//   date ⊂ timestamp
//   struct ∪ struct: fields merged by case-folded name, recursively; fields missing on one side stay
//   array ∪ array: elements joined;  map ∪ map: keys and values joined
//   anything else (boolean vs number, string vs array, struct vs scalar, ...) -> string
import { canonicalFields } from './fields';
import { fieldKey, preferredName } from './names';
import { mergeProvenance } from './provenance';
import { MAX_DECIMAL_PRECISION, T, type DecimalType, type Field, type LakeType } from './types';

export function joinTypes(a: LakeType, b: LakeType): LakeType {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'string' || b.kind === 'string') return T.string;

  if (a.kind === b.kind) {
    switch (a.kind) {
      case 'decimal':
        return joinDecimals(a, b as DecimalType);
      case 'array':
        return T.array(joinTypes(a.element, (b as typeof a).element));
      case 'map':
        return T.map(joinTypes(a.key, (b as typeof a).key), joinTypes(a.value, (b as typeof a).value));
      case 'struct':
        return { kind: 'struct', fields: joinFields(a.fields, (b as typeof a).fields) };
      default:
        return a;
    }
  }

  const da = exactAsDecimal(a);
  const db = exactAsDecimal(b);
  if (da && db) return a.kind === 'decimal' || b.kind === 'decimal' ? joinDecimals(da, db) : T.bigint; // int ∪ bigint
  if ((da || isFloating(a)) && (db || isFloating(b))) return T.double;
  if (isTemporal(a) && isTemporal(b)) return T.timestamp;
  return T.string;
}

/** Merge two sibling field lists: same key (case-folded name) means same field. */
export function joinFields(as: readonly Field[], bs: readonly Field[]): Field[] {
  const byKey = new Map<string, Field>();
  for (const f of as) byKey.set(fieldKey(f.name), f);
  for (const g of bs) {
    const key = fieldKey(g.name);
    const f = byKey.get(key);
    byKey.set(key, f ? joinField(f, g) : g);
  }
  return canonicalFields([...byKey.values()]);
}

function joinField(f: Field, g: Field): Field {
  const type = joinTypes(f.type, g.type);
  const merged: Field = {
    name: preferredName(f.name, g.name),
    hiveName: f.hiveName,
    type,
    position: Math.min(f.position, g.position),
  };
  const provenance = mergeProvenance(type, f.type, f.provenance, g.type, g.provenance);
  if (provenance) merged.provenance = provenance;
  return merged;
}

/** True when `to` can hold every value of `from` without going through string (i.e. a lattice step). */
export function widensTo(from: LakeType, to: LakeType): boolean {
  return sameType(joinTypes(from, to), to);
}

export function sameType(a: LakeType, b: LakeType): boolean {
  return JSON.stringify(typeIdentity(a)) === JSON.stringify(typeIdentity(b));
}

function typeIdentity(t: LakeType): unknown {
  switch (t.kind) {
    case 'struct':
      return ['struct', t.fields.map((f) => [fieldKey(f.name), typeIdentity(f.type)])];
    case 'array':
      return ['array', typeIdentity(t.element)];
    case 'map':
      return ['map', typeIdentity(t.key), typeIdentity(t.value)];
    case 'decimal':
      return ['decimal', t.precision, t.scale];
    default:
      return t.kind;
  }
}

function joinDecimals(a: DecimalType, b: DecimalType): LakeType {
  const scale = Math.max(a.scale, b.scale);
  const integerDigits = Math.max(a.precision - a.scale, b.precision - b.scale);
  const precision = integerDigits + scale;
  return precision > MAX_DECIMAL_PRECISION ? T.double : T.decimal(precision, scale);
}

/** Exact numbers seen as the decimal that holds them (Spark: IntegerType = decimal(10,0), LongType = decimal(20,0)). */
function exactAsDecimal(t: LakeType): DecimalType | undefined {
  if (t.kind === 'int') return T.decimal(10, 0);
  if (t.kind === 'bigint') return T.decimal(20, 0);
  if (t.kind === 'decimal') return t;
  return undefined;
}

function isFloating(t: LakeType): boolean {
  return t.kind === 'float' || t.kind === 'double';
}

function isTemporal(t: LakeType): boolean {
  return t.kind === 'date' || t.kind === 'timestamp';
}
