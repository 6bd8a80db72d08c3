import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '@learnlive/common';
import { DATABASE_ADAPTERS, TEST_JWT_SECRET, startS3, type TestS3 } from '@learnlive/testing';
import { apiHarness } from '../payments/harness.test-support.js';

/** The API's side of live-to-HLS: a room token buys a playlist URL; files come from storage. */
describe.each(DATABASE_ADAPTERS)('live streams on %s', (_name, create) => {
  const env: Record<string, string> = {};
  const h = apiHarness(create, env);
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startS3('learnlive');
    env.S3_ENDPOINT = s3.storage.endpoint!;
    env.S3_BUCKET = 'learnlive';
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await s3?.stop();
  });

  const roomToken = (room: string, kind: 'live' | 'course' = 'live') =>
    signToken({ typ: 'room', sub: 'viewer-1', name: 'V', room, kind, role: 'learner' }, TEST_JWT_SECRET, 60);
  const put = (key: string, body: string) =>
    s3.client.send(new PutObjectCommand({ Bucket: 'learnlive', Key: key, Body: body }));

  it('trades a live room token for a playlist URL whose segments carry the same ticket', async () => {
    const id = randomUUID();
    const res = await h.call('POST', '/api/live-streams', { body: { token: roomToken(`live:${id}`) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { playlistUrl, expiresAt } = res.body as { playlistUrl: string; expiresAt: string };
    expect(playlistUrl).toMatch(/^\/api\/live-streams\/[\w-]+\.[\w-]+\/index\.m3u8$/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());

    // Not started yet.
    expect((await h.call('GET', playlistUrl)).status).toBe(404);
    await put(`live/${id}/index.m3u8`, '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_00003.ts\n');
    await put(`live/${id}/seg_00003.ts`, 'segment-bytes');
    const playlist = await h.call('GET', playlistUrl);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers.get('cache-control')).toBe('no-cache');
    expect(playlist.text).toContain('seg_00003.ts');
    const segment = await h.call('GET', playlistUrl.replace('index.m3u8', 'seg_00003.ts'));
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-type')).toBe('video/mp2t');
    expect(segment.text).toBe('segment-bytes');

    // Only stream files; only untampered tickets.
    expect((await h.call('GET', playlistUrl.replace('index.m3u8', 'other.txt'))).status).toBe(404);
    const ticket = playlistUrl.split('/')[3]!;
    const forged = playlistUrl.replace(ticket, `${ticket.split('.')[0]}.AAAA`);
    expect((await h.call('GET', forged)).status).toBe(403);
  });

  it('answers odd ticket and file names with a problem, never a storage key outside the class', async () => {
    const id = randomUUID();
    await put(`live/${id}/index.m3u8`, '#EXTM3U\n');
    await put('secret.txt', 'not a stream file');
    const res = await h.call('POST', '/api/live-streams', { body: { token: roomToken(`live:${id}`) } });
    const { playlistUrl } = res.body as { playlistUrl: string };
    const ticket = playlistUrl.split('/')[3]!;
    const base = `/api/live-streams/${ticket}`;
    const expectProblem = async (path: string, status: number, code: string) => {
      const answer = await h.call('GET', path);
      expect(answer.status, `${path}: ${answer.text}`).toBe(status);
      expect(answer.headers.get('content-type'), path).toContain('application/problem+json');
      expect(answer.body.code, path).toBe(code);
    };
    for (const file of [
      '..%2F..%2Fsecret.txt',
      '..%2Fsecret.txt',
      '%2e%2e',
      'index.m3u8%00',
      'index.m3u8%2F',
      'INDEX.M3U8',
      'seg_-1.ts',
      'seg_1234567890.ts',
      '%E0%A4%A',
      'x'.repeat(5000),
    ]) {
      await expectProblem(`${base}/${file}`, 404, 'not_found');
    }
    await expectProblem(`${base}/..%2F..%2Fsecret.txt/index.m3u8`, 404, 'not_found');
    for (const bad of ['x', 'a.b', 'a.b.c', '%E0%A4%A.x', `${ticket}x`, 'x'.repeat(5000)]) {
      await expectProblem(`/api/live-streams/${bad}/index.m3u8`, 403, 'forbidden');
    }
    // the real ticket still works
    expect((await h.call('GET', `${base}/index.m3u8`)).status).toBe(200);
  });

  it('refuses other tokens', async () => {
    const course = await h.call('POST', '/api/live-streams', {
      body: { token: roomToken(`course:${randomUUID()}`, 'course') },
    });
    expect(course.status).toBe(400);
    const access = signToken({ typ: 'access', sub: 'u', role: 'learner', name: 'U' }, TEST_JWT_SECRET, 60);
    expect((await h.call('POST', '/api/live-streams', { body: { token: access } })).status).toBe(401);
    expect((await h.call('POST', '/api/live-streams', { body: { token: 'x' } })).status).toBe(401);
    expect((await h.call('POST', '/api/live-streams', { body: {} })).status).toBe(400);
  });
});
