import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface RetryOptions {
  attempts: number;
  /** First delay; doubles each time. */
  backoffMs: number;
  signal?: AbortSignal;
}

/** Retries transient storage failures (5xx, resets, timeouts) with exponential backoff. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      lastError = err;
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // 4xx other than throttling will not get better by waiting.
      if (status && status >= 400 && status < 500 && status !== 429 && status !== 408) throw err;
      if (attempt < options.attempts) {
        await new Promise((resolve) => setTimeout(resolve, options.backoffMs * 2 ** (attempt - 1)));
      }
    }
  }
  throw lastError;
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  vtt: 'text/vtt',
  json: 'application/json',
};
export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[key.split('.').pop() ?? ''] ?? 'application/octet-stream';
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Uploads every file under `dir` to `prefix` (same relative names), `concurrency` at a time,
 * each retried. Keys are deterministic, so running it twice overwrites rather than duplicates.
 */
export async function uploadDirectory(
  s3: S3Client,
  bucket: string,
  dir: string,
  prefix: string,
  options: RetryOptions & { concurrency: number; onProgress?: (fraction: number) => void },
): Promise<number> {
  const files = await listFiles(dir);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const total = sizes.reduce((a, b) => a + b, 0) || 1;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      const key = prefix + relative(dir, file).split(sep).join('/');
      await withRetry(
        () =>
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: createReadStream(file),
              ContentLength: sizes[index],
              ContentType: contentTypeOf(key),
            }),
            { abortSignal: options.signal },
          ),
        options,
      );
      done += sizes[index]!;
      options.onProgress?.(done / total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, worker));
  return total;
}

export async function downloadObject(
  s3: S3Client,
  bucket: string,
  key: string,
  file: string,
  options: RetryOptions,
): Promise<void> {
  await withRetry(async () => {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: options.signal,
    });
    await pipeline(res.Body as Readable, createWriteStream(file), { signal: options.signal });
  }, options);
}

export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    throw err;
  }
}
