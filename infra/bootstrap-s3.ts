// Creates the stack's buckets (idempotent): the demo lake's bucket.
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../config';
import { createS3Client } from '../adapters/s3';

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw e;
    }
  }
}

if (require.main === module) {
  const config = loadConfig();
  const s3 = createS3Client(config.s3);
  ensureBucket(s3, config.s3.demoBucket)
    .then(() => s3.destroy())
    .catch((e) => {
      console.error(`cannot create bucket ${config.s3.demoBucket} at ${config.s3.endpoint}: ${e.message ?? e}`);
      process.exit(1);
    });
}
