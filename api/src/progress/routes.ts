import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, type Queryable } from '@learnlive/common';
import {
  CourseProgressSchema,
  PROGRESS_UPDATED_EVENT,
  ProgressUpdatedEventSchema,
  ProgressUpdateRequestSchema,
  type LessonKind,
  type LessonProgress,
  type ProgressUpdatedEvent,
} from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import { accessFrom, requireCourseAccess } from '../entitlements.js';
import { jsonBody, jsonRequest } from '../responses.js';
import { nextLessons } from './nextLesson.js';
import { COMPLETION_SHARE, coveredSeconds, mergeIntervals, type Interval } from './intervals.js';

const tags = ['progress'];
const IdParam = z.object({ id: z.uuid() });

const update = authenticatedRoute({
  method: 'put',
  path: '/api/lessons/{id}/progress',
  tags,
  summary: 'Report playback (resume position, spans watched) or mark a text lesson done',
  request: { params: IdParam, body: jsonRequest(ProgressUpdateRequestSchema) },
  responses: {
    200: jsonBody(ProgressUpdatedEventSchema, 'Progress after the update (also published)'),
  },
  errors: [400, 403, 404],
});

const course = authenticatedRoute({
  method: 'get',
  path: '/api/courses/{id}/progress',
  tags,
  summary: 'The caller’s progress in a course, per lesson',
  request: { params: IdParam },
  responses: { 200: jsonBody(CourseProgressSchema, 'Progress') },
  errors: [403, 404],
});

interface ProgressRow {
  lesson_id: string;
  course_id: string;
  position_seconds: number;
  watched_intervals: Interval[] | string;
  watched_seconds: number;
  completed_at: Date | string | null;
  updated_at: Date | string;
}

const PROGRESS_COLUMNS =
  'lesson_id, course_id, position_seconds, watched_intervals, watched_seconds, completed_at, updated_at';

function toLessonProgress(row: ProgressRow): LessonProgress {
  return {
    lessonId: row.lesson_id,
    courseId: row.course_id,
    positionSeconds: Number(row.position_seconds),
    watchedSeconds: Number(row.watched_seconds),
    completed: row.completed_at !== null,
    completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

async function coursePercent(db: Queryable, userId: string, courseId: string) {
  const { rows } = await db.query<{ total: number; completed: number }>(
    `select (select lesson_count from courses where id = $2) as total,
            (select count(*)::int from lesson_progress
              where user_id = $1 and course_id = $2 and completed_at is not null) as completed`,
    [userId, courseId],
  );
  const total = Number(rows[0]!.total);
  const completed = Number(rows[0]!.completed);
  return { total, completed, percent: total ? Math.min(100, Math.floor((completed * 100) / total)) : 0 };
}

interface ProgressWrite {
  userId: string;
  lessonId: string;
  courseId: string;
  kind: LessonKind;
  /** Undefined when the lesson's length is unknown (video not transcoded, no figure given). */
  duration: number | undefined;
  report: { positionSeconds: number; watched: Array<[number, number]>; done?: boolean | undefined };
  /** The stored row as read with the lesson (first attempt; later ones read it again). */
  stored: StoredProgress | undefined;
}

type StoredProgress = Pick<ProgressRow, 'watched_intervals' | 'completed_at'> & { version: number };

// Each round at least one concurrent writer wins, so this many devices at once always finish.
const MAX_ATTEMPTS = 16;

/**
 * Merges one report into the stored progress. No transaction is held across round trips (under
 * load that starves the pool): read, merge here, then write only if the row is still at the
 * version read; if another device wrote in between, read again and redo the merge.
 */
async function writeProgress(
  db: Queryable,
  w: ProgressWrite,
): Promise<ProgressRow & { total: number; completed_others: number }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let previous = w.stored;
    if (attempt > 0) {
      const { rows } = await db.query<StoredProgress>(
        'select watched_intervals, completed_at, version from lesson_progress where user_id = $1 and lesson_id = $2',
        [w.userId, w.lessonId],
        { prepare: true },
      );
      previous = rows[0];
    }
    const stored =
      typeof previous?.watched_intervals === 'string'
        ? (JSON.parse(previous.watched_intervals) as Interval[])
        : (previous?.watched_intervals ?? []);
    const merged = mergeIntervals([...stored, ...w.report.watched], w.duration);
    const watched = coveredSeconds(merged);
    const complete =
      Boolean(previous?.completed_at) ||
      (w.kind === 'video'
        ? w.duration !== undefined && watched >= COMPLETION_SHARE * w.duration
        : w.report.done === true);
    const position =
      w.duration === undefined ? w.report.positionSeconds : Math.min(w.report.positionSeconds, w.duration);
    // The course totals come back with the write (this lesson's new state is added by the
    // caller: a statement's subqueries do not see its own changes).
    const { rows: written } = await db.query<ProgressRow & { total: number; completed_others: number }>(
      `insert into lesson_progress as p
         (user_id, lesson_id, course_id, position_seconds, watched_intervals, watched_seconds, completed_at, version)
       values ($1, $2, $7, $3, $4::jsonb, $5, case when $6::boolean then now() end, 1)
       on conflict (user_id, lesson_id) do update
          set position_seconds = excluded.position_seconds, watched_intervals = excluded.watched_intervals,
              watched_seconds = excluded.watched_seconds,
              completed_at = case when $6::boolean then coalesce(p.completed_at, now()) else null end,
              updated_at = now(), version = p.version + 1
        where p.version = $8
       returning ${PROGRESS_COLUMNS.split(', ')
         .map((col) => `p.${col}`)
         .join(', ')},
         (select lesson_count from courses where id = $7) as total,
         (select count(*)::int from lesson_progress
           where user_id = $1 and course_id = $7 and completed_at is not null and lesson_id <> $2) as completed_others`,
      [
        w.userId,
        w.lessonId,
        position,
        JSON.stringify(merged),
        watched,
        complete,
        w.courseId,
        previous?.version ?? -1,
      ],
      { prepare: true },
    );
    if (written[0]) return written[0];
  }
  throw new AppError('conflict', 'too many simultaneous updates of this lesson’s progress; try again');
}

