import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InProcessQueue,
  listKeys,
  migrate,
  type Db,
  type JobQueue,
  type RealtimePublisher,
} from '@learnlive/common';
import { BullMqQueue } from '@learnlive/common/bullmq';
import { JOB_OPTIONS } from '@learnlive/contracts';
import {
  DATABASE_ADAPTERS,
  isDeleteObjects,
  startRedis,
  startS3,
  startS3FaultProxy,
  testLogger,
  waitFor,
  type S3FaultProxy,
  type TestDatabase,
  type TestS3,
} from '@learnlive/testing';
import { loadTranscoderConfig } from './config.js';
import { generateSource, type SourceSpec } from './generateSource.js';
import { parseMaster, parseMedia } from './playlists.js';
import { startTranscoder, type TranscoderService } from './service.js';
import { LessonVideoStore } from './lessonVideos.js';
import { MEDIA_GARBAGE_GRACE_MS, sweepDeletedLessons, sweepMediaGarbage } from './sweep.js';
import { seedCourse } from './apiRows.test-support.js';
import { ladderPrefix } from './transcode.js';

const API_MIGRATIONS = fileURLToPath(new URL('../../api/migrations', import.meta.url));
const logger = testLogger('transcoder');

let database: TestDatabase;
let db: Db;
let s3: TestS3;
let dir: string;
let queue: InProcessQueue;
let transcoder: TranscoderService;
let proxy: S3FaultProxy;
const events: Array<{ rooms: readonly string[]; event: string; payload: unknown }> = [];
const publisher: RealtimePublisher = {
  publish: (rooms, event, payload) => void events.push({ rooms, event, payload }),
  disconnect: () => {},
};
/** Every ffmpeg the transcoder starts, per lesson. */
const ffmpegs = new Map<string, ChildProcess[]>();
/** Storage faults: the proxy in front of s3rver answers 503 to this many PUTs. */
let failPuts = 0;
let failedPuts = 0;
/** Storage faults: while set, the proxy answers 503 to every multi-object delete. */
let failDeletes = false;
const original = { ...JOB_OPTIONS.transcode };
let instructorId: string;
let moduleId: string;
let courseId: string;

