// Lesson videos end to end across two services: the API takes the upload (tus) and enqueues,
// the transcoder builds the ladder, the API serves it. It lives with the all-in-one because
// services never import each other (dependency-cruiser, `npm run lint`), tests included.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessQueue, listKeys, signToken, type Db } from '@learnlive/common';
import { loadApiConfig, playbackKey, signPlayback, startApi, type ApiService } from '@learnlive/api';
import { LessonVideoSchema, PlaybackSchema } from '@learnlive/contracts';
import {
  TEST_JWT_SECRET,
  createPostgresDatabase,
  isDeleteObjects,
  startS3,
  startS3FaultProxy,
  testLogger,
  waitFor,
  type S3FaultProxy,
  type TestDatabase,
  type TestS3,
} from '@learnlive/testing';
import {
  generateSource,
  loadTranscoderConfig,
  startTranscoder,
  sweepMediaGarbage,
  type TranscoderService,
} from '@learnlive/transcoder';

const logger = testLogger('video');
let database: TestDatabase;
let db: Db;
let s3: TestS3;
/** The API reaches s3rver through this; the transcoder goes straight to it. */
let storageProxy: S3FaultProxy;
/** Storage faults: while set, the API's multi-object deletes are answered 503. */
let failDeletes = false;
let dir: string;
let queue: InProcessQueue;
let api: ApiService;
let transcoder: TranscoderService;
let base = '';
const CHUNK = 64 * 1024;

interface Person {
  id: string;
  token: string;
}
let instructor: Person;
let otherInstructor: Person;
let learner: Person;
let stranger: Person;
let courseId: string;
let lessonId: string;
let source: Buffer;

async function person(email: string, role: 'learner' | 'instructor'): Promise<Person> {
  const { rows } = await db.query<{ id: string }>(
    `insert into users (email, display_name, password_hash, role) values ($1, $1, 'x', $2) returning id`,
    [email, role],
  );
  const id = rows[0]!.id;
  return { id, token: signToken({ typ: 'access', sub: id, role, name: email }, TEST_JWT_SECRET, 600) };
}

async function call(
  method: string,
  path: string,
  who?: Person,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(who ? { authorization: `Bearer ${who.token}` } : {}),
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return res;
}

function tus(
  file: Buffer,
  who: Person,
  options: { uploadUrl?: string; lesson?: string; onProgress?: (n: number) => void } = {},
) {
  let upload!: Upload;
  const done = new Promise<string>((resolve, reject) => {
    upload = new Upload(file, {
      endpoint: `${base}/api/uploads`,
      uploadUrl: options.uploadUrl,
      chunkSize: CHUNK,
      retryDelays: [],
      metadata: { lessonId: options.lesson ?? lessonId, filename: 'lesson.mp4', filetype: 'video/mp4' },
      headers: { authorization: `Bearer ${who.token}` },
      onProgress: (sent) => options.onProgress?.(sent),
      onSuccess: () => resolve(upload.url!),
      onError: reject,
    });
  });
  upload.start();
  return { upload, done };
}

/** The `media_garbage` records under a lesson's folder. */
async function garbageUnder(lesson: string): Promise<string[]> {
  const { rows } = await db.query<{ prefix: string }>(
    'select prefix from media_garbage where prefix like $1 order by prefix collate "C"',
    [`lessons/${lesson}/%`],
  );
  return rows.map((row) => row.prefix);
}

