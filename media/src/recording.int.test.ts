import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InProcessQueue, signToken, type Env } from '@learnlive/common';
import type { Job, RecordingState, RecordingStopReason, RoomRole } from '@learnlive/contracts';
import { TEST_JWT_SECRET, startS3, testLogger, waitFor, type TestS3 } from '@learnlive/testing';
import { SignallingClient, errorOf } from '../test/signallingClient.js';
import { mediaUrl, roomToken, startTestMedia } from '../test/testMedia.js';
import { publishTestMedia, startRtpSource, type RtpSource } from '../test/rtpSource.js';
import type { ProducerAppData } from './room/appData.js';
import type { MediaService } from './service.js';

const run = promisify(execFile);

interface Probe {
  streams: Array<{ codec_type: string; codec_name: string; width?: number }>;
  format: { duration?: string };
}

async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_streams',
    '-show_format',
    '-of',
    'json',
    file,
  ]);
  return JSON.parse(stdout) as Probe;
}

/** `file` (probed as `info`) lasts between `min` and `max` s, and ffmpeg decodes every frame. */
async function expectPlayable(file: string, info: Probe, min: number, max: number): Promise<void> {
  const duration = Number(info.format.duration);
  expect(duration).toBeGreaterThan(min);
  expect(duration).toBeLessThan(max);
  const decoded = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
  expect(decoded.stderr).not.toMatch(/Invalid data|could not find/i);
}