// Every test on both databases the transcoder runs on (PGlite is what `npm start` uses).
describe.each(DATABASE_ADAPTERS)('the transcoder on %s', (_adapter, createDatabase) => {
  beforeAll(async () => {
    Object.assign(JOB_OPTIONS.transcode, { backoffMs: 100 });
    database = await createDatabase();
    db = database.db;
    await migrate(db, { dir: API_MIGRATIONS, table: 'api_migrations' });
    s3 = await startS3('lessons');
    dir = await mkdtemp(join(tmpdir(), 'transcoder-test-'));
    // Real s3rver behind a real HTTP hop that can fail requests on demand.
    proxy = await startS3FaultProxy(s3.storage.endpoint!, (req) => {
      if (req.method === 'PUT' && failPuts > 0) {
        failPuts -= 1;
        failedPuts += 1;
        return true;
      }
      return failDeletes && isDeleteObjects(req);
    });

    ({ instructorId, courseId, moduleId } = await seedCourse(db));

    queue = new InProcessQueue(logger);
    transcoder = await startTranscoder(
      loadTranscoderConfig({
        TRANSCODER_PORT: '0',
        TRANSCODER_HOST: '127.0.0.1',
        DATABASE_URL: database.url,
        TRANSCODER_WORK_DIR: join(dir, 'work'),
        S3_ENDPOINT: proxy.endpoint,
        S3_BUCKET: 'lessons',
        TRANSCODER_STORAGE_BACKOFF_MS: '20',
        TRANSCODER_WATCH_INTERVAL_MS: '100',
        TRANSCODER_MAX_DURATION_SECONDS: '600',
        LOG_LEVEL: 'silent',
      }),
      logger,
      {
        db,
        queue,
        publisher,
        onFfmpeg: (child, lessonId) => ffmpegs.set(lessonId, [...(ffmpegs.get(lessonId) ?? []), child]),
      },
    );
  }, 120_000);

  afterAll(async () => {
    Object.assign(JOB_OPTIONS.transcode, original);
    await transcoder?.close();
    await queue?.close();
    await proxy?.close();
    await s3?.stop();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A lesson with an uploaded original, queued for transcoding as the API does after an upload. */
  async function uploadLesson(
    body: Buffer | string,
    into: JobQueue = queue,
  ): Promise<{ lessonId: string; version: string }> {
    const lesson = await db.query<{ id: string }>(
      `insert into lessons (course_id, module_id, title, kind, position) values ($1, $2, 'L', 'video', 0) returning id`,
      [courseId, moduleId],
    );
    const lessonId = lesson.rows[0]!.id;
    const version = randomUUID();
    const sourceKey = `lessons/${lessonId}/original/${version}`;
    const data = typeof body === 'string' ? await readFile(body) : body;
    await s3.client.send(new PutObjectCommand({ Bucket: 'lessons', Key: sourceKey, Body: data }));
    await db.query(
      `insert into lesson_videos (lesson_id, instructor_id, status, version, source_key) values ($1, $2, 'queued', $3, $4)`,
      [lessonId, instructorId, version, sourceKey],
    );
    await into.add({ type: 'transcode', lessonId, sourceKey, version }, `transcode-${lessonId}-${version}`);
    return { lessonId, version };
  }

  /** A re-upload of the lesson's video, queued as the API does (the published ladder stays). */
  async function reupload(lessonId: string, file: string): Promise<string> {
    const version = randomUUID();
    const sourceKey = `lessons/${lessonId}/original/${version}`;
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'lessons', Key: sourceKey, Body: await readFile(file) }),
    );
    await db.query(
      `update lesson_videos set status = 'queued', version = $2, source_key = $3, stage = null, percent = null,
       failure_reason = null, attempts = 0, updated_at = now()
     where lesson_id = $1`,
      [lessonId, version, sourceKey],
    );
    await queue.add({ type: 'transcode', lessonId, sourceKey, version }, `transcode-${lessonId}-${version}`);
    return version;
  }

  async function garbageRecorded(prefix: string): Promise<boolean> {
    const { rows } = await db.query('select 1 from media_garbage where prefix = $1', [prefix]);
    return rows.length > 0;
  }

  async function videoRow(lessonId: string) {
    const { rows } = await db.query<{
      status: string;
      failure_reason: string | null;
      hls_prefix: string | null;
      renditions: Array<{ name: string; width: number; height: number }>;
      attempts: number;
    }>(
      'select status, failure_reason, hls_prefix, renditions, attempts from lesson_videos where lesson_id = $1',
      [lessonId],
    );
    return rows[0];
  }

  const settled = (lessonId: string, timeoutMs = 90_000) =>
    waitFor(
      async () => {
        const row = await videoRow(lessonId);
        return row && (row.status === 'ready' || row.status === 'failed') ? row : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `lesson ${lessonId} to settle` },
    );

  async function getText(key: string): Promise<string> {
    const res = await s3.client.send(new GetObjectCommand({ Bucket: 'lessons', Key: key }));
    return res.Body!.transformToString();
  }

  function ffprobeJson(
    file: string,
  ): Promise<{ streams: Array<Record<string, unknown>>; format: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const child = spawn('ffprobe', [
        '-v',
        'error',
        '-print_format',
        'json',
        '-show_streams',
        '-show_format',
        file,
      ]);
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('close', (code) =>
        code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`ffprobe ${file}`)),
      );
    });
  }

  /** Downloads a published ladder to disk (playlists name relative files, as ffprobe reads them). */
  async function download(prefix: string, to: string): Promise<string[]> {
    const keys = await listKeys(s3.client, 'lessons', prefix);
    for (const key of keys) {
      const file = join(to, key.slice(prefix.length));
      await mkdir(dirname(file), { recursive: true });
      const res = await s3.client.send(new GetObjectCommand({ Bucket: 'lessons', Key: key }));
      await writeFile(file, await res.Body!.transformToByteArray());
    }
    return keys.map((k) => k.slice(prefix.length));
  }

  const SOURCES: ReadonlyArray<readonly [string, SourceSpec, string[]]> = [
    ['854x480 with audio', { width: 854, height: 480, fps: 30, seconds: 9, audio: true }, ['480p', '360p']],
    ['640x360 at 25 fps with audio', { width: 640, height: 360, fps: 25, seconds: 6, audio: true }, ['360p']],
    [
      'portrait 360x640 without audio',
      { width: 360, height: 640, fps: 30, seconds: 6, audio: false },
      ['360p'],
    ],
    ['320x180 (below every rung)', { width: 320, height: 180, fps: 24, seconds: 5, audio: true }, ['180p']],
  ];

  describe.each(SOURCES)('a %s source', (name, spec, expectedRungs) => {
    it('ends ready with a ladder that probes, parses, stays within the segment target and never upscales', async () => {
      const file = join(dir, `${name.replace(/\W+/g, '_')}.mp4`);
      await generateSource('ffmpeg', file, spec);
      const { lessonId, version } = await uploadLesson(file);
      const row = await settled(lessonId);
      expect(row.failure_reason).toBeNull();
      expect(row.status).toBe('ready');
      const prefix = ladderPrefix(lessonId, version);
      expect(row.hls_prefix).toBe(prefix);
      expect(row.renditions.map((r) => r.name)).toEqual(expectedRungs);

      const local = join(dir, `out-${lessonId}`);
      const files = await download(prefix, local);
      expect(files).toEqual(
        expect.arrayContaining(['master.m3u8', 'poster.jpg', 'storyboard.vtt', 'storyboard/sb_001.jpg']),
      );
      const master = parseMaster(await readFile(join(local, 'master.m3u8'), 'utf8'));
      const videoVariants = master.variants.filter((v) => v.resolution);
      expect(videoVariants.map((v) => v.uri)).toEqual(expectedRungs.map((r) => `${r}/index.m3u8`));
      for (const variant of videoVariants) {
        expect(variant.bandwidth).toBeGreaterThan(0);
        expect(variant.codecs.some((c) => c.startsWith('avc1.'))).toBe(true);
        if (spec.audio) {
          expect(variant.codecs).toContain('mp4a.40.2');
          expect(variant.audioGroup).toBeDefined();
        } else expect(variant.audioGroup).toBeUndefined();
        // never above the source, in either dimension
        expect(variant.resolution!.width).toBeLessThanOrEqual(spec.width);
        expect(variant.resolution!.height).toBeLessThanOrEqual(spec.height);
      }
      const audioMedia = master.media.filter((m) => m.type === 'AUDIO');
      expect(audioMedia).toHaveLength(spec.audio ? 1 : 0);
      if (spec.audio)
        expect(master.variants.some((v) => !v.resolution && v.codecs.join() === 'mp4a.40.2')).toBe(true);

      const playlists = [...videoVariants.map((v) => v.uri), ...audioMedia.map((m) => m.uri!)];
      for (const uri of playlists) {
        const media = parseMedia(await readFile(join(local, uri), 'utf8'));
        expect(media.ended && media.vod).toBe(true);
        expect(media.map).toBeDefined();
        expect(media.targetDuration).toBeLessThanOrEqual(4);
        const durations = media.segments.map((s) => s.duration);
        const total = durations.reduce((a, b) => a + b, 0);
        expect(total).toBeGreaterThan(spec.seconds - 0.2);
        expect(total).toBeLessThan(spec.seconds + 0.2);
        // every segment but the last is one keyframe interval; none exceeds the target
        for (const d of durations.slice(0, -1)) expect(Math.abs(d - 4)).toBeLessThan(0.1);
        expect(Math.max(...durations)).toBeLessThanOrEqual(4.1);
      }
      for (const variant of videoVariants) {
        const probe = await ffprobeJson(join(local, variant.uri));
        const video = probe.streams.find((s) => s.codec_type === 'video')!;
        expect(video.codec_name).toBe('h264');
        expect([video.width, video.height]).toEqual([variant.resolution!.width, variant.resolution!.height]);
        expect(Number(probe.format.duration)).toBeGreaterThan(spec.seconds - 0.5);
      }
      if (spec.audio) {
        const probe = await ffprobeJson(join(local, audioMedia[0]!.uri!));
        expect(probe.streams.map((s) => s.codec_name)).toEqual(['aac']);
      }
      const vtt = await readFile(join(local, 'storyboard.vtt'), 'utf8');
      expect(vtt.startsWith('WEBVTT')).toBe(true);
      expect(vtt).toMatch(/storyboard\/sb_001\.jpg#xywh=0,0,\d+,\d+/);
      // the instructor saw progress, then ready
      const mine = events.filter((e) => (e.payload as { lessonId: string }).lessonId === lessonId);
      expect(mine.every((e) => e.rooms[0] === `user:${instructorId}` && e.event === 'lesson:progress')).toBe(
        true,
      );
      expect(mine.some((e) => (e.payload as { stage: string }).stage === 'transcoding')).toBe(true);
      expect(mine.at(-1)!.payload).toMatchObject({ status: 'ready', percent: 100 });
    });
  });

  describe('bad uploads', () => {
    it('random bytes end failed with a reason, and nothing is published', async () => {
      const { lessonId, version } = await uploadLesson(randomBytes(200_000));
      const row = await settled(lessonId);
      expect(row.status).toBe('failed');
      expect(row.failure_reason).toMatch(/could not be read as a video/);
      expect(row.attempts).toBe(1);
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, version))).toEqual([]);
    });

    it('an audio-only file ends failed: no video stream', async () => {
      const file = join(dir, 'audio.m4a');
      await new Promise<void>((resolve, reject) => {
        const child = spawn('ffmpeg', [
          '-v',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          'sine=d=3',
          '-c:a',
          'aac',
          file,
        ]);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error('ffmpeg'))));
      });
      const { lessonId } = await uploadLesson(file);
      const row = await settled(lessonId);
      expect(row.status).toBe('failed');
      expect(row.failure_reason).toMatch(/no video stream/);
    });

    it('a truncated video ends failed with a reason', async () => {
      const file = join(dir, 'whole.mp4');
      await generateSource('ffmpeg', file, { width: 320, height: 180, fps: 24, seconds: 3, audio: false });
      const whole = await readFile(file);
      // faststart puts the index first: cutting the tail leaves a file whose frames are missing
      const { lessonId } = await uploadLesson(whole.subarray(0, Math.floor(whole.length / 3)));
      const row = await settled(lessonId);
      expect(row.status).toBe('failed');
      expect(row.failure_reason).toMatch(/damaged|could not be read/);
    });
  });

  describe('faults', () => {
    // Transcodes on a shared 2-core machine: under load each wait can take minutes, so the waits
    // below only catch hangs and the test's own limit bounds the whole.
    const TRANSCODE_HANG_MS = 600_000;
    it(
      'a variable-frame-rate source (a screen recording) keeps every segment within the target',
      async () => {
        // Bursts at 30 fps, then 5 fps stretches: a frame count (`-g`) alone puts key frames late.
        const file = join(dir, 'vfr.mp4');
        await new Promise<void>((resolve, reject) => {
          const child = spawn('ffmpeg', [
            ...['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'],
            ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
            ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '14'],
            ...['-vf', "select='lt(mod(t\\,7)\\,3)+not(mod(n\\,6))'", '-vsync', 'vfr'],
            ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file],
          ]);
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
        });
        const video = (await ffprobeJson(file)).streams.find((st) => st.codec_type === 'video')!;
        expect(video.avg_frame_rate).not.toBe(video.r_frame_rate); // really variable
        const { lessonId, version } = await uploadLesson(file);
        const row = await settled(lessonId, TRANSCODE_HANG_MS);
        expect(row.failure_reason).toBeNull();
        const prefix = ladderPrefix(lessonId, version);
        const master = parseMaster(await getText(prefix + 'master.m3u8'));
        const uris = [
          ...master.variants.map((v) => v.uri),
          ...master.media.flatMap((m) => (m.uri ? [m.uri] : [])),
        ];
        expect(uris.length).toBeGreaterThanOrEqual(2);
        for (const uri of new Set(uris)) {
          const durations = parseMedia(await getText(prefix + uri)).segments.map((seg) => seg.duration);
          expect(durations.reduce((a, b) => a + b, 0)).toBeGreaterThan(13.5);
          expect(Math.max(...durations), uri).toBeLessThanOrEqual(4.1);
        }
      },
      TRANSCODE_HANG_MS,
    );

    it(
      'ffmpeg killed mid-transcode: the job is retried and ends ready with one complete ladder',
      async () => {
        const file = join(dir, 'kill.mp4');
        await generateSource('ffmpeg', file, { width: 854, height: 480, fps: 30, seconds: 12, audio: true });
        const before = events.length;
        const { lessonId, version } = await uploadLesson(file);
        const first = await waitFor(() => ffmpegs.get(lessonId)?.[0], {
          what: 'the first ffmpeg',
          timeoutMs: TRANSCODE_HANG_MS,
        });
        await waitFor(
          () =>
            events
              .slice(before)
              .some(
                (e) =>
                  (e.payload as { lessonId: string; stage: string; percent: number }).lessonId === lessonId &&
                  (e.payload as { percent: number }).percent > 0 &&
                  (e.payload as { stage: string }).stage === 'transcoding',
              ),
          { what: 'transcoding progress', timeoutMs: TRANSCODE_HANG_MS },
        );
        // Killed while it runs: progress means it has written part of the ladder, and a 12 s source
        // leaves it far from done.
        expect(first.exitCode).toBeNull();
        first.kill('SIGKILL');
        const row = await settled(lessonId, TRANSCODE_HANG_MS);
        expect(row.status).toBe('ready');
        expect(row.attempts).toBe(2);
        expect(ffmpegs.get(lessonId)).toHaveLength(2);
        // one ladder: every object under the lesson's hls/ is this version's, and each is referenced
        const keys = await listKeys(s3.client, 'lessons', `lessons/${lessonId}/hls/`);
        const prefix = ladderPrefix(lessonId, version);
        expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
        const master = parseMaster(await getText(prefix + 'master.m3u8'));
        const expected = new Set([
          'master.m3u8',
          'complete.json',
          'poster.jpg',
          'storyboard.vtt',
          'storyboard/sb_001.jpg',
        ]);
        const uris = [
          ...master.variants.map((v) => v.uri),
          ...master.media.flatMap((m) => (m.uri ? [m.uri] : [])),
        ];
        for (const uri of new Set(uris)) {
          expected.add(uri);
          const media = parseMedia(await getText(prefix + uri));
          const base = uri.slice(0, uri.lastIndexOf('/') + 1);
          expected.add(base + media.map!);
          for (const s of media.segments) expected.add(base + s.uri);
        }
        expect(new Set(keys.map((k) => k.slice(prefix.length)))).toEqual(expected);
      },
      TRANSCODE_HANG_MS,
    );

    it('running the finished job again does no work and stores nothing more', async () => {
      const file = join(dir, 'again.mp4');
      await generateSource('ffmpeg', file, { width: 320, height: 180, fps: 24, seconds: 3, audio: false });
      const { lessonId, version } = await uploadLesson(file);
      expect((await settled(lessonId)).status).toBe('ready');
      const keys = await listKeys(s3.client, 'lessons', `lessons/${lessonId}/`);
      await queue.add(
        { type: 'transcode', lessonId, sourceKey: `lessons/${lessonId}/original/${version}`, version },
        `again-${lessonId}`,
      );
      await queue.onIdle();
      expect(ffmpegs.get(lessonId)).toHaveLength(1);
      expect((await videoRow(lessonId))!.attempts).toBe(1);
      expect(await listKeys(s3.client, 'lessons', `lessons/${lessonId}/`)).toEqual(keys);
    });

    it('storage errors are retried and the lesson still ends ready', async () => {
      const file = join(dir, 'flaky.mp4');
      await generateSource('ffmpeg', file, { width: 320, height: 180, fps: 24, seconds: 5, audio: true });
      const { lessonId } = await uploadLesson(file);
      await waitFor(async () => (await videoRow(lessonId))?.status === 'processing', { what: 'processing' });
      failedPuts = 0;
      failPuts = 5;
      const row = await settled(lessonId);
      expect(failedPuts).toBe(5);
      expect(row.status).toBe('ready');
      expect(row.attempts).toBe(1);
    });

    it('deleting the lesson mid-transcode kills ffmpeg, removes temporary files and publishes nothing', async () => {
      const file = join(dir, 'delete.mp4');
      await generateSource('ffmpeg', file, { width: 854, height: 480, fps: 30, seconds: 12, audio: true });
      const { lessonId, version } = await uploadLesson(file);
      const child = await waitFor(() => ffmpegs.get(lessonId)?.[0], { what: 'ffmpeg', timeoutMs: 30_000 });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      await db.query('delete from lessons where id = $1', [lessonId]);
      expect(await exited).toBe('SIGKILL');
      await queue.onIdle();
      expect(
        await readdir(join(dir, 'work')).then((names) => names.filter((n) => n.startsWith(lessonId))),
      ).toEqual([]);
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, version))).toEqual([]);
      expect(ffmpegs.get(lessonId)).toHaveLength(1);
    });
  });

  describe('deleted lessons', () => {
    it('their media is swept from object storage; other lessons keep theirs', async () => {
      const file = join(dir, 'sweep.mp4');
      await generateSource('ffmpeg', file, { width: 320, height: 180, fps: 24, seconds: 2, audio: false });
      const kept = await uploadLesson(file);
      const removed = await uploadLesson(file);
      await settled(kept.lessonId);
      await settled(removed.lessonId);
      await db.query('delete from lessons where id = $1', [removed.lessonId]);
      const gone = await sweepDeletedLessons(db, s3.client, 'lessons');
      expect(gone).toContain(removed.lessonId);
      expect(gone).not.toContain(kept.lessonId);
      expect(await listKeys(s3.client, 'lessons', `lessons/${removed.lessonId}/`)).toEqual([]);
      expect((await listKeys(s3.client, 'lessons', `lessons/${kept.lessonId}/`)).length).toBeGreaterThan(3);
    });
  });

  describe('replaced ladders (re-uploads)', () => {
    it('publishing records the replaced ladder; the worker removes it and its record, or the sweeper does', async () => {
      const file = join(dir, 'reupload.mp4');
      await generateSource('ffmpeg', file, { width: 320, height: 180, fps: 24, seconds: 2, audio: false });
      const { lessonId, version: first } = await uploadLesson(file);
      expect((await settled(lessonId)).status).toBe('ready');
      const firstKeys = await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, first));
      expect(firstKeys.length).toBeGreaterThan(3);

      // The normal path: the publishing worker removes the replaced ladder, then its record.
      const second = await reupload(lessonId, file);
      expect((await settled(lessonId)).hls_prefix).toBe(ladderPrefix(lessonId, second));
      await queue.onIdle();
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, first))).toEqual([]);
      expect(await garbageRecorded(ladderPrefix(lessonId, first))).toBe(false);

      // Storage refuses the delete: the record written by the publishing transaction stays.
      const secondKeys = await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, second));
      failDeletes = true;
      let third: string;
      try {
        third = await reupload(lessonId, file);
        expect((await settled(lessonId)).hls_prefix).toBe(ladderPrefix(lessonId, third));
        await queue.onIdle();
      } finally {
        failDeletes = false;
      }
      expect(await garbageRecorded(ladderPrefix(lessonId, second))).toBe(true);
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, second))).toEqual(secondKeys);
      const thirdKeys = await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, third));

      expect(await sweepMediaGarbage(db, s3.client, 'lessons', { graceMs: 0 })).toContain(
        ladderPrefix(lessonId, second),
      );
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, second))).toEqual([]);
      expect(await garbageRecorded(ladderPrefix(lessonId, second))).toBe(false);
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, third))).toEqual(thirdKeys);
    });

    it('a worker that dies right after publishing: the sweeper removes the replaced ladder after the grace', async () => {
      // No ffmpeg needed: two ladders stand in as a few objects each, published through the store.
      const lesson = await db.query<{ id: string }>(
        `insert into lessons (course_id, module_id, title, kind, position) values ($1, $2, 'L', 'video', 0) returning id`,
        [courseId, moduleId],
      );
      const lessonId = lesson.rows[0]!.id;
      const [older, newer] = [randomUUID(), randomUUID()];
      const objects = ['master.m3u8', '180p/index.m3u8', '180p/seg_000.m4s', 'complete.json'];
      for (const version of [older, newer]) {
        for (const name of objects) {
          await s3.client.send(
            new PutObjectCommand({
              Bucket: 'lessons',
              Key: ladderPrefix(lessonId, version) + name,
              Body: name,
            }),
          );
        }
      }
      await db.query(
        `insert into lesson_videos (lesson_id, instructor_id, status, version) values ($1, $2, 'processing', $3)`,
        [lessonId, instructorId, older],
      );
      const store = new LessonVideoStore(db);
      const ladder = (version: string) => ({
        prefix: ladderPrefix(lessonId, version),
        durationSeconds: 2,
        renditions: [{ name: '180p', width: 320, height: 180, bitrate: 250_000 }],
        hasPoster: false,
        hasStoryboard: false,
      });
      expect(await store.publish(lessonId, older, ladder(older))).toEqual({ replacedPrefix: null });
      await db.query(`update lesson_videos set status = 'processing', version = $2 where lesson_id = $1`, [
        lessonId,
        newer,
      ]);
      // The crash: the new version is published and the process is gone before any delete.
      expect(await store.publish(lessonId, newer, ladder(newer))).toEqual({
        replacedPrefix: ladderPrefix(lessonId, older),
      });
      expect(await garbageRecorded(ladderPrefix(lessonId, older))).toBe(true);

      // Within the grace the sweeper leaves it to the publishing worker.
      expect(MEDIA_GARBAGE_GRACE_MS).toBeGreaterThan(0);
      expect(await sweepMediaGarbage(db, s3.client, 'lessons')).not.toContain(ladderPrefix(lessonId, older));
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, older))).toHaveLength(
        objects.length,
      );

      expect(await sweepMediaGarbage(db, s3.client, 'lessons', { graceMs: 0 })).toContain(
        ladderPrefix(lessonId, older),
      );
      expect(await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, older))).toEqual([]);
      expect(await garbageRecorded(ladderPrefix(lessonId, older))).toBe(false);
      expect(
        (await listKeys(s3.client, 'lessons', ladderPrefix(lessonId, newer))).map((k) =>
          k.slice(ladderPrefix(lessonId, newer).length),
        ),
      ).toEqual(expect.arrayContaining(objects));
      expect((await videoRow(lessonId))!.hls_prefix).toBe(ladderPrefix(lessonId, newer));
    });
  });

  describe('on BullMQ (REDIS_URL set)', () => {
    it('a job added by another process runs to ready, and a cancel from there kills its ffmpeg', async () => {
      const redis = await startRedis();
      const children: ChildProcess[] = [];
      const worker = await startTranscoder(
        loadTranscoderConfig({
          TRANSCODER_PORT: '0',
          TRANSCODER_HOST: '127.0.0.1',
          DATABASE_URL: database.url,
          REDIS_URL: redis.url,
          TRANSCODER_WORK_DIR: join(dir, 'work-bullmq'),
          S3_ENDPOINT: s3.storage.endpoint!,
          S3_BUCKET: 'lessons',
          LOG_LEVEL: 'silent',
        }),
        logger,
        { db, onFfmpeg: (child) => children.push(child) },
      );
      // What the API does in its own process: a queue of its own on the same Redis.
      const producer = new BullMqQueue({ redisUrl: redis.url }, logger);
      try {
        expect(worker.queue.kind).toBe('bullmq');
        const small = join(dir, 'bullmq.mp4');
        await generateSource('ffmpeg', small, { width: 320, height: 180, fps: 24, seconds: 4, audio: true });
        const first = await uploadLesson(small, producer);
        expect((await settled(first.lessonId)).status).toBe('ready');

        const long = join(dir, 'bullmq-long.mp4');
        await generateSource('ffmpeg', long, { width: 854, height: 480, fps: 30, seconds: 12, audio: true });
        const second = await uploadLesson(long, producer);
        await waitFor(() => children.length === 2, { what: 'the second ffmpeg', timeoutMs: 30_000 });
        const exited = new Promise((resolve) =>
          children[1]!.once('exit', (_code, signal) => resolve(signal)),
        );
        await producer.cancel(`transcode-${second.lessonId}-${second.version}`);
        expect(await exited).toBe('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(children).toHaveLength(2);
        expect(await readdir(join(dir, 'work-bullmq'))).toEqual([]);
      } finally {
        await producer.close();
        await worker.close();
        await redis.stop();
      }
    });
  });
});
