import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type TestS3 } from '@learnlive/testing';
import { copyToStorage } from './uploads.js';

describe('copying an assembled upload to object storage (s3rver)', () => {
  let s3: TestS3;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3('copy');
    dir = await mkdtemp(join(tmpdir(), 'copy-'));
  });
  afterAll(async () => {
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['one PUT', 100_000],
    ['multipart, last part short', 5 * 1024 * 1024 * 2 + 12_345],
  ])('%s: the object is byte-identical', async (_name, size) => {
    const data = randomBytes(size);
    const file = join(dir, `f-${size}`);
    await writeFile(file, data);
    // s3rver, like S3, needs parts of 5 MiB or more except the last
    await copyToStorage(
      s3.client,
      'copy',
      `k-${size}`,
      file,
      size,
      { ContentType: 'video/mp4', Metadata: {} },
      5 * 1024 * 1024,
      1024 * 1024,
    );
    const res = await s3.client.send(new GetObjectCommand({ Bucket: 'copy', Key: `k-${size}` }));
    expect(Buffer.from(await res.Body!.transformToByteArray()).equals(data)).toBe(true);
    expect(res.ContentType).toBe('video/mp4');
  });
});
