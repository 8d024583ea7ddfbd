import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../adapters/s3';
import { ensureBucket } from '../../infra/bootstrap-s3';
import { testConfig, uniqueName } from './setup';

describe('S3 object store of the stack (versitygw)', () => {
  const config = testConfig();
  const s3 = createS3Client(config.s3);
  const bucket = config.s3.demoBucket;
  const prefix = `${uniqueName('test')}/date_id=2019-10-15/hour=20/`;
  afterAll(() => s3.destroy());

  it('puts, lists and gets objects under a Hive-style prefix', async () => {
    await ensureBucket(s3, bucket);
    const body = '{"k1":"abc","k2":true}\n{"k2":true,"k3":"100"}\n';
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}part-0.json`, Body: body }));
    expect(put.ETag).toBeTruthy();

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`${prefix}part-0.json`]);
    expect(listed.Contents?.[0].ETag).toBe(put.ETag);
    expect(listed.Contents?.[0].Size).toBe(Buffer.byteLength(body));

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}part-0.json` }));
    expect(await got.Body?.transformToString()).toBe(body);

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}part-0.json` }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    expect(after.KeyCount ?? 0).toBe(0);
  });
});
