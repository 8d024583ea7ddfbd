// Typing values that are already JavaScript values (rows from a driver, records from an API). JSON
// text should go through the byte scanner in jsonl.ts instead: a JS number no longer says whether it
// was written `1` or `1.0`.
import { canonicalFields, field } from '../fields';
import { joinTypes } from '../lattice';
import { fieldKey, preferredName } from '../names';
import { T, type Field, type LakeType, type Provenance } from '../types';
import { integerLiteralType } from './literals';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function typeOfValue(v: unknown, provenance?: Provenance): LakeType {
  if (v === null || v === undefined) return T.null;
  switch (typeof v) {
    case 'boolean':
      return T.boolean;
    case 'number':
      return Number.isInteger(v) && Number.isSafeInteger(v) ? T.bigint : T.double;
    case 'bigint': {
      const digits = (v < 0n ? -v : v).toString().length;
      return integerLiteralType(digits, v >= INT64_MIN && v <= INT64_MAX);
    }
    case 'string':
      return T.string;
    case 'object':
      break;
    default:
      return T.string;
  }
  if (v instanceof Uint8Array) return T.binary;
  if (v instanceof Date) return T.timestamp;
  if (Array.isArray(v)) return T.array(v.reduce<LakeType>((t, x) => joinTypes(t, typeOfValue(x, provenance)), T.null));
  return { kind: 'struct', fields: fieldsOfObject(v as Record<string, unknown>, provenance) };
}

/** Fields of one object; keys differing only by case are one field. */
export function fieldsOfObject(o: Record<string, unknown>, provenance?: Provenance): Field[] {
  const byKey = new Map<string, Field>();
  Object.keys(o).forEach((name, position) => {
    const key = fieldKey(name);
    const f = field(name, typeOfValue(o[name], provenance), position, provenance);
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, name: preferredName(seen.name, name), type: joinTypes(seen.type, f.type) } : f);
  });
  return canonicalFields([...byKey.values()]);
}
