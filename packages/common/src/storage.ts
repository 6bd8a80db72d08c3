import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { env } from './config.js';

export interface StorageConfig {
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/**
 * The one way services reach object storage (S3, MinIO, or s3rver in the embedded mode).
 * Checksums only when required: otherwise s3rver stores the aws-chunked framing inside the
 * object (ARCHITECTURE.md, traps).
 */
export function createS3Client(config: StorageConfig): S3Client {
  return new S3Client({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function bucketReachable(client: S3Client, bucket: string): Promise<void> {
  await client.send(new HeadBucketCommand({ Bucket: bucket }));
}

/** Creates the bucket when it does not exist (embedded mode and tests; production provisions it). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await bucketReachable(client, bucket);
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** Every key under `prefix`, all pages. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * Removes every object whose key starts with `prefix` (a folder when it ends with '/'), 1000 keys
 * per DeleteObjects (the most one request takes); returns how many. Deleting twice is harmless.
 */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  const keys = await listKeys(s3, bucket, prefix);
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
  return keys.length;
}

/** The S3 variables every service that touches object storage reads (same names everywhere). */
export const storageEnvShape = {
  /** Unset: AWS's own endpoint. MinIO/s3rver: its URL. */
  S3_ENDPOINT: env.url(['http', 'https']).optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().min(3, 'must be a bucket name').default('learnlive'),
  S3_ACCESS_KEY_ID: z.string().default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().default('S3RVER'),
  S3_FORCE_PATH_STYLE: env.bool(true),
};

export function storageConfigFrom(parsed: {
  S3_ENDPOINT?: string | undefined;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_FORCE_PATH_STYLE: boolean;
}): StorageConfig {
  return {
    endpoint: parsed.S3_ENDPOINT,
    region: parsed.S3_REGION,
    bucket: parsed.S3_BUCKET,
    accessKeyId: parsed.S3_ACCESS_KEY_ID,
    secretAccessKey: parsed.S3_SECRET_ACCESS_KEY,
    forcePathStyle: parsed.S3_FORCE_PATH_STYLE,
  };
}
