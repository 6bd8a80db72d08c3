import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readiness } from '@learnlive/contracts';
import {
  startRedis,
  startS3,
  startS3FaultProxy,
  waitFor,
  type S3FaultProxy,
  type TestRedis,
  type TestS3,
} from '@learnlive/testing';
import { mediaUrl, startTestMedia } from '../test/testMedia.js';
import type { MediaService } from './service.js';

async function readyz(media: MediaService): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${mediaUrl(media)}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

/**
 * `/readyz` of media reports its workers and every dependency it is configured with: object
 * storage always, Redis and the job queue with REDIS_URL. A dependency that is down makes it
 * 503 naming the check; back up, it is 200 again.
 */
describe('media readiness', () => {
  let redis: TestRedis;
  let s3: TestS3;
  let proxy: S3FaultProxy;
  let storageDown = false;
  let media: MediaService;

  beforeAll(async () => {
    redis = await startRedis();
    s3 = await startS3('media-ready');
    proxy = await startS3FaultProxy(s3.storage.endpoint!, () => storageDown);
    media = await startTestMedia(
      { REDIS_URL: redis.url, S3_ENDPOINT: proxy.endpoint, S3_BUCKET: 'media-ready' },
      {},
      'media-readiness',
    );
  });
  afterAll(async () => {
    await media?.close();
    await proxy?.close();
    await s3?.stop();
    await redis?.stop();
  });

  it('is ready when the workers, storage, Redis and the queue answer', async () => {
    const { status, body } = await readyz(media);
    expect(body.checks).toEqual({
      workers: { ok: true },
      storage: { ok: true },
      redis: { ok: true },
      queue: { ok: true },
    });
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
  });

  it('is not ready while Redis is down (Redis and the queue fail), and ready again once it is back', async () => {
    await redis.kill();
    const down = await readyz(media);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not_ready');
    expect(down.body.checks.redis?.ok).toBe(false);
    expect(down.body.checks.queue?.ok).toBe(false);
    expect(down.body.checks.storage).toEqual({ ok: true });
    expect(down.body.checks.workers).toEqual({ ok: true });

    await redis.restart();
    // ioredis reconnects with a backoff: ready once every connection is back.
    const up = await waitFor(
      async () => {
        const r = await readyz(media);
        return r.status === 200 && r;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'ready after Redis restarted' },
    );
    expect(up.body.checks.redis).toEqual({ ok: true });
    expect(up.body.checks.queue).toEqual({ ok: true });
  });

  it('is not ready while object storage refuses, and ready again once it answers', async () => {
    storageDown = true;
    const down = await readyz(media);
    expect(down.status).toBe(503);
    expect(down.body.checks.storage?.ok).toBe(false);
    expect(down.body.checks.redis).toEqual({ ok: true });

    storageDown = false;
    const up = await readyz(media);
    expect(up.status).toBe(200);
    expect(up.body.checks.storage).toEqual({ ok: true });
  });

  it('checks only what is configured: no Redis, no queue without REDIS_URL', async () => {
    const alone = await startTestMedia(
      { S3_ENDPOINT: s3.storage.endpoint, S3_BUCKET: 'media-ready' },
      {},
      'media-readiness-alone',
    );
    try {
      const { status, body } = await readyz(alone);
      expect(body.checks).toEqual({ workers: { ok: true }, storage: { ok: true } });
      expect(status).toBe(200);
    } finally {
      await alone.close();
    }
  });
});
