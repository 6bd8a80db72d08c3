import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKeys, migrate, recordGarbage, removeGarbage, type Db } from '@learnlive/common';
import { DATABASE_ADAPTERS, startS3, type TestDatabase, type TestS3 } from '@learnlive/testing';
import { LessonVideoStore } from './lessonVideos.js';
import { sweepDeletedLessons, sweepMediaGarbage } from './sweep.js';
import { seedCourse } from './apiRows.test-support.js';
import { ladderPrefix } from './transcode.js';

/*
 * The transcoder reads and writes tables whose schema the API's migrations own (`lesson_videos`,
 * `lessons.duration_seconds`, `lesson_media_tombstones`, `media_garbage`; ARCHITECTURE.md,
 * "Shared schema"), and so does `recordGarbage`/`removeGarbage` in common. Every one of those
 * queries runs here against the API's migrations on both databases, checking what it changed:
 * a migration that renames, drops or constrains what they use fails this file, not a transcode.
 */
const API_MIGRATIONS = fileURLToPath(new URL('../../api/migrations', import.meta.url));
const BUCKET = 'lessons';

describe.each(DATABASE_ADAPTERS)('the transcoder’s queries on the API’s schema (%s)', (_name, create) => {
  let database: TestDatabase;
  let db: Db;
  let s3: TestS3;
  let store: LessonVideoStore;
  let instructorId: string;
  let courseId: string;
  let moduleId: string;

  beforeAll(async () => {
    database = await create();
    db = database.db;
    await migrate(db, { dir: API_MIGRATIONS, table: 'api_migrations' });
    s3 = await startS3(BUCKET);
    store = new LessonVideoStore(db);
    ({ instructorId, courseId, moduleId } = await seedCourse(db));
  }, 60_000);

  afterAll(async () => {
    await s3?.stop();
    await database?.drop();
  });

  /** A lesson whose upload is queued, as the API leaves it. */
  async function queuedLesson(): Promise<{ lessonId: string; version: string }> {
    const lesson = await db.query<{ id: string }>(
      `insert into lessons (course_id, module_id, title, kind, position)
       values ($1, $2, 'L', 'video', 0) returning id`,
      [courseId, moduleId],
    );
    const lessonId = lesson.rows[0]!.id;
    const version = randomUUID();
    await db.query(
      `insert into lesson_videos (lesson_id, instructor_id, status, version, source_key)
       values ($1, $2, 'queued', $3, $4)`,
      [lessonId, instructorId, version, `lessons/${lessonId}/original/${version}`],
    );
    return { lessonId, version };
  }

  async function put(key: string): Promise<void> {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
  }

  async function garbage(): Promise<string[]> {
    const { rows } = await db.query<{ prefix: string }>('select prefix from media_garbage order by prefix');
    return rows.map((row) => row.prefix);
  }

  const published = (lessonId: string, version: string) => ({
    prefix: ladderPrefix(lessonId, version),
    durationSeconds: 12.6,
    renditions: [{ name: '360p', width: 640, height: 360, bitrate: 800_000 }],
    hasPoster: true,
    hasStoryboard: false,
  });

  it('follows a lesson video from queued to ready, and through a failure', async () => {
    const { lessonId, version } = await queuedLesson();
    expect(await store.get(lessonId)).toEqual({
      lesson_id: lessonId,
      instructor_id: instructorId,
      status: 'queued',
      version,
      attempts: 0,
    });
    expect(await store.get(randomUUID())).toBeUndefined();

    expect(await store.start(lessonId, version)).toBe(true);
    expect(await store.start(lessonId, 'another-version')).toBe(false);
    expect(await store.progress(lessonId, version, 'transcoding', 42.5)).toBe(true);
    expect(await store.progress(lessonId, 'another-version', 'transcoding', 50)).toBe(false);
    const processing = await db.query(
      'select status, attempts, stage, percent from lesson_videos where lesson_id = $1',
      [lessonId],
    );
    expect(processing.rows[0]).toEqual({
      status: 'processing',
      attempts: 1,
      stage: 'transcoding',
      percent: 42.5,
    });

    await store.fail(lessonId, version, 'the source has no video stream');
    const failed = await db.query(
      'select status, failure_reason, stage from lesson_videos where lesson_id = $1',
      [lessonId],
    );
    expect(failed.rows[0]).toEqual({
      status: 'failed',
      failure_reason: 'the source has no video stream',
      stage: null,
    });

    expect(await store.start(lessonId, version)).toBe(true);
    expect(await store.publish(lessonId, version, published(lessonId, version))).toEqual({
      replacedPrefix: null,
    });
    const ready = await db.query<Record<string, unknown>>(
      `select v.status, v.hls_prefix, v.published_version, v.duration_seconds, v.renditions, v.has_poster,
              v.has_storyboard, v.percent, l.duration_seconds as lesson_seconds
         from lesson_videos v join lessons l on l.id = v.lesson_id where v.lesson_id = $1`,
      [lessonId],
    );
    expect(ready.rows[0]).toEqual({
      status: 'ready',
      hls_prefix: ladderPrefix(lessonId, version),
      published_version: version,
      duration_seconds: 12.6,
      renditions: [{ name: '360p', width: 640, height: 360, bitrate: 800_000 }],
      has_poster: true,
      has_storyboard: false,
      percent: 100,
      lesson_seconds: 13,
    });
    // ready is final for this version
    expect(await store.start(lessonId, version)).toBe(false);
    expect(await store.publish(lessonId, 'another-version', published(lessonId, 'another-version'))).toBe(
      false,
    );
  });

  it('publishing a re-upload records the ladder it replaced, which removeGarbage takes away', async () => {
    const { lessonId, version } = await queuedLesson();
    await store.start(lessonId, version);
    await store.publish(lessonId, version, published(lessonId, version));
    const older = ladderPrefix(lessonId, version);
    await put(`${older}master.m3u8`);

    const newer = randomUUID();
    await db.query(`update lesson_videos set status = 'queued', version = $2 where lesson_id = $1`, [
      lessonId,
      newer,
    ]);
    await store.start(lessonId, newer);
    expect(await store.publish(lessonId, newer, published(lessonId, newer))).toEqual({
      replacedPrefix: older,
    });
    expect(await garbage()).toContain(older);

    await store.removeGarbage(s3.client, BUCKET, older);
    expect(await garbage()).not.toContain(older);
    expect(await listKeys(s3.client, BUCKET, older)).toEqual([]);
  });

  it('recordGarbage and the garbage sweep: records past the grace go with their files', async () => {
    const { lessonId } = await queuedLesson();
    const ladder = `lessons/${lessonId}/${randomUUID()}/`;
    const original = `lessons/${lessonId}/original/${randomUUID()}`;
    await db.transaction((tx) => recordGarbage(tx, [ladder, original]));
    await db.transaction((tx) => recordGarbage(tx, [ladder])); // twice: once
    await put(`${ladder}master.m3u8`);
    await put(original);

    expect(await sweepMediaGarbage(db, s3.client, BUCKET, { graceMs: 60_000 })).toEqual([]);
    expect((await sweepMediaGarbage(db, s3.client, BUCKET, { graceMs: 0 })).sort()).toEqual(
      [ladder, original].sort(),
    );
    expect(await garbage()).toEqual([]);
    expect(await listKeys(s3.client, BUCKET, `lessons/${lessonId}/`)).toEqual([]);

    // the API's constraint still guards the bucket: never a lesson's whole folder
    await expect(db.transaction((tx) => recordGarbage(tx, [`lessons/${lessonId}/`]))).rejects.toThrow();
    await removeGarbage(db, s3.client, BUCKET, 'lessons/none/none/'); // nothing recorded: nothing to do
  });

  it('sweeps the media of deleted lessons (the API’s trigger leaves the tombstone), not of revived ones', async () => {
    const gone = await queuedLesson();
    const revived = await queuedLesson();
    await put(`lessons/${gone.lessonId}/original/${gone.version}`);
    await put(`lessons/${revived.lessonId}/original/${revived.version}`);
    await db.query('delete from lessons where id = $1', [gone.lessonId]);
    await db.query('delete from lesson_videos where lesson_id = $1', [revived.lessonId]);
    await db.query(
      `insert into lesson_videos (lesson_id, instructor_id, status, version) values ($1, $2, 'uploading', $3)`,
      [revived.lessonId, instructorId, randomUUID()],
    );

    expect(await sweepDeletedLessons(db, s3.client, BUCKET)).toEqual([gone.lessonId]);
    expect(await listKeys(s3.client, BUCKET, `lessons/${gone.lessonId}/`)).toEqual([]);
    expect(await listKeys(s3.client, BUCKET, `lessons/${revived.lessonId}/`)).toHaveLength(1);
    const tombstones = await db.query('select lesson_id from lesson_media_tombstones');
    expect(tombstones.rows).toEqual([]);
  });
});