/** Recording with real mediasoup, real ffmpeg on both ends, s3rver and an in-process queue. */
describe('recording a live class', () => {
  let media: MediaService;
  let s3: TestS3;
  let dir: string;
  const queue = new InProcessQueue(testLogger('queue'));
  const jobs: Job[] = [];
  const clients: SignallingClient[] = [];
  const sources: RtpSource[] = [];

  beforeAll(async () => {
    s3 = await startS3('recordings');
    dir = await mkdtemp(join(tmpdir(), 'recording-test-'));
    queue.work(
      {
        transcode: async (job) => {
          jobs.push(job);
        },
      },
      { concurrency: 1 },
    );
    media = await recordingMedia('work', {
      MEDIA_RECORDING_MAX_MS: '60000',
      // Longer than ffmpeg's 10 s input timeout: a rejoin after it still continues the recording.
      MEDIA_RECORDING_REJOIN_MS: '20000',
    });
  });
  // Each source is an ffmpeg encoding VP8: none outlives its test (two cores, shared).
  afterEach(() => {
    for (const source of sources.splice(0)) source.close();
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await media?.close();
    await queue.close();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A media service recording into `dir/folder`, uploading to s3rver, queueing to `queue`. */
  const recordingMedia = (folder: string, env: Env) =>
    startTestMedia(
      {
        MEDIA_RECORDING_DIR: join(dir, folder),
        S3_ENDPOINT: s3.storage.endpoint,
        S3_BUCKET: 'recordings',
        ...env,
      },
      { queue },
    );

  async function joined(room: string, role: RoomRole, sub: string) {
    const client = await SignallingClient.connect(mediaUrl(media), roomToken(room, role, sub));
    clients.push(client);
    const join = await client.request('join', {});
    return { client, join };
  }

  function recordingToken(room: string, sub: string, lessonId = randomUUID()) {
    const version = randomUUID();
    const sourceKey = `lessons/${lessonId}/original/${version}`;
    const token = signToken(
      { typ: 'recording', sub, room, lessonId, version, sourceKey },
      TEST_JWT_SECRET,
      300,
    );
    return { token, lessonId, version, sourceKey };
  }

  /** Waits until the room's recording has written `seconds` (ffmpeg's progress), however loaded the machine. */
  const written = (roomId: string, seconds: number) =>
    waitFor(() => (media.recorder.progress(roomId)?.seconds ?? 0) >= seconds, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `${seconds} s recorded`,
    });

  async function publish(roomId: string, peerId: string) {
    const source = await publishTestMedia(media, roomId, peerId);
    sources.push(source);
    return source;
  }

  /** Publishes as `Room.produce` does: the room is told, and a waiting recording goes on. */
  async function publishAnnounced(roomId: string, peerId: string) {
    const source = await publish(roomId, peerId);
    const room = (await media.rooms.list()).find((r) => r.id === roomId)!;
    const peer = room.peers.get(peerId)!;
    room.emit('producer', peer, source.video);
    room.emit('producer', peer, source.audio);
    return source;
  }

  /** The uploaded recording of `sourceKey`, downloaded to `name` in the test folder. */
  async function uploaded(sourceKey: string, name: string) {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: 'recordings', Key: sourceKey }));
    const file = join(dir, name);
    await writeFile(file, await object.Body!.transformToByteArray());
    return file;
  }

  it('records the teacher into a playable file, uploads it and queues its transcode', async () => {
    const roomId = `live:${randomUUID()}`;
    const teacher = await joined(roomId, 'teacher', 'teacher-1');
    const learner = await joined(roomId, 'learner', 'learner-1');
    expect(learner.join.recording).toMatchObject({ active: false, stopReason: null });
    await publish(roomId, teacher.join.peerId);
    const rec = recordingToken(roomId, 'teacher-1');

    const told = learner.client.next('recording', (s) => s.active);
    const started = await teacher.client.request('startRecording', { token: rec.token });
    expect(started).toMatchObject({ active: true, byPeerId: teacher.join.peerId, lessonId: rec.lessonId });
    expect((await told).active).toBe(true);
    // A late joiner sees the indicator.
    const late = await joined(roomId, 'learner', 'learner-2');
    expect(late.join.recording.active).toBe(true);
    // One recording per room.
    const again = await teacher.client.ack('startRecording', { token: rec.token });
    expect(errorOf(again)?.code).toBe('conflict');

    await written(roomId, 4);
    const toldStop = learner.client.next('recording', (s: RecordingState) => !s.active);
    const stopped = await teacher.client.request('stopRecording', {});
    expect(stopped).toMatchObject({ active: false, stopReason: 'requested', lessonId: rec.lessonId });
    expect((await toldStop).stopReason).toBe('requested');

    const job = await waitFor(() => jobs.find((j) => j.lessonId === rec.lessonId), {
      timeoutMs: 20_000,
      what: 'the transcode job',
    });
    expect(job).toEqual({
      type: 'transcode',
      lessonId: rec.lessonId,
      version: rec.version,
      sourceKey: rec.sourceKey,
    });
    const object = await s3.client.send(new GetObjectCommand({ Bucket: 'recordings', Key: rec.sourceKey }));
    const file = join(dir, 'downloaded.mkv');
    await writeFile(file, await object.Body!.transformToByteArray());
    const info = await probe(file);
    const video = info.streams.find((s) => s.codec_type === 'video');
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    expect(video?.codec_name).toBe('vp8');
    expect(video?.width).toBe(640);
    expect(audio?.codec_name).toBe('opus');
    await expectPlayable(file, info, 3.5, 9);
  }, 60_000);

  it('goes on in a new part when the teacher turns the camera off and on; the parts are joined', async () => {
    const roomId = `live:${randomUUID()}`;
    const teacher = await joined(roomId, 'teacher', 'teacher-3');
    const first = await publish(roomId, teacher.join.peerId);
    const rec = recordingToken(roomId, 'teacher-3');
    await teacher.client.request('startRecording', { token: rec.token });
    await written(roomId, 3);
    const room = (await media.rooms.list()).find((r) => r.id === roomId)!;
    const peer = room.peers.get(teacher.join.peerId)!;
    first.video.close(); // camera off: the microphone goes on in the same part
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(media.recorder.state(roomId).active).toBe(true);
    const second = await startRtpSource<ProducerAppData>(room.router, {
      video: { peerId: peer.id, source: 'camera' },
    });
    sources.push(second);
    second.audio.close();
    peer.producers.set(second.video.id, second.video);
    room.emit('producer', peer, second.video); // as RoomMedia.produce does
    // The next part is written (its progress starts again from zero).
    await waitFor(() => (media.recorder.progress(roomId)?.seconds ?? 99) < 1, { what: 'a new part' });
    await written(roomId, 3);
    await teacher.client.request('stopRecording', {});
    await waitFor(() => jobs.find((j) => j.lessonId === rec.lessonId), { timeoutMs: 20_000, what: 'job' });

    const object = await s3.client.send(new GetObjectCommand({ Bucket: 'recordings', Key: rec.sourceKey }));
    const file = join(dir, 'joined.mkv');
    await writeFile(file, await object.Body!.transformToByteArray());
    const duration = Number((await probe(file)).format.duration);
    expect(duration).toBeGreaterThan(5.5);
    expect(duration).toBeLessThan(14);
    // Video of the second camera is in it, to the end.
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file],
    ]);
    const times = stdout.trim().split('\n').map(Number);
    expect(times.at(-1)!).toBeGreaterThan(duration - 1.5);
    const decoded = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    expect(decoded.stderr).not.toMatch(/Invalid data|could not find/i);
  }, 60_000);

  it('refuses bad requests with typed errors and keeps working', async () => {
    const roomId = `live:${randomUUID()}`;
    const teacher = await joined(roomId, 'teacher', 'teacher-2');
    const learner = await joined(roomId, 'learner', 'learner-3');

    // Nothing published yet.
    const rec = recordingToken(roomId, 'teacher-2');
    expect(errorOf(await teacher.client.ack('startRecording', { token: rec.token }))?.code).toBe('conflict');
    await publish(roomId, teacher.join.peerId);

    expect(errorOf(await teacher.client.ack('startRecording', {}))?.code).toBe('validation_failed');
    expect(errorOf(await teacher.client.ack('startRecording', { token: 'not-a-token' }))?.code).toBe(
      'unauthenticated',
    );
    const otherRoom = recordingToken(`live:${randomUUID()}`, 'teacher-2');
    expect(errorOf(await teacher.client.ack('startRecording', { token: otherRoom.token }))?.code).toBe(
      'forbidden',
    );
    const someoneElse = recordingToken(roomId, 'teacher-9');
    expect(errorOf(await teacher.client.ack('startRecording', { token: someoneElse.token }))?.code).toBe(
      'forbidden',
    );
    // A room token is not a recording token.
    const notRecording = roomToken(roomId, 'teacher', 'teacher-2');
    expect(errorOf(await teacher.client.ack('startRecording', { token: notRecording }))?.code).toBe(
      'unauthenticated',
    );
    // A learner cannot record, even holding a valid token naming them.
    const learnerToken = recordingToken(roomId, 'learner-3');
    expect(errorOf(await learner.client.ack('startRecording', { token: learnerToken.token }))?.code).toBe(
      'forbidden',
    );
    expect(errorOf(await teacher.client.ack('stopRecording', {}))?.code).toBe('conflict');
    expect(errorOf(await learner.client.ack('stopRecording', {}))?.code).toBe('forbidden');

    // Still works afterwards. The teacher leaving does not stop it at once (a reload comes back);
    // a moderator stops it meanwhile, everyone is told.
    await teacher.client.request('startRecording', { token: rec.token });
    // ffmpeg writes once it has probed the streams (at most 5 s): leave after that.
    await written(roomId, 1);
    await teacher.client.request('leave', {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(media.recorder.state(roomId).active).toBe(true);
    const moderator = await joined(roomId, 'moderator', 'moderator-1');
    expect(moderator.join.recording).toMatchObject({ active: true, lessonId: rec.lessonId });
    const told = learner.client.next('recording', (s) => !s.active);
    expect(await moderator.client.request('stopRecording', {})).toMatchObject({
      active: false,
      stopReason: 'requested',
    });
    expect(await told).toMatchObject({ active: false, stopReason: 'requested' });
    await waitFor(() => jobs.find((j) => j.lessonId === rec.lessonId), { timeoutMs: 20_000, what: 'job' });
  }, 60_000);

  /**
   * The teacher records 3 s, the page reloads (the peer leaves), the same user joins as a new
   * peer and publishes again: at once, or after the first part's ffmpeg ended by itself.
   */
  async function leaveAndRejoin(sub: string, afterFfmpegTimeout: boolean) {
    const roomId = `live:${randomUUID()}`;
    const teacher = await joined(roomId, 'teacher', sub);
    const learner = await joined(roomId, 'learner', `learner-of-${sub}`);
    const first = await publish(roomId, teacher.join.peerId);
    const rec = recordingToken(roomId, sub);
    await teacher.client.request('startRecording', { token: rec.token });
    await written(roomId, 3);

    // The page reloads: the peer leaves and its producers close with its transports (the test
    // source's are not on them: closed here); ffmpeg's input ends after 10 s without packets.
    teacher.client.close();
    first.close();
    const leftAt = Date.now();
    if (afterFfmpegTimeout) {
      await waitFor(() => media.recorder.progress(roomId)?.running === false, {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'the first part ended by itself',
      });
    }
    expect(media.recorder.state(roomId)).toMatchObject({ active: true, lessonId: rec.lessonId });

    // The same user, a new peer: the join reply names it as the recording's.
    const again = await joined(roomId, 'teacher', sub);
    expect(again.join.peerId).not.toBe(teacher.join.peerId);
    expect(again.join.recording).toMatchObject({ active: true, byPeerId: again.join.peerId });
    const told = learner.client.next('recording', (s) => s.active && s.byPeerId === again.join.peerId);
    await publishAnnounced(roomId, again.join.peerId);
    await told;
    // Back at once: the new part does not wait for the silent first one to end (ffmpeg reads no
    // `q` without packets; it ends 10 s after the last one).
    if (!afterFfmpegTimeout) expect(Date.now() - leftAt).toBeLessThan(7000);
    // The second part is written (its progress starts again from zero).
    await waitFor(() => media.recorder.progress(roomId)?.running === true, { what: 'a new part' });
    await written(roomId, 3);
    expect(media.recorder.state(roomId).active).toBe(true);
    const stopped = await again.client.request('stopRecording', {});
    expect(stopped).toMatchObject({ active: false, stopReason: 'requested' });
    await waitFor(() => jobs.find((j) => j.lessonId === rec.lessonId), { timeoutMs: 20_000, what: 'job' });

    const file = await uploaded(rec.sourceKey, `${sub}.mkv`);
    const info = await probe(file);
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
    // Both parts: at least 3 s each (the time away is not in it).
    await expectPlayable(file, info, 5.5, 14);
  }

  it(
    'goes on in a new part when the teacher reloads (a new peer, same user) and publishes again at once',
    () => leaveAndRejoin('teacher-5', false),
    60_000,
  );

  it(
    'goes on in a new part when the teacher is back after ffmpeg ended by itself, within the grace',
    () => leaveAndRejoin('teacher-8', true),
    90_000,
  );

  it('stops when the teacher is not back within the grace (teacher_left, source_closed); the file is kept', async () => {
    const short = await recordingMedia('grace', { MEDIA_RECORDING_REJOIN_MS: '2000' });
    /** Records `sub` for 2 s, then `away` (leave, or close the sources) and no return. */
    async function notBack(sub: string, away: 'leave' | 'sources', reason: RecordingStopReason) {
      const roomId = `live:${randomUUID()}`;
      const connect = async (role: RoomRole, user: string) => {
        const client = await SignallingClient.connect(mediaUrl(short), roomToken(roomId, role, user));
        clients.push(client);
        return { client, join: await client.request('join', {}) };
      };
      const teacher = await connect('teacher', sub);
      const learner = await connect('learner', `learner-of-${sub}`);
      const source = await publishTestMedia(short, roomId, teacher.join.peerId);
      sources.push(source);
      const rec = recordingToken(roomId, sub);
      await teacher.client.request('startRecording', { token: rec.token });
      await waitFor(() => (short.recorder.progress(roomId)?.seconds ?? 0) >= 2, {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: '2 s recorded',
      });
      const told = learner.client.next('recording', (s) => !s.active);
      if (away === 'leave') await teacher.client.request('leave', {});
      else source.close(); // camera and microphone off, the teacher stays
      expect(short.recorder.state(roomId).active).toBe(true);
      expect(await told).toMatchObject({ active: false, stopReason: reason, lessonId: rec.lessonId });
      await waitFor(() => jobs.find((j) => j.lessonId === rec.lessonId), { timeoutMs: 20_000, what: 'job' });
      const info = await probe(await uploaded(rec.sourceKey, `${sub}.mkv`));
      expect(Number(info.format.duration)).toBeGreaterThan(1.5);
    }
    try {
      await notBack('teacher-6', 'leave', 'teacher_left');
      await notBack('teacher-7', 'sources', 'source_closed');
    } finally {
      await short.close();
    }
  }, 60_000);

  it('stops by itself at MEDIA_RECORDING_MAX_MS, and the file is still delivered', async () => {
    const short = await recordingMedia('short', { MEDIA_RECORDING_MAX_MS: '6000' });
    try {
      const roomId = `live:${randomUUID()}`;
      const client = await SignallingClient.connect(
        mediaUrl(short),
        roomToken(roomId, 'teacher', 'teacher-4'),
      );
      clients.push(client);
      const { peerId } = await client.request('join', {});
      sources.push(await publishTestMedia(short, roomId, peerId));
      const rec = recordingToken(roomId, 'teacher-4');
      const stopped = client.next('recording', (s) => !s.active);
      await client.request('startRecording', { token: rec.token });
      expect(await stopped).toMatchObject({ stopReason: 'max_duration', lessonId: rec.lessonId });
      await waitFor(() => jobs.find((j) => j.lessonId === rec.lessonId), { timeoutMs: 20_000, what: 'job' });
    } finally {
      await short.close();
    }
  }, 60_000);
});
