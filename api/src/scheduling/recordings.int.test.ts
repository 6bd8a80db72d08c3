import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRecordingToken } from '@learnlive/common';
import { DATABASE_ADAPTERS, TEST_JWT_SECRET } from '@learnlive/testing';
import { apiHarness, type TestUser } from '../payments/harness.test-support.js';

describe.each(DATABASE_ADAPTERS)('live class recordings on %s', (_name, create) => {
  const h = apiHarness(create);
  let instructor: TestUser;
  let learner: TestUser;
  let outsider: TestUser;
  let admin: TestUser;
  let courseId: string;
  let liveClassId: string;
  beforeAll(async () => {
    await h.start();
    ({ instructor, learner, outsider, admin, courseId } = await h.classroom());
    const created = await h.call('POST', `/api/courses/${courseId}/live-classes`, {
      token: instructor.token,
      body: { title: 'Fractions live', startsAt: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    liveClassId = (created.body as { id: string }).id;
  });
  afterAll(() => h.stop());

  const record = (user: TestUser | undefined, id = liveClassId) =>
    h.call('POST', `/api/live-classes/${id}/recordings`, user ? { token: user.token } : {});

  it('makes a video lesson awaiting the file and a token naming room, lesson, version and key', async () => {
    const res = await record(instructor);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const body = res.body as { lessonId: string; moduleId: string; title: string; token: string };
    expect(body.title).toMatch(/^Recording: Fractions live \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
    const claims = verifyRecordingToken(body.token, TEST_JWT_SECRET);
    expect(claims).toMatchObject({
      typ: 'recording',
      sub: instructor.id,
      room: `live:${liveClassId}`,
      lessonId: body.lessonId,
    });
    expect(claims.sourceKey).toBe(`lessons/${body.lessonId}/original/${claims.version}`);
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(600);

    const video = await h.db.query<{ status: string; version: string; source_key: string }>(
      'select status, version, source_key from lesson_videos where lesson_id = $1',
      [body.lessonId],
    );
    expect(video.rows[0]).toEqual({
      status: 'uploading',
      version: claims.version,
      source_key: claims.sourceKey,
    });
    const lesson = await h.db.query<{ kind: string; module_id: string; course_id: string }>(
      'select kind, module_id, course_id from lessons where id = $1',
      [body.lessonId],
    );
    expect(lesson.rows[0]).toEqual({ kind: 'video', module_id: body.moduleId, course_id: courseId });
    // The instructor sees the video waiting for its file.
    const state = await h.call('GET', `/api/lessons/${body.lessonId}/video`, { token: instructor.token });
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ status: 'uploading' });

    // A second recording goes to the same "Recordings" module, after the first.
    const second = await record(admin);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const next = second.body as { lessonId: string; moduleId: string };
    expect(next.moduleId).toBe(body.moduleId);
    const positions = await h.db.query<{ id: string; position: number }>(
      'select id, position from lessons where module_id = $1 order by position',
      [body.moduleId],
    );
    expect(positions.rows.map((r) => r.id)).toEqual([body.lessonId, next.lessonId]);
    const modules = await h.db.query('select 1 from course_modules where course_id = $1 and title = $2', [
      courseId,
      'Recordings',
    ]);
    expect(modules.rowCount).toBe(1);
  });

  it('marks a recording that never arrived failed, so the teacher sees it', async () => {
    const res = await record(instructor);
    const { lessonId } = res.body as { lessonId: string };
    const fresh = await h.call('GET', `/api/lessons/${lessonId}/video`, { token: instructor.token });
    expect(fresh.body).toMatchObject({ status: 'uploading' });
    await h.db.query(
      `update lesson_videos set updated_at = now() - interval '6 hours' where lesson_id = $1`,
      [lessonId],
    );
    const lost = await h.call('GET', `/api/lessons/${lessonId}/video`, { token: instructor.token });
    expect(lost.body).toMatchObject({
      status: 'failed',
      failureReason: expect.stringMatching(/never arrived/),
    });
  });

  it('refuses learners, strangers, unknown classes and signed-out callers', async () => {
    expect((await record(learner)).status).toBe(403);
    expect((await record(outsider)).status).toBe(404);
    expect((await record(instructor, randomUUID())).status).toBe(404);
    expect((await record(undefined)).status).toBe(401);
    const bad = await h.call('POST', '/api/live-classes/not-a-uuid/recordings', { token: instructor.token });
    expect(bad.status).toBe(400);
  });

  it('refuses the instructor of another course, even one enrolled in this course', async () => {
    const other = await h.user('instructor');
    await h.course(other.id, { pricing: 'free', amount: 0 });
    const before = await h.db.query('select 1 from lessons where course_id = $1', [courseId]);
    expect((await record(other)).status).toBe(404);
    await h.enroll(other.id, courseId);
    const enrolled = await record(other);
    expect(enrolled.status).toBe(403);
    expect(enrolled.headers.get('content-type')).toContain('application/problem+json');
    expect(enrolled.body.code).toBe('forbidden');
    // nothing was made for either attempt
    const after = await h.db.query('select 1 from lessons where course_id = $1', [courseId]);
    expect(after.rowCount).toBe(before.rowCount);
  });

  it('refuses a canceled class', async () => {
    const created = await h.call('POST', `/api/courses/${courseId}/live-classes`, {
      token: instructor.token,
      body: { title: 'Canceled', startsAt: new Date(Date.now() + 7200_000).toISOString() },
    });
    const id = (created.body as { id: string }).id;
    await h.db.query('update live_classes set canceled_at = now() where id = $1', [id]);
    const res = await record(instructor, id);
    expect(res.status).toBe(403);
  });
});
