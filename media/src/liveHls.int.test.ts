import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RoomRole } from '@learnlive/contracts';
import { startS3, waitFor, type TestS3 } from '@learnlive/testing';
import { SignallingClient, errorOf } from '../test/signallingClient.js';
import { mediaUrl, roomToken, startTestMedia } from '../test/testMedia.js';
import { publishTestMedia, startRtpSource, type RtpSource } from '../test/rtpSource.js';
import { liveStreamPrefix } from './liveHls.js';
import type { ProducerAppData } from './room/appData.js';
import type { MediaService } from './service.js';

const run = promisify(execFile);

/** Live-to-HLS with real mediasoup, real ffmpeg (source and encoder) and s3rver. */
describe('live class as HLS for passive viewers', () => {
  let media: MediaService;
  let s3: TestS3;
  let dir: string;
  const clients: SignallingClient[] = [];
  const sources: RtpSource[] = [];

  beforeAll(async () => {
    s3 = await startS3('streams');
    dir = await mkdtemp(join(tmpdir(), 'live-hls-test-'));
    media = await startTestMedia({
      MEDIA_RECORDING_DIR: join(dir, 'work'),
      MEDIA_HLS_IDLE_MS: '4000',
      S3_ENDPOINT: s3.storage.endpoint,
      S3_BUCKET: 'streams',
    });
  });
  // Each source is an ffmpeg encoding VP8: none outlives its test.
  afterEach(() => {
    for (const source of sources.splice(0)) source.close();
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await media?.close();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function connect(room: string, role: RoomRole, sub: string) {
    const client = await SignallingClient.connect(mediaUrl(media), roomToken(room, role, sub));
    clients.push(client);
    return client;
  }

  const read = async (key: string) =>
    s3.client
      .send(new GetObjectCommand({ Bucket: 'streams', Key: key }))
      .then((o) => o.Body!.transformToByteArray())
      .catch(() => undefined);
  const segmentsOf = (playlist: string) => playlist.split('\n').filter((l) => /^seg_\d+\.ts$/.test(l.trim()));

  it('encodes the teacher into a sliding playlist of decodable H.264/AAC segments, stops when unwatched', async () => {
    const roomId = `live:${randomUUID()}`;
    const viewer = await connect(roomId, 'learner', 'viewer-1');
    // No class yet: nothing to stream.
    expect(errorOf(await viewer.ack('watchStream', {}))?.code).toBe('conflict');

    const teacher = await connect(roomId, 'teacher', 'teacher-1');
    const { peerId } = await teacher.request('join', {});
    expect(errorOf(await viewer.ack('watchStream', {}))?.code).toBe('conflict'); // nothing published
    sources.push(await publishTestMedia(media, roomId, peerId));

    // The viewer never joins the SFU: it only keeps the stream alive.
    const first = await viewer.request('watchStream', {});
    expect(first).toEqual({ state: 'starting', segmentSeconds: 2 });
    expect(media.streams.size).toBe(1);
    const prefix = liveStreamPrefix(roomId);
    const live = await waitFor(async () => (await viewer.request('watchStream', {})).state === 'live', {
      timeoutMs: 20_000,
      intervalMs: 500,
      what: 'the first segment',
    });
    expect(live).toBe(true);
    const playlist1 = new TextDecoder().decode(await read(`${prefix}index.m3u8`));
    expect(playlist1).toMatch(/#EXT-X-TARGETDURATION:[23]/);
    expect(playlist1).not.toContain('#EXT-X-ENDLIST');

    // The playlist grows (then slides): later segments appear while the viewer keeps asking.
    const last = (p: string) => Number(/seg_(\d+)\.ts/.exec(segmentsOf(p).at(-1)!)![1]);
    const playlist2 = await waitFor(
      async () => {
        await viewer.request('watchStream', {});
        const text = new TextDecoder().decode(await read(`${prefix}index.m3u8`));
        return last(text) >= last(playlist1) + 2 && text;
      },
      { timeoutMs: 20_000, intervalMs: 1000, what: 'more segments' },
    );
    const segment = segmentsOf(playlist2).at(-1)!;
    const file = join(dir, segment);
    await writeFile(file, (await read(`${prefix}${segment}`))!);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,height:format=duration',
      '-of',
      'json',
      file,
    ]);
    const info = JSON.parse(stdout) as {
      streams: Array<{ codec_name: string; height?: number }>;
      format: { duration: string };
    };
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(info.streams.find((s) => s.codec_name === 'h264')?.height).toBe(360);
    expect(Number(info.format.duration)).toBeGreaterThan(1);
    expect(Number(info.format.duration)).toBeLessThan(4);
    const decoded = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    expect(decoded.stderr).toBe('');

    // Nobody asks any more: the stream stops and its objects go.
    await waitFor(() => media.streams.size === 0, { timeoutMs: 15_000, what: 'the idle stop' });
    await waitFor(async () => (await read(`${prefix}index.m3u8`)) === undefined, {
      timeoutMs: 5000,
      what: 'the playlist removed',
    });
  }, 90_000);

  it('goes on after the teacher turns the camera off and on: same playlist, a discontinuity, new segments', async () => {
    const roomId = `live:${randomUUID()}`;
    const viewer = await connect(roomId, 'learner', 'viewer-2');
    const teacher = await connect(roomId, 'teacher', 'teacher-2');
    const { peerId } = await teacher.request('join', {});
    const first = await publishTestMedia(media, roomId, peerId);
    sources.push(first);
    const prefix = liveStreamPrefix(roomId);
    const playlist = async () => {
      await viewer.request('watchStream', {});
      return new TextDecoder().decode(await read(`${prefix}index.m3u8`));
    };
    const last = (p: string) => Number(/seg_(\d+)\.ts\s*$/.exec(p.trim())?.[1] ?? -1);
    const before = await waitFor(async () => last(await playlist()) >= 1 && (await playlist()), {
      timeoutMs: 20_000,
      intervalMs: 500,
      what: 'two segments',
    });
    const room = (await media.rooms.list()).find((r) => r.id === roomId)!;
    const peer = room.peers.get(peerId)!;
    first.video.close();
    const second = await startRtpSource<ProducerAppData>(room.router, {
      video: { peerId, source: 'camera' },
    });
    sources.push(second);
    second.audio.close();
    peer.producers.set(second.video.id, second.video);
    room.emit('producer', peer, second.video); // as Room.produce does
    const after = await waitFor(
      async () => {
        const text = await playlist();
        const tail = text.split('#EXT-X-DISCONTINUITY')[1];
        return tail !== undefined && segmentsOf(tail).length >= 2 && text;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'segments after the discontinuity' },
    );
    expect(after).not.toContain('#EXT-X-ENDLIST');
    expect(last(after)).toBeGreaterThan(last(before)); // numbering went on
    expect(media.streams.size).toBe(1);
    const segment = segmentsOf(after).at(-1)!;
    const file = join(dir, `after-${segment}`);
    await writeFile(file, (await read(`${prefix}${segment}`))!);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name',
      '-of',
      'json',
      file,
    ]);
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_name: string }> }).streams;
    expect(streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  }, 150_000);

  it('streams live classes only', async () => {
    const mentor = await connect(`mentor:${randomUUID()}`, 'mentor', 'mentor-1');
    expect(errorOf(await mentor.ack('watchStream', {}))?.code).toBe('bad_request');
    expect(errorOf(await mentor.ack('watchStream', { extra: 1 }))?.code).toBe('validation_failed');
  });
});