beforeAll(async () => {
  database = await createPostgresDatabase();
  db = database.db;
  s3 = await startS3('learnlive');
  storageProxy = await startS3FaultProxy(s3.storage.endpoint!, (req) => failDeletes && isDeleteObjects(req));
  dir = await mkdtemp(join(tmpdir(), 'video-test-'));
  queue = new InProcessQueue(logger);
  const env = {
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: database.url,
    S3_ENDPOINT: s3.storage.endpoint!,
    S3_BUCKET: 'learnlive',
    LOG_LEVEL: 'silent',
  };
  api = await startApi(
    loadApiConfig({
      ...env,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      API_BODY_LIMIT: String(CHUNK),
      LESSON_UPLOAD_DIR: join(dir, 'uploads'),
      LESSON_UPLOAD_MAX_BYTES: String(20 * 1024 * 1024),
      S3_ENDPOINT: storageProxy.endpoint,
    }),
    logger,
    { db, queue },
  );
  base = `http://127.0.0.1:${api.port}`;
  transcoder = await startTranscoder(
    loadTranscoderConfig({
      ...env,
      TRANSCODER_PORT: '0',
      TRANSCODER_HOST: '127.0.0.1',
      TRANSCODER_WORK_DIR: join(dir, 'work'),
    }),
    logger,
    { db, queue },
  );
  instructor = await person('ins@example.org', 'instructor');
  otherInstructor = await person('other@example.org', 'instructor');
  learner = await person('learner@example.org', 'learner');
  stranger = await person('stranger@example.org', 'learner');
  const course = await db.query<{ id: string }>(
    `insert into courses (instructor_id, title, status) values ($1, 'Video course', 'published') returning id`,
    [instructor.id],
  );
  courseId = course.rows[0]!.id;
  const mod = await db.query<{ id: string }>(
    `insert into course_modules (course_id, title, position) values ($1, 'M', 0) returning id`,
    [courseId],
  );
  const lesson = await db.query<{ id: string }>(
    `insert into lessons (course_id, module_id, title, kind, position) values ($1, $2, 'L', 'video', 0) returning id`,
    [courseId, mod.rows[0]!.id],
  );
  lessonId = lesson.rows[0]!.id;
  await db.query(`insert into enrollments (user_id, course_id, source) values ($1, $2, 'free')`, [
    learner.id,
    courseId,
  ]);
  const file = join(dir, 'source.mp4');
  await generateSource('ffmpeg', file, { width: 640, height: 360, fps: 25, seconds: 6, audio: true });
  source = await readFile(file);
}, 120_000);

