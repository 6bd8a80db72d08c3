import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedS3, createS3Client, type StorageConfig } from '@learnlive/common';
import type { S3Client } from '@aws-sdk/client-s3';

export interface TestS3 {
  readonly storage: StorageConfig;
  readonly client: S3Client;
  stop(): Promise<void>;
}

/** s3rver on port 0 with a fresh directory and bucket. */
export async function startS3(bucket = 'test-bucket'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket });
  const storage: StorageConfig = {
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
  const client = createS3Client(storage);
  return {
    storage,
    client,
    stop: async () => {
      client.destroy();
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
