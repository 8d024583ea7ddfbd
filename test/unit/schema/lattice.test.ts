import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { field } from '../../../schema/fields';
import { joinTypes, widensTo } from '../../../schema/lattice';
import { withoutProvenance } from '../../../schema/provenance';
import { T, type LakeType } from '../../../schema/types';
import { renderHiveType } from '../../../schema/hive';
import { lakeType } from './arbitraries';

// Property runs and child processes: allow for a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const hive = (t: LakeType) => renderHiveType(t);
const join = (a: LakeType, b: LakeType) => hive(joinTypes(a, b));
const struct = (...fs: [string, LakeType][]): LakeType => ({ kind: 'struct', fields: fs.map(([n, t], i) => field(n, t, i)) });
/** Types compared without provenance. */
const plain = (t: LakeType) => withoutProvenance({ columns: [field('x', t, 0)] });

describe('type lattice widening rules', () => {
  it('widens int and bigint to bigint', () => expect(join(T.int, T.bigint)).toBe('bigint'));
  it('widens bigint and decimal to a decimal holding 20 integer digits', () => expect(join(T.bigint, T.decimal(10, 2))).toBe('decimal(22,2)'));
  it('widens int and decimal to a decimal holding 10 integer digits', () => expect(join(T.int, T.decimal(5, 3))).toBe('decimal(13,3)'));
  it('widens two decimals to max integer digits plus max scale', () => expect(join(T.decimal(10, 2), T.decimal(6, 4))).toBe('decimal(12,4)'));
  it('widens decimals needing more than 38 digits to double', () => expect(join(T.decimal(38, 0), T.decimal(38, 10))).toBe('double'));
  it('widens bigint and double to double', () => expect(join(T.bigint, T.double)).toBe('double'));
  it('widens decimal and double to double', () => expect(join(T.decimal(12, 2), T.double)).toBe('double'));
  it('widens float and double to double', () => expect(join(T.float, T.double)).toBe('double'));
  it('widens int and float to double (a float cannot hold every int)', () => expect(join(T.int, T.float)).toBe('double'));
  it('widens date and timestamp to timestamp', () => expect(join(T.date, T.timestamp)).toBe('timestamp'));
  it('joins null with anything to that thing', () => {
    for (const t of [T.boolean, T.bigint, T.string, T.array(T.int), struct(['a', T.int])]) expect(joinTypes(T.null, t)).toEqual(t);
  });
  it('publishes a null-only type as string', () => expect(hive(T.null)).toBe('string'));
  it('publishes an empty array element as string', () => expect(hive(T.array(T.null))).toBe('array<string>'));
  it('turns boolean versus number into string', () => expect(join(T.boolean, T.bigint)).toBe('string'));
  it('turns string versus array into string', () => expect(join(T.string, T.array(T.string))).toBe('string'));
  it('turns struct versus scalar into string', () => expect(join(struct(['a', T.int]), T.double)).toBe('string'));
  it('turns array versus struct into string', () => expect(join(T.array(T.int), struct(['a', T.int]))).toBe('string'));
  it('turns string versus number into string', () => expect(join(T.string, T.bigint)).toBe('string'));
  it('turns binary versus string into string', () => expect(join(T.binary, T.string)).toBe('string'));
  it('turns date versus bigint into string', () => expect(join(T.date, T.bigint)).toBe('string'));
  it('merges array elements', () => expect(join(T.array(T.bigint), T.array(T.double))).toBe('array<double>'));
  it('merges map keys and values', () => expect(join(T.map(T.string, T.int), T.map(T.string, T.bigint))).toBe('map<string,bigint>'));
  it('turns map versus struct into string', () => expect(join(T.map(T.string, T.int), struct(['a', T.int]))).toBe('string'));
  it('merges struct fields recursively and keeps fields missing on one side', () => {
    const a = struct(['p', T.bigint], ['q', struct(['r', T.int])]);
    const b = struct(['p', T.double], ['q', struct(['s', T.boolean])]);
    expect(join(a, b)).toBe('struct<p:double,q:struct<r:int,s:boolean>>');
  });
  it('treats struct fields differing only by case as one field', () => {
    expect(join(struct(['userId', T.int]), struct(['userid', T.bigint]))).toBe('struct<userid:bigint>');
  });
  it('recognises lattice steps and rejects conflicts', () => {
    expect(widensTo(T.int, T.double)).toBe(true);
    expect(widensTo(T.bigint, T.string)).toBe(true);
    expect(widensTo(T.double, T.bigint)).toBe(false);
  });
});

describe('type lattice laws', () => {
  it('is commutative', () => {
    fc.assert(fc.property(lakeType, lakeType, (a, b) => {
      expect(plain(joinTypes(a, b))).toEqual(plain(joinTypes(b, a)));
    }), { numRuns: 500 });
  });
  it('is associative', () => {
    fc.assert(
      fc.property(lakeType, lakeType, lakeType, (a, b, c) => {
        expect(plain(joinTypes(joinTypes(a, b), c))).toEqual(plain(joinTypes(a, joinTypes(b, c))));
      }),
      { numRuns: 500 },
    );
  });
  it('is idempotent', () => {
    fc.assert(fc.property(lakeType, (a) => {
      expect(plain(joinTypes(a, a))).toEqual(plain(a));
    }), { numRuns: 500 });
  });
  it('is commutative including provenance', () => {
    fc.assert(fc.property(lakeType, lakeType, (a, b) => {
      expect(joinTypes(a, b)).toEqual(joinTypes(b, a));
    }), { numRuns: 300 });
  });
  it('has null as identity and string as top', () => {
    fc.assert(
      fc.property(lakeType, (a) => {
        expect(plain(joinTypes(a, T.null))).toEqual(plain(a));
        expect(joinTypes(a, T.string)).toEqual(T.string);
      }),
    );
  });
});
