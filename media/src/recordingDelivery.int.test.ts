import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '@learnlive/common';
import {
  TEST_JWT_SECRET,
  startRedis,
  startS3,
  waitFor,
  type TestRedis,
  type TestS3,
} from '@learnlive/testing';
import { SignallingClient } from '../test/signallingClient.js';
import { mediaUrl, roomToken, startTestMedia } from '../test/testMedia.js';
import { publishTestMedia, type RtpSource } from '../test/rtpSource.js';
import { REDIS_COMMAND_TIMEOUT_MS } from './redisClients.js';
import type { MediaService } from './service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Redis command fails after REDIS_COMMAND_TIMEOUT_MS while Redis is away (media's Redis
 * policy): a finished recording's transcode job is queued again until Redis is back, not lost.
 * Real BullMQ on a private redis-server, s3rver, mediasoup and ffmpeg.
 */
describe('recording delivery across a Redis outage', () => {
  let redis: TestRedis;
  let s3: TestS3;
  let dir: string;
  let media: MediaService;
  let source: RtpSource | undefined;
  const clients: SignallingClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    s3 = await startS3('recordings-outage');
    dir = await mkdtemp(join(tmpdir(), 'media-delivery-'));
    media = await startTestMedia(
      {
        REDIS_URL: redis.url,
        S3_ENDPOINT: s3.storage.endpoint,
        S3_BUCKET: 'recordings-outage',
        MEDIA_RECORDING_DIR: dir,
      },
      {},
      'media-delivery',
    );
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    source?.close();
    await media?.close();
    await s3?.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('queues the transcode job once Redis is back, after a failed attempt', async () => {
    expect(media.recording).toBe('on');
    const roomId = `live:${randomUUID()}`;
    const teacher = await SignallingClient.connect(
      mediaUrl(media),
      roomToken(roomId, 'teacher', 'teacher-1'),
    );
    clients.push(teacher);
    const { peerId } = await teacher.request('join', {});
    source = await publishTestMedia(media, roomId, peerId);
    const lessonId = randomUUID();
    const version = randomUUID();
    const sourceKey = `lessons/${lessonId}/original/${version}`;
    const token = signToken(
      { typ: 'recording', sub: 'teacher-1', room: roomId, lessonId, version, sourceKey },
      TEST_JWT_SECRET,
      300,
    );
    await teacher.request('startRecording', { token });
    await waitFor(() => (media.recorder.progress(roomId)?.seconds ?? 0) >= 2, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: '2 s recorded',
    });

    await redis.kill();
    await teacher.request('stopRecording', {});
    // The upload comes first; the job is queued right after it, with Redis away.
    await waitFor(
      () =>
        s3.client
          .send(new HeadObjectCommand({ Bucket: 'recordings-outage', Key: sourceKey }))
          .then(() => true)
          .catch(() => false),
      { timeoutMs: 30_000, intervalMs: 100, what: 'the recording uploaded' },
    );
    // Longer than a command's timeout: the first attempt to queue the job fails.
    await sleep(REDIS_COMMAND_TIMEOUT_MS + 1000);
    await redis.restart();

    const reader = new Redis(redis.url);
    reader.on('error', () => {});
    try {
      await waitFor(
        async () => (await reader.exists(`bull:learnlive-jobs:transcode-${lessonId}-${version}`)) === 1,
        {
          timeoutMs: 30_000,
          intervalMs: 200,
          what: 'the transcode job queued',
        },
      );
      const job = await reader.hget(`bull:learnlive-jobs:transcode-${lessonId}-${version}`, 'data');
      expect(JSON.parse(job!)).toEqual({ type: 'transcode', lessonId, sourceKey, version });
    } finally {
      reader.disconnect();
    }
  }, 120_000);
});