/** Per-lesson progress: resume position, unique seconds watched, completion; published live. */
export function progressRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const { db } = ctx;

  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const user = currentUser(c);
    const { rows: lessons } = await db.query<{
      course_id: string;
      kind: LessonKind;
      duration_seconds: number;
      instructor_id: string;
      published: boolean;
      enrolled: boolean;
      watched_intervals: Interval[] | string | null;
      completed_at: Date | string | null;
      version: number | null;
    }>(
      // One round trip for the lesson, its length (the instructor's figure, else the transcoded
      // video's), what the entitlement rule needs, and the caller's stored progress to merge into.
      `select l.course_id, l.kind,
              coalesce(nullif(l.duration_seconds, 0), floor(v.duration_seconds)::int, 0) as duration_seconds,
              c.instructor_id, c.status = 'published' as published,
              exists (select 1 from enrollments e
                       where e.course_id = l.course_id and e.user_id = $2 and e.status = 'active') as enrolled,
              p.watched_intervals, p.completed_at, p.version
         from lessons l
         join courses c on c.id = l.course_id
         left join lesson_videos v on v.lesson_id = l.id and v.published_version is not null
         left join lesson_progress p on p.user_id = $2 and p.lesson_id = l.id
        where l.id = $1`,
      [id, user.id],
      // the hot path of a playing video: parsed and planned once per connection
      { prepare: true },
    );
    const lesson = lessons[0];
    if (!lesson) throw new AppError('not_found', 'no such lesson');
    if (accessFrom(user, { instructorId: lesson.instructor_id, enrolled: lesson.enrolled }) === 'none') {
      if (!lesson.published) throw new AppError('not_found', 'no such lesson');
      throw new AppError('forbidden', 'enroll in this course first');
    }
    if (body.done && lesson.kind === 'video') {
      throw new AppError('validation_failed', 'video lessons are completed by watching them', {
        fieldErrors: [{ path: 'done', message: 'only text and quiz lessons are marked done' }],
      });
    }
    const duration = lesson.duration_seconds > 0 ? lesson.duration_seconds : undefined;

    const row = await writeProgress(db, {
      userId: user.id,
      lessonId: id,
      courseId: lesson.course_id,
      kind: lesson.kind,
      duration,
      report: body,
      stored:
        lesson.version === null
          ? undefined
          : {
              watched_intervals: lesson.watched_intervals ?? [],
              completed_at: lesson.completed_at,
              version: lesson.version,
            },
    });
    const total = Number(row.total);
    const completed = Number(row.completed_others) + (row.completed_at ? 1 : 0);
    const event: ProgressUpdatedEvent = {
      userId: user.id,
      courseId: lesson.course_id,
      lesson: toLessonProgress(row),
      coursePercent: total ? Math.min(100, Math.floor((completed * 100) / total)) : 0,
    };
    ctx.publisher.publish(
      [`user:${user.id}`, `course-staff:${lesson.course_id}`],
      PROGRESS_UPDATED_EVENT,
      event,
    );
    return c.json(event, 200);
  });

  app.openapi(course, async (c) => {
    const { id } = c.req.valid('param');
    const user = currentUser(c);
    await requireCourseAccess(db, user, id, 'learner');
    const { rows } = await db.query<ProgressRow>(
      `select ${PROGRESS_COLUMNS} from lesson_progress where user_id = $1 and course_id = $2`,
      [user.id, id],
    );
    const totals = await coursePercent(db, user.id, id);
    const next = await nextLessons(db, user.id, { courseId: id });
    return c.json(
      {
        courseId: id,
        percent: totals.percent,
        completedLessons: totals.completed,
        totalLessons: totals.total,
        lessons: rows.map(toLessonProgress),
        nextLesson: next.get(id) ?? null,
      },
      200,
    );
  });
}