afterAll(async () => {
  await transcoder?.close();
  await api?.close();
  await queue?.close();
  await storageProxy?.close();
  await s3?.stop();
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lesson video upload', () => {
  it('checks size, type and role before an upload starts', async () => {
    const path = `/api/lessons/${lessonId}/video/upload`;
    const ok = await call('POST', path, instructor, { filename: 'a.mp4', size: 1000, type: 'video/mp4' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      endpoint: '/api/uploads',
      chunkBytes: CHUNK,
      maxBytes: 20 * 1024 * 1024,
    });
    expect(
      (await call('POST', path, instructor, { filename: 'a.mp4', size: 30 * 1024 * 1024, type: 'video/mp4' }))
        .status,
    ).toBe(413);
    expect(
      (await call('POST', path, instructor, { filename: 'a.pdf', size: 10, type: 'application/pdf' })).status,
    ).toBe(400);
    expect(
      (await call('POST', path, otherInstructor, { filename: 'a.mp4', size: 10, type: 'video/mp4' })).status,
    ).toBe(404);
    expect(
      (await call('POST', path, learner, { filename: 'a.mp4', size: 10, type: 'video/mp4' })).status,
    ).toBe(403);
  });

  it('refuses a tus upload from anyone but the course instructor, and of a non-video type', async () => {
    await expect(tus(source, otherInstructor).done).rejects.toThrow(/403/);
    await expect(tus(source, learner).done).rejects.toThrow(/403/);
    const wrongType = new Promise((resolve, reject) => {
      new Upload(Buffer.from('hello'), {
        endpoint: `${base}/api/uploads`,
        retryDelays: [],
        metadata: { lessonId, filename: 'notes.txt', filetype: 'text/plain' },
        headers: { authorization: `Bearer ${instructor.token}` },
        onSuccess: resolve,
        onError: reject,
      }).start();
    });
    await expect(wrongType).rejects.toThrow(/415/);
  });

  it('resumes an interrupted upload where it stopped, keeps the original and transcodes it', async () => {
    let sent = 0;
    const first = tus(source, instructor, { onProgress: (n) => (sent = n) });
    await waitFor(() => sent >= source.length / 3, { what: 'a third of the upload' });
    await first.upload.abort();
    const url = first.upload.url!;
    expect(url).toMatch(/\/api\/uploads\/\w+$/);
    // someone else cannot continue it
    await expect(tus(source, otherInstructor, { uploadUrl: url }).done).rejects.toThrow(/403/);
    const resumedFrom: number[] = [];
    const second = tus(source, instructor, { uploadUrl: url, onProgress: (n) => resumedFrom.push(n) });
    await second.done;
    // the first report after resuming already counts the bytes sent before the interruption
    expect(resumedFrom[0]).toBeGreaterThan(CHUNK);
    const video = await waitFor(
      async () => {
        const res = await call('GET', `/api/lessons/${lessonId}/video`, instructor);
        const body = LessonVideoSchema.parse(await res.json());
        return body.status === 'ready' || body.status === 'failed' ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the video to be ready' },
    );
    expect(video.failureReason).toBeNull();
    expect(video.status).toBe('ready');
    expect(video.renditions.map((r) => r.name)).toEqual(['360p']);
    const keys = await s3.client.send(
      new ListObjectsV2Command({ Bucket: 'learnlive', Prefix: `lessons/${lessonId}/original/` }),
    );
    expect(keys.Contents?.map((o) => o.Size)).toEqual([source.length]);
    const lesson = await db.query<{ duration_seconds: number }>(
      'select duration_seconds from lessons where id = $1',
      [lessonId],
    );
    expect(lesson.rows[0]!.duration_seconds).toBe(6);
  });
});

describe('lesson video playback', () => {
  it('a stranger gets 403, and so does a forged or expired link', async () => {
    expect((await call('GET', `/api/lessons/${lessonId}/playback`, stranger)).status).toBe(403);
    expect((await call('GET', `/api/lessons/${lessonId}/video`, stranger)).status).toBe(403);
    expect((await call('GET', `/api/lessons/${lessonId}/playback`)).status).toBe(401);
    const version = (
      await db.query<{ version: string }>('select version from lesson_videos where lesson_id = $1', [
        lessonId,
      ])
    ).rows[0]!.version;
    const key = playbackKey(TEST_JWT_SECRET);
    const expired = signPlayback(key, {
      l: lessonId,
      v: version,
      u: stranger.id,
      e: Math.floor(Date.now() / 1000) - 1,
    });
    expect((await call('GET', `/api/media/${expired}/master.m3u8`)).status).toBe(403);
    const forged = signPlayback(playbackKey('x'.repeat(40)), {
      l: lessonId,
      v: version,
      u: stranger.id,
      e: 4e9,
    });
    expect((await call('GET', `/api/media/${forged}/master.m3u8`)).status).toBe(403);
  });

  it('an enrolled learner gets signed URLs that serve the master, a variant, its segments, poster and storyboard', async () => {
    const res = await call('GET', `/api/lessons/${lessonId}/playback`, learner);
    expect(res.status).toBe(200);
    const playback = PlaybackSchema.parse(await res.json());
    expect(playback.courseId).toBe(courseId);
    expect(playback.durationSeconds).toBeCloseTo(6, 0);
    const master = await call('GET', playback.masterUrl);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(master.headers.get('cache-control')).toMatch(/^private/);
    const text = await master.text();
    const variant = text.split('\n').find((l) => l.endsWith('.m3u8') && l.startsWith('360p'))!;
    const folder = playback.masterUrl.replace(/master\.m3u8$/, '');
    const media = await (await call('GET', folder + variant)).text();
    const segment = media.split('\n').find((l) => l.endsWith('.m4s'))!;
    const seg = await call('GET', `${folder}360p/${segment}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/iso.segment');
    expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const ranged = await call('GET', `${folder}360p/${segment}`, undefined, undefined, {
      range: 'bytes=0-99',
    });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    expect((await call('GET', playback.posterUrl!)).headers.get('content-type')).toBe('image/jpeg');
    expect(await (await call('GET', playback.storyboardUrl!)).text()).toMatch(/^WEBVTT/);
    expect((await call('GET', `${folder}..%2F..%2Foriginal`)).status).toBe(404);
  });

  it('captions per language, served with the same signature', async () => {
    const put = (body: string) =>
      call('PUT', `/api/lessons/${lessonId}/captions/pt-BR?label=Portugu%C3%AAs`, instructor, body, {
        'content-type': 'text/vtt',
      });
    expect((await put('not captions')).status).toBe(400);
    expect((await put('WEBVTT\n\n00:00.000 --> 00:02.000\nOlá\n')).status).toBe(204);
    expect(
      (
        await call('PUT', `/api/lessons/${lessonId}/captions/en`, learner, 'WEBVTT\n', {
          'content-type': 'text/vtt',
        })
      ).status,
    ).toBe(403);
    const playback = PlaybackSchema.parse(
      await (await call('GET', `/api/lessons/${lessonId}/playback`, learner)).json(),
    );
    expect(playback.captions).toEqual([
      { language: 'pt-BR', label: 'Português', url: expect.stringMatching(/captions\/pt-BR\.vtt$/) },
    ]);
    expect(await (await call('GET', playback.captions[0]!.url)).text()).toContain('Olá');
  });

  it('a new upload replaces the video: learners keep the older ladder until the new one is published, then it goes', async () => {
    const before = (
      await db.query<{ version: string }>('select version from lesson_videos where lesson_id = $1', [
        lessonId,
      ])
    ).rows[0]!.version;
    const file = join(dir, 'second.mp4');
    await generateSource('ffmpeg', file, { width: 320, height: 180, fps: 24, seconds: 3, audio: false });
    await tus(await readFile(file), instructor).done;
    // The older original went with the upload, and so did its media_garbage record.
    expect(await listKeys(s3.client, 'learnlive', `lessons/${lessonId}/original/${before}`)).toEqual([]);
    expect(await garbageUnder(lessonId)).toEqual([]);
    // Uploaded, not yet transcoded (ffprobe and ffmpeg take far longer than these requests):
    // learners still play the previous ladder.
    const during = (
      await db.query<{ status: string; published_version: string }>(
        'select status, published_version from lesson_videos where lesson_id = $1',
        [lessonId],
      )
    ).rows[0]!;
    expect(during.status).not.toBe('ready');
    expect(during.published_version).toBe(before);
    const old = PlaybackSchema.parse(
      await (await call('GET', `/api/lessons/${lessonId}/playback`, learner)).json(),
    );
    expect((await call('GET', old.masterUrl)).status).toBe(200);
    const pending = LessonVideoSchema.parse(
      await (await call('GET', `/api/lessons/${lessonId}/video`, instructor)).json(),
    );
    expect(pending).toMatchObject({ playable: true });
    const video = await waitFor(
      async () => {
        const body = LessonVideoSchema.parse(
          await (await call('GET', `/api/lessons/${lessonId}/video`, instructor)).json(),
        );
        return body.status === 'ready' ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the new video' },
    );
    expect(video.renditions.map((r) => r.name)).toEqual(['180p']);
    const list = async (prefix: string) =>
      (await s3.client.send(new ListObjectsV2Command({ Bucket: 'learnlive', Prefix: prefix }))).Contents ??
      [];
    expect(await list(`lessons/${lessonId}/hls/${before}/`)).toEqual([]);
    expect((await list(`lessons/${lessonId}/original/`)).map((o) => o.Key)).not.toContain(
      `lessons/${lessonId}/original/${before}`,
    );
    expect(await list(`lessons/${lessonId}/original/`)).toHaveLength(1);
    // The transcoder removes the replaced ladder's record after its files.
    await waitFor(async () => (await garbageUnder(lessonId)).length === 0, { what: 'no garbage left' });
    expect((await call('GET', old.masterUrl)).status).toBe(404);
    const current = PlaybackSchema.parse(
      await (await call('GET', `/api/lessons/${lessonId}/playback`, learner)).json(),
    );
    expect((await call('GET', current.masterUrl)).status).toBe(200);
  });

  it('the instructor deletes the video: files go, links stop working', async () => {
    const playback = PlaybackSchema.parse(
      await (await call('GET', `/api/lessons/${lessonId}/playback`, learner)).json(),
    );
    expect((await call('DELETE', `/api/lessons/${lessonId}/video`, learner)).status).toBe(403);
    expect((await call('DELETE', `/api/lessons/${lessonId}/video`, instructor)).status).toBe(204);
    const left = await s3.client.send(
      new ListObjectsV2Command({ Bucket: 'learnlive', Prefix: `lessons/${lessonId}/` }),
    );
    expect(left.Contents ?? []).toEqual([]);
    expect((await call('GET', playback.masterUrl)).status).toBe(404);
    expect((await call('GET', `/api/lessons/${lessonId}/playback`, learner)).status).toBe(409);
  });
});

describe('what a re-upload supersedes', () => {
  /**
   * A lesson whose video is being transcoded: its original and partial ladder, plus the ladder
   * published from an earlier upload that learners still play.
   */
  async function lessonMidTranscode() {
    const lesson = await db.query<{ id: string }>(
      `insert into lessons (course_id, module_id, title, kind, position)
       select course_id, module_id, 'Re-uploaded', 'video', position + 1 from lessons where id = $1
       returning id`,
      [lessonId],
    );
    const id = lesson.rows[0]!.id;
    const [published, processing] = [randomUUID(), randomUUID()];
    const original = `lessons/${id}/original/${processing}`;
    const partial = `lessons/${id}/hls/${processing}/`;
    const playing = `lessons/${id}/hls/${published}/`;
    for (const key of [
      original,
      `${partial}master.m3u8`,
      `${partial}180p/seg_000.m4s`,
      `${playing}master.m3u8`,
    ]) {
      await s3.client.send(new PutObjectCommand({ Bucket: 'learnlive', Key: key, Body: key }));
    }
    await db.query(
      `insert into lesson_videos (lesson_id, instructor_id, status, version, source_key, hls_prefix, published_version)
       values ($1, $2, 'processing', $3, $4, $5, $6)`,
      [id, instructor.id, processing, original, playing, published],
    );
    return { id, original, partial, playing };
  }

  /** Uploads a file the transcoder rejects at once (ffprobe cannot read it: no ffmpeg run). */
  async function reupload(lesson: string) {
    await tus(Buffer.from('not really a video'), instructor, { lesson }).done;
  }

  /** The transcoder is done with the lesson (nothing of it runs when the suite stops). */
  async function rejected(lesson: string) {
    await waitFor(
      async () => {
        const { rows } = await db.query<{ status: string }>(
          'select status from lesson_videos where lesson_id = $1',
          [lesson],
        );
        return rows[0]?.status === 'failed';
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the transcoder to reject the upload' },
    );
  }

  it('the older original and unpublished partial ladder go with the upload; the published ladder stays', async () => {
    const { id, original, partial, playing } = await lessonMidTranscode();
    await reupload(id);
    expect(await listKeys(s3.client, 'learnlive', original)).toEqual([]);
    expect(await listKeys(s3.client, 'learnlive', partial)).toEqual([]);
    expect(await garbageUnder(id)).toEqual([]);
    expect(await listKeys(s3.client, 'learnlive', playing)).toEqual([`${playing}master.m3u8`]);
    expect(await listKeys(s3.client, 'learnlive', `lessons/${id}/original/`)).toHaveLength(1);
    await rejected(id);
  });

  it('storage refuses the deletes (as after a crash): the records stay, and the sweeper removes files and records', async () => {
    const { id, original, partial, playing } = await lessonMidTranscode();
    failDeletes = true;
    try {
      await reupload(id);
    } finally {
      failDeletes = false;
    }
    expect(await garbageUnder(id)).toEqual([original, partial].sort());
    expect(await listKeys(s3.client, 'learnlive', original)).toEqual([original]);
    expect(await listKeys(s3.client, 'learnlive', partial)).toHaveLength(2);

    expect(await sweepMediaGarbage(db, s3.client, 'learnlive', { graceMs: 0 })).toEqual(
      expect.arrayContaining([original, partial]),
    );
    expect(await listKeys(s3.client, 'learnlive', original)).toEqual([]);
    expect(await listKeys(s3.client, 'learnlive', partial)).toEqual([]);
    expect(await garbageUnder(id)).toEqual([]);
    expect(await listKeys(s3.client, 'learnlive', playing)).toEqual([`${playing}master.m3u8`]);
    await rejected(id);
  });
});
