// fast-check generators for lake types, schemas and JSON lines, shared by the property tests.
import fc from 'fast-check';
import { canonicalFields, field } from '../../../schema/fields';
import { fieldKey } from '../../../schema/names';
import { T, type Field, type LakeType, type Schema } from '../../../schema/types';

const fieldNames = fc.constantFrom('a', 'b', 'userId', 'userid', 'USERID', 'x y', '1st', 'select', 'c.d', 'z');

export const provenance = fc.record({ file: fc.constantFrom('a.jsonl', 'b.jsonl', 'c.csv'), line: fc.integer({ min: 1, max: 50 }) });

export const scalarType: fc.Arbitrary<LakeType> = fc.oneof(
  fc.constantFrom(T.null, T.boolean, T.int, T.bigint, T.float, T.double, T.string, T.binary, T.date, T.timestamp),
  fc.integer({ min: 1, max: 38 }).chain((p) => fc.integer({ min: 0, max: p }).map((s) => T.decimal(p, s))),
);

export const lakeType: fc.Arbitrary<LakeType> = fc.letrec<{ type: LakeType }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarType,
    tie('type').map((e) => T.array(e)),
    fc.record({ k: scalarType, v: tie('type') }).map(({ k, v }) => T.map(k, v)),
    fieldsOf(tie('type')).map((fields): LakeType => ({ kind: 'struct', fields })),
  ),
})).type;

function fieldsOf(type: fc.Arbitrary<LakeType>): fc.Arbitrary<Field[]> {
  return fc
    .uniqueArray(
      fc.record({ name: fieldNames, type, position: fc.integer({ min: 0, max: 4 }), provenance }),
      { selector: (f) => fieldKey(f.name), maxLength: 4 },
    )
    .map((fs) => canonicalFields(fs.map((f) => field(f.name, f.type, f.position, f.provenance))));
}

export const schema: fc.Arbitrary<Schema> = fieldsOf(lakeType).map((columns) => ({ columns }));

/** JSON values whose numbers are written the ways the scanner must tell apart. */
const jsonNumberText = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.constantFrom('9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '1e5', '2.5', '-0.0', '0'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);

export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false'),
    jsonNumberText,
    fc.oneof(fc.string(), fc.constantFrom('2024-01-02', '2024-01-02T03:04:05Z')).map((s) => JSON.stringify(s)),
    fc.array(tie('value'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
    jsonObjectOf(tie('value')),
  ),
})).value;

function jsonObjectOf(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.oneof(fieldNames, fc.string({ maxLength: 3 })), value), { maxLength: 4 })
    .map((kvs) => `{${kvs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
}

/** A JSON lines document: mostly objects, some corrupt lines. */
export const jsonLines: fc.Arbitrary<string[]> = fc.array(
  fc.oneof({ weight: 8, arbitrary: jsonObjectOf(jsonText) }, { weight: 1, arbitrary: fc.constantFrom('[1,2]', '{"a":', '"x"', 'nul') }),
  { maxLength: 12 },
);

/**
 * Keys (as JSON texts) that a lookup by bytes could confuse: an escaped spelling of another key ("a\u0062"
 * is "ab"), keys equal in their first 8 bytes or more, pairs whose keyHash collides ("kbcdea" and
 * "jbcdei", "mbcdeq" and "lbcdey"), case variants of one column, non-ASCII, the empty key; and pairs of one
 * length that differ only in a byte that neither the first nor the last four bytes of key and quote hold
 * (byte 4 of 8-byte keys, byte 8 of 17-byte ones: only the words between tell them apart).
 */
export const TRICKY_KEYS = [
  '"ab"', '"a\\u0062"', '"abcdefgh1"', '"abcdefgh2"', '"abcdefghij"', '"abcdefgh"', '"kbcdea"', '"jbcdei"', '"mbcdeq"', '"lbcdey"',
  '"é"', '"\\u00e9"', '"😀"', '"中文"', '"a"', '"A"', '"userId"', '"USERID"', '""', '"a b"',
  '"abcd1fgh"', '"abcd2fgh"', '"abcdefgh1abcdefgh"', '"abcdefgh2abcdefgh"',
];

/**
 * JSON lines of records over one pool of keys, in one of the shapes of event data: every key in one order,
 * keys shuffled per record, or a random subset of them; now and then a key repeated in a record.
 */
export function shapedRecords(value: fc.Arbitrary<string>, keys: readonly string[] = TRICKY_KEYS): fc.Arbitrary<string[]> {
  return fc.tuple(fc.shuffledSubarray([...keys], { minLength: 1 }), fc.constantFrom('fixed', 'shuffled', 'sparse')).chain(([pool, shape]) =>
    fc.array(
      fc
        .tuple(
          shape === 'fixed' ? fc.constant(pool) : shape === 'shuffled' ? fc.shuffledSubarray(pool, { minLength: pool.length }) : fc.subarray(pool),
          fc.array(value, { minLength: pool.length, maxLength: pool.length }),
          fc.option(fc.constantFrom(...pool), { nil: undefined, freq: 8 }),
        )
        .map(([present, values, repeated]) => {
          const kvs = present.map((k, i) => `${k}:${values[i]}`);
          if (repeated !== undefined) kvs.push(`${repeated}:${values[0]}`);
          return `{${kvs.join(',')}}`;
        }),
      { maxLength: 15 },
    ),
  );
}
