import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CourseDetailSchema,
  CourseProgressSchema,
  LessonContentSchema,
  MyLearningSchema,
  ProblemSchema,
  SessionResponseSchema,
} from '@learnlive/contracts';
import { DATABASE_ADAPTERS } from '@learnlive/testing';
import { apiHarness } from '../payments/harness.test-support.js';

describe.each(DATABASE_ADAPTERS)('the learner’s lesson view on %s', (_name, create) => {
  const h = apiHarness(create);
  let teacher: string;
  let learner: string;
  let stranger: string;
  let courseId: string;
  /** Outline order: module 1 (video, text), module 2 (text). */
  let lessons: [string, string, string];
  beforeAll(async () => {
    await h.start();
    teacher = await register('teacher@example.org', 'instructor');
    learner = await register('learner@example.org', 'learner');
    stranger = await register('stranger@example.org', 'learner');
    const created = await h.call('POST', '/api/courses', {
      token: teacher,
      body: { title: 'Ordered course' },
    });
    courseId = CourseDetailSchema.parse(created.body).id;
    // the second module is created first and moved after: order comes from positions, not creation
    const second = await module('Part 2');
    const first = await module('Part 1');
    const order = await h.call('PUT', `/api/courses/${courseId}/modules/order`, {
      token: teacher,
      body: { ids: [first, second] },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(200);
    const closing = await lesson(second, { title: 'Closing words', kind: 'text', body: '# Bye' });
    const video = await lesson(first, { title: 'Watch', kind: 'video', durationSeconds: 100 });
    const reading = await lesson(first, { title: 'Read', kind: 'text', body: '**Hello**' });
    lessons = [video, reading, closing];
    expect((await h.call('POST', `/api/courses/${courseId}/publish`, { token: teacher })).status).toBe(200);
    expect((await h.call('POST', `/api/courses/${courseId}/enrollment`, { token: learner })).status).toBe(
      201,
    );
  });
  afterAll(h.stop);

  async function register(email: string, role: 'learner' | 'instructor') {
    const res = await h.call('POST', '/api/auth/register', {
      body: { email, password: 'correct horse battery', displayName: email.split('@')[0], role },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return SessionResponseSchema.parse(res.body).accessToken;
  }
  async function module(title: string) {
    const res = await h.call('POST', `/api/courses/${courseId}/modules`, { token: teacher, body: { title } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return (res.body as { id: string }).id;
  }
  async function lesson(moduleId: string, body: Record<string, unknown>) {
    const res = await h.call('POST', `/api/modules/${moduleId}/lessons`, { token: teacher, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return (res.body as { id: string }).id;
  }
  async function next() {
    const progress = CourseProgressSchema.parse(
      (await h.call('GET', `/api/courses/${courseId}/progress`, { token: learner })).body,
    );
    const learning = MyLearningSchema.parse(
      (await h.call('GET', '/api/me/learning', { token: learner })).body,
    );
    // both views agree on where Continue leads
    expect(learning.items.find((i) => i.course.id === courseId)?.nextLesson).toEqual(progress.nextLesson);
    return progress.nextLesson;
  }
  const done = (lessonId: string, body: Record<string, unknown>) =>
    h.call('PUT', `/api/lessons/${lessonId}/progress`, { token: learner, body });

  it('serves a lesson with its neighbours across modules, in outline order', async () => {
    const [video, reading, closing] = lessons;
    const res = await h.call('GET', `/api/lessons/${reading}`, { token: learner });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(LessonContentSchema.parse(res.body)).toMatchObject({
      lesson: { id: reading, kind: 'text', title: 'Read', body: '**Hello**' },
      courseId,
      courseTitle: 'Ordered course',
      moduleTitle: 'Part 1',
      previousLessonId: video,
      nextLessonId: closing,
    });
    const first = LessonContentSchema.parse(
      (await h.call('GET', `/api/lessons/${video}`, { token: learner })).body,
    );
    expect(first).toMatchObject({ previousLessonId: null, nextLessonId: reading });
    const last = LessonContentSchema.parse(
      (await h.call('GET', `/api/lessons/${closing}`, { token: learner })).body,
    );
    expect(last).toMatchObject({ moduleTitle: 'Part 2', previousLessonId: reading, nextLessonId: null });
    // the instructor reads it too
    expect((await h.call('GET', `/api/lessons/${closing}`, { token: teacher })).status).toBe(200);
  });

  it('refuses strangers (403), anonymous callers (401) and unknown lessons (404)', async () => {
    const stranger403 = await h.call('GET', `/api/lessons/${lessons[1]}`, { token: stranger });
    expect(stranger403.status).toBe(403);
    expect(ProblemSchema.parse(stranger403.body).code).toBe('forbidden');
    expect((await h.call('GET', `/api/lessons/${lessons[1]}`)).status).toBe(401);
    const missing = await h.call('GET', '/api/lessons/00000000-0000-4000-8000-000000000000', {
      token: learner,
    });
    expect(missing.status).toBe(404);
    expect(ProblemSchema.parse(missing.body).code).toBe('not_found');
    const malformed = await h.call('GET', '/api/lessons/not-a-uuid', { token: learner });
    expect(malformed.status).toBe(400);
  });

  it('leads Start, then Continue to the first unfinished lesson, then Review', async () => {
    const [video, reading, closing] = lessons;
    expect(await next()).toEqual({ lessonId: video, state: 'start' });
    // finishing a later lesson first: the first unfinished one is still the video
    expect((await done(reading, { positionSeconds: 0, done: true })).status).toBe(200);
    expect(await next()).toEqual({ lessonId: video, state: 'continue' });
    expect((await done(video, { positionSeconds: 100, watched: [[0, 100]] })).status).toBe(200);
    expect(await next()).toEqual({ lessonId: closing, state: 'continue' });
    expect((await done(closing, { positionSeconds: 0, done: true })).status).toBe(200);
    expect(await next()).toEqual({ lessonId: video, state: 'review' });
  });
});
