// The lake's S3 server seen by governance: principals' own accounts (versitygw's admin API, signed with
// the catalog's root key), bucket policies, and a read with a principal's own key to prove what it may do.
// Secrets pass through here and nowhere else: they are never returned to a workflow or stored by the
// catalog; the server's IAM store is where they live.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, GetObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config';
import type { BucketPolicy } from '../governance/storage-policy';
import { createS3Client } from './s3';

export class S3AdminError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'S3AdminError';
  }
}

export interface S3Account {
  access: string;
  secret: string;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** AWS Signature V4 headers for one request (the admin API takes the same signature as S3). */
export function signV4(o: { method: string; url: URL; body: string; region: string; accessKeyId: string; secretAccessKey: string; now?: Date }): Record<string, string> {
  const amzDate = (o.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(o.body);
  const headers: Record<string, string> = { host: o.url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  const signedHeaders = Object.keys(headers).sort();
  const query = [...o.url.searchParams.entries()]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${headers[h]}\n`).join('');
  const path = o.url.pathname.split('/').map((seg) => encodeRfc3986(decodeURIComponent(seg))).join('/') || '/';
  const canonical = `${o.method}\n${path}\n${query}\n${canonicalHeaders}\n${signedHeaders.join(';')}\n${payloadHash}`;
  const scope = `${day}/${o.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secretAccessKey}`, day), o.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${o.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}` };
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xmlText = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** A new secret: 40 characters of base64url, as random as an AWS secret key. */
export function newSecret(): string {
  return randomBytes(30).toString('base64url');
}

export class S3Accounts {
  private readonly s3: S3Client;

  constructor(private readonly config: S3Config) {
    this.s3 = createS3Client(config);
  }

  close(): void {
    this.s3.destroy();
  }

  private async admin(path: string, query: Record<string, string>, body = ''): Promise<string> {
    const url = new URL(path, this.config.endpoint);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = signV4({ method: 'PATCH', url, body, region: this.config.region, accessKeyId: this.config.accessKeyId, secretAccessKey: this.config.secretAccessKey });
    const res = await fetch(url, { method: 'PATCH', headers, body: body || undefined, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    if (!res.ok) {
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${res.status}`;
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
      throw new S3AdminError(`S3 admin ${path} answered ${res.status} ${code}: ${message}`, res.status, code);
    }
    return text;
  }

  /** Every account of the server's IAM store, with its secret (only the root key may ask). */
  async listAccounts(): Promise<S3Account[]> {
    const xml = await this.admin('/list-users', {});
    const accounts: S3Account[] = [];
    for (const m of xml.matchAll(/<Accounts>([\s\S]*?)<\/Accounts>/g)) {
      const field = (name: string) => xmlText(new RegExp(`<${name}>([^<]*)</${name}>`).exec(m[1])?.[1] ?? '');
      accounts.push({ access: field('Access'), secret: field('Secret') });
    }
    return accounts;
  }

  async findAccount(access: string): Promise<S3Account | undefined> {
    return (await this.listAccounts()).find((a) => a.access === access);
  }

  /** Creates `access` with `secret` (role user: nothing beyond what bucket policies give). An existing
   *  account is left as it is; returns whether this call created it. */
  async createAccount(access: string, secret: string): Promise<boolean> {
    const body = `<Account><Access>${xmlEscape(access)}</Access><Secret>${xmlEscape(secret)}</Secret><Role>user</Role><UserID>0</UserID><GroupID>0</GroupID><ProjectID>0</ProjectID></Account>`;
    try {
      await this.admin('/create-user', {}, body);
      return true;
    } catch (e) {
      if (e instanceof S3AdminError && /UserExists|AlreadyExists/i.test(e.code)) return false;
      throw e;
    }
  }

  /** Gives `access` a new secret (the old one stops working at once). */
  async setSecret(access: string, secret: string): Promise<void> {
    await this.admin('/update-user', { access }, `<MutableProps><Secret>${xmlEscape(secret)}</Secret></MutableProps>`);
  }

  async deleteAccount(access: string): Promise<void> {
    await this.admin('/delete-user', { access });
  }

  /** The bucket's policy document, or undefined when it has none. */
  async getBucketPolicy(bucket: string): Promise<unknown> {
    try {
      const r = await this.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
      return r.Policy ? JSON.parse(r.Policy) : undefined;
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchBucketPolicy') return undefined;
      throw e;
    }
  }

  /** Sets the bucket's policy; undefined deletes it. */
  async putBucketPolicy(bucket: string, policy: BucketPolicy | undefined): Promise<void> {
    if (policy) await this.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    else await this.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  }

  /** The first object key under `prefix`, read with the root key (a probe's target), if there is one. */
  async firstKeyUnder(bucket: string, prefix: string): Promise<string | undefined> {
    const r = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    return r.Contents?.[0]?.Key;
  }
}

export type ReadOutcome = 'allowed' | 'denied';

/** Reads one byte of `bucket/key` with `account`'s own key. Allowed means the server let it through (a
 *  missing key answers NoSuchKey only to those allowed to read there); denied is the server's 403. */
export async function readAs(config: S3Config, account: S3Account, bucket: string, key: string): Promise<ReadOutcome> {
  const s3 = createS3Client({ ...config, accessKeyId: account.access, secretAccessKey: account.secret });
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-0' }));
    await r.Body?.transformToByteArray();
    return 'allowed';
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return 'allowed';
    if (err.name === 'AccessDenied' || err.$metadata?.httpStatusCode === 403) return 'denied';
    throw e;
  } finally {
    s3.destroy();
  }
}
