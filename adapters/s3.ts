// The S3 adapter: one place that knows how to build a client for the configured endpoint.
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config';

// The SDK warns on every client that its releases after January 2027 need Node 22; we run Node 20 today
// and pin the SDK in the lockfile. The check reads this variable when a client is built.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function createS3Client(config: S3Config): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // S3-compatible servers do not all accept the SDK's default flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
}
