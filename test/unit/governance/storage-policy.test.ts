import { describe, expect, it } from 'vitest';
import { accountsIn, bucketPolicyFor, normalizePrefix, readsRawStorage, samePolicy, storageAccountOf } from '../../../governance/storage-policy';

describe('bucket policies from live grants', () => {
  const a = storageAccountOf({ name: 'alice', kind: 'user' });
  const g = storageAccountOf({ name: 'alice', kind: 'group' });

  it('names accounts by kind and name, and only A-5 reads raw files', () => {
    expect([a, g]).toEqual(['lake-user-alice', 'lake-group-alice']);
    expect(['A-1', 'A-2', 'A-3', 'A-4', 'A-5'].filter((l) => readsRawStorage(l as never))).toEqual(['A-5']);
    expect([normalizePrefix('/db/t'), normalizePrefix('db/t/'), normalizePrefix('')]).toEqual(['db/t/', 'db/t/', '']);
  });

  it('is undefined when nobody holds anything on the bucket (the policy is deleted)', () => {
    expect(bucketPolicyFor('lake', [], 'cat')).toBeUndefined();
    expect(bucketPolicyFor('lake', [{ account: a, bucket: 'other', prefix: 'x/' }], 'cat')).toBeUndefined();
  });

  it('consolidates: one read and one list statement per principal, prefixes inside another dropped, the same for any order', () => {
    const accesses = [
      { account: g, bucket: 'lake', prefix: 'db/t2' },
      { account: a, bucket: 'lake', prefix: 'db/t1/' },
      { account: a, bucket: 'lake', prefix: 'db/t1/date_id=2026-01-01/' },
      { account: a, bucket: 'lake', prefix: 'db/t1/' },
      { account: a, bucket: 'other', prefix: 'db/t9/' },
    ];
    const p = bucketPolicyFor('lake', accesses, 'cat')!;
    expect(p.Statement).toEqual([
      { Sid: `lake-catalog/cat/${g}/read`, Effect: 'Allow', Principal: { AWS: [g] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::lake/db/t2', 'arn:aws:s3:::lake/db/t2/*'] },
      { Sid: `lake-catalog/cat/${g}/list`, Effect: 'Allow', Principal: { AWS: [g] }, Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::lake'], Condition: { StringLike: { 's3:prefix': ['db/t2/', 'db/t2/*'] } } },
      { Sid: `lake-catalog/cat/${a}/read`, Effect: 'Allow', Principal: { AWS: [a] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::lake/db/t1', 'arn:aws:s3:::lake/db/t1/*'] },
      { Sid: `lake-catalog/cat/${a}/list`, Effect: 'Allow', Principal: { AWS: [a] }, Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::lake'], Condition: { StringLike: { 's3:prefix': ['db/t1/', 'db/t1/*'] } } },
    ]);
    expect(JSON.stringify(bucketPolicyFor('lake', [...accesses].reverse(), 'cat'))).toBe(JSON.stringify(p));
    expect(accountsIn(p, 'cat')).toEqual([g, a].sort());
  });

  it('compares documents whatever their key order', () => {
    expect(samePolicy({ a: 1, b: [{ x: 1, y: 2 }] }, { b: [{ y: 2, x: 1 }], a: 1 })).toBe(true);
    expect(samePolicy({ a: 1 }, { a: 2 })).toBe(false);
    expect(samePolicy(undefined, bucketPolicyFor('lake', [], 'cat'))).toBe(true);
  });

  it('stays one statement pair per principal for thousands of grants', () => {
    const accesses = Array.from({ length: 5000 }, (_, i) => ({ account: `lake-user-u${i % 1000}`, bucket: 'lake', prefix: `db/t${i % 50}/` }));
    const p = bucketPolicyFor('lake', accesses, 'cat')!;
    expect(p.Statement).toHaveLength(2000);
  });

  it("rewrites only its own catalog's statements, keeps other catalogs', and drops those without an id", () => {
    const mine = [{ account: a, bucket: 'lake', prefix: 'one/t/' }];
    const theirs = [{ account: a, bucket: 'lake', prefix: 'two/t/' }];
    const two = bucketPolicyFor('lake', theirs, 'two')!;
    const legacy = { Effect: 'Allow', Principal: { AWS: [g] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::lake/old/*'] };
    const current = { Version: '2012-10-17', Statement: [...two.Statement, legacy] };

    const p = bucketPolicyFor('lake', mine, 'one', current)!;
    expect(p.Statement.map((st) => st.Sid)).toEqual([`lake-catalog/one/${a}/read`, `lake-catalog/one/${a}/list`, `lake-catalog/two/${a}/read`, `lake-catalog/two/${a}/list`]);
    expect(accountsIn(p, 'one')).toEqual([a]);
    // the other catalog, rewriting after, writes the same document: no back and forth
    expect(bucketPolicyFor('lake', theirs, 'two', p)).toEqual(p);
    // nothing left of mine: the other catalog's statements stay, the policy is not deleted
    expect(bucketPolicyFor('lake', [], 'one', p)).toEqual(two);
    // a catalog whose name begins another's keeps it apart
    expect(bucketPolicyFor('lake', [], 'tw', p)?.Statement).toHaveLength(4);
  });
});
