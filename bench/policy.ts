// How one bucket policy grows with the grants it holds, and what it costs the S3 server: the document's
// size, the time to put it, and a principal's read while it is in force. Run on the stack:
//   npx tsx bench/policy.ts [principals...]
// Accounts are made (and removed) as needed: versitygw refuses a policy naming an unknown account.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readAs, S3Accounts } from '../adapters/s3-accounts';
import { createS3Client } from '../adapters/s3';
import { loadConfig } from '../config';
import { bucketPolicyFor } from '../governance/storage-policy';
import { ensureBucket } from '../infra/bootstrap-s3';

async function main() {
  const config = loadConfig();
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const counts = sizes.length ? sizes : [10, 100, 1000, 3000];
  const s3 = createS3Client(config.s3);
  const accounts = new S3Accounts(config.s3);
  const bucket = `lake-policy-bench-${Date.now().toString(36)}`;
  await ensureBucket(s3, bucket);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 't0/part-0.json', Body: '{}\n' }));
  const made: string[] = [];
  const existing = new Set((await accounts.listAccounts()).map((a) => a.access));
  try {
    console.log('principals  grants  statements  policy bytes  put ms  read ms (principal, median of 20)');
    for (const n of counts) {
      for (let i = made.length; i < n; i++) {
        const a = `lake-user-bench${i}`;
        if (!existing.has(a)) await accounts.createAccount(a, `secret-${i}`);
        made.push(a);
      }
      // five tables per principal over 50 tables: 5 grants each
      const grants = made.slice(0, n).flatMap((account, i) => [0, 1, 2, 3, 4].map((k) => ({ account, bucket, prefix: `t${(i * 5 + k) % 50}/` })));
      const policy = bucketPolicyFor(bucket, grants, 'bench')!;
      const bytes = JSON.stringify(policy).length;
      let t = performance.now();
      await accounts.putBucketPolicy(bucket, policy);
      const putMs = performance.now() - t;
      const reader = made[0];
      const times: number[] = [];
      for (let r = 0; r < 20; r++) {
        t = performance.now();
        await readAs(config.s3, { access: reader, secret: 'secret-0' }, bucket, 't0/part-0.json');
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(`${String(n).padStart(10)}  ${String(grants.length).padStart(6)}  ${String(policy.Statement.length).padStart(10)}  ${String(bytes).padStart(12)}  ${putMs.toFixed(0).padStart(6)}  ${times[10].toFixed(1).padStart(7)}`);
    }
  } finally {
    await accounts.putBucketPolicy(bucket, undefined).catch(() => undefined);
    for (const a of made) if (!existing.has(a)) await accounts.deleteAccount(a).catch(() => undefined);
    accounts.close();
    s3.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
