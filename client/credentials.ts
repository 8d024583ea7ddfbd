// A principal's own S3 key, issued on the S3 server's admin API with the catalog's root key. The secret is
// returned to be shown once; the catalog keeps only that it was issued (db/storage-access.ts).
import { newSecret, S3Accounts } from '../adapters/s3-accounts';
import type { S3Config } from '../config';

/** Gives the account `accessKey` a new secret, creating the account when the server has none; the old
 *  secret stops working. Returns the new secret. */
export async function issueAccessKey(config: S3Config, accessKey: string): Promise<string> {
  const accounts = new S3Accounts(config);
  try {
    const secret = newSecret();
    if (await accounts.findAccount(accessKey)) await accounts.setSecret(accessKey, secret);
    else await accounts.createAccount(accessKey, secret);
    return secret;
  } finally {
    accounts.close();
  }
}
