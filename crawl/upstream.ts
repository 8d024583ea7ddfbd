// Drift early warning: a topic's schema change, told to the lake source its records land in before the
// lake's own crawl sees it. Pure: which fields of a topic's new version matter to the lake (its value's,
// never the kafka_* metadata the lake does not carry), and which of them the lake's newest schema lacks.
//
// Topic and lake are matched by the records' own keys (case-folded, as a field's identity is), not by Hive
// names: each table gives a key the Hive name of its own sibling set, and the two sets differ.
import { KAFKA_COLUMNS } from './kafka';
import { renderHiveType, widensTo, type ChangeClass, type Field, type LakeType, type Schema, type SchemaChange } from '../schema';
import { fieldOfKey } from '../schema/fields';
import { pathOfSteps } from '../schema/visit';

/** One changed field of a topic's version, as the lake source it feeds is told of it. */
export interface UpstreamField {
  op: SchemaChange['op'];
  /** The topic's column path, as its diff lines name it (Hive names: `props.e_mail`, `items[].sku`). */
  path: string;
  /** The record's own keys along the path, with `[]`, `{}`, `{key}` where an array or map is passed. */
  keys: string[];
  /** Hive types before and after (for a rename: Hive names). */
  from?: string;
  to?: string;
  /** The field's type at the topic after the change; absent for a removal or a rename. */
  type?: LakeType;
  change: ChangeClass;
}

const STEPS = new Set(['[]', '{}', '{key}']);
const METADATA: ReadonlySet<string> = new Set(KAFKA_COLUMNS);

/**
 * The changes of a topic's version that concern the lake it lands in, read against the topic's schema
 * after the change (`schema`) for the records' own keys. Changes under the kafka_* metadata columns are
 * left out: the lake's records do not carry them.
 */
export function upstreamFields(schema: Schema, changes: readonly SchemaChange[]): UpstreamField[] {
  return changes
    .filter((c) => !METADATA.has(c.path[0] ?? ''))
    .map((c) => {
      const keys = walk(schema, c.path, (fields, step) => fields.find((f) => f.hiveName === step)).keys;
      const out: UpstreamField = { op: c.op, path: pathOfSteps(c.path), keys, change: c.change };
      switch (c.op) {
        case 'add-column':
        case 'add-nested-field':
          return { ...out, to: renderHiveType(c.type), type: c.type };
        case 'widen-type':
        case 'change-type':
          return { ...out, from: renderHiveType(c.from), to: renderHiveType(c.to), type: c.to };
        case 'rename-hive-column':
          return { ...out, from: c.from, to: c.to };
        default:
          return { ...out, from: renderHiveType(c.type) };
      }
    });
}

/** The class of a topic's change as the lake sees it: none when only metadata columns changed. */
export function upstreamChangeClass(fields: readonly UpstreamField[]): ChangeClass | 'none' {
  if (fields.length === 0) return 'none';
  return fields.some((f) => f.change === 'breaking') ? 'breaking' : 'additive';
}

/**
 * The fields the lake's newest schema has not caught up with: it lacks them, or holds them with a type
 * the topic's values do not fit in (the lake would widen or change it when the records land). Removals
 * and Hive renames are about the topic's own table and never pending: fields go away from no schema, and
 * each table names its columns itself.
 */
export function pendingFields(fields: readonly UpstreamField[], lake: Schema | undefined): UpstreamField[] {
  return fields.filter((f) => {
    if (f.type === undefined) return false;
    const held = lake ? walk(lake, f.keys, (siblings, key) => fieldOfKey(siblings, key)).type : undefined;
    return held === undefined || !widensTo(f.type, held);
  });
}

/** A changed field in one line for people: `amount changed from double to string`. */
export function describeUpstreamField(f: UpstreamField): string {
  const name = keysPath(f.keys);
  switch (f.op) {
    case 'add-column':
    case 'add-nested-field':
      return `${name} added (${f.to})`;
    case 'widen-type':
    case 'change-type':
      // a widening that falls back to string changes what the values mean: people read it as a change
      return `${name} ${f.change === 'additive' ? 'widened' : 'changed'} from ${f.from} to ${f.to}`;
    case 'rename-hive-column':
      return `${name} renamed in Hive from ${f.from} to ${f.to}`;
    default:
      return `${name} removed (was ${f.from})`;
  }
}

/** Keys as a path people read: dotted, with a key that is empty or holds a dot or a space quoted. */
export function keysPath(keys: readonly string[]): string {
  let out = '';
  for (const k of keys) {
    if (STEPS.has(k)) out += k;
    else out += (out === '' ? '' : '.') + (k === '' || /[.\s"]/.test(k) ? JSON.stringify(k) : k);
  }
  return out;
}

/** Follows `steps` into `schema` (a field found by `match` among siblings; `[]`, `{}`, `{key}` into arrays
 *  and maps): the records' keys along the way (a step's own text where the schema has no field), and the
 *  type reached, if the whole path is there. */
function walk(schema: Schema, steps: readonly string[], match: (fields: readonly Field[], step: string) => Field | undefined): { keys: string[]; type?: LakeType } {
  const keys: string[] = [];
  let type: LakeType | undefined = { kind: 'struct', fields: schema.columns };
  for (const step of steps) {
    if (STEPS.has(step)) {
      keys.push(step);
      if (step === '[]') type = type?.kind === 'array' ? type.element : undefined;
      else type = type?.kind === 'map' ? (step === '{}' ? type.value : type.key) : undefined;
      continue;
    }
    const field: Field | undefined = type?.kind === 'struct' ? match(type.fields, step) : undefined;
    keys.push(field?.name ?? step);
    type = field?.type;
  }
  return type === undefined ? { keys } : { keys, type };
}
