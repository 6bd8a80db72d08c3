import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
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
import { bearerSecurity, currentUser, requireUser } from '../auth/middleware.js';
import type { ApiContext } from '../context.js';
import { requireCourseAccess } from '../entitlements.js';
import { jsonBody, jsonRequest, problems } from '../responses.js';
import { COMPLETION_SHARE, coveredSeconds, mergeIntervals, type Interval } from './intervals.js';

const tags = ['progress'];
const IdParam = z.object({ id: z.uuid() });

const update = createRoute({
  method: 'put',
  path: '/api/lessons/{id}/progress',
  tags,
  summary: 'Report playback (resume position, spans watched) or mark a text lesson done',
  middleware: [requireUser()] as const,
  security: bearerSecurity,
  request: { params: IdParam, body: jsonRequest(ProgressUpdateRequestSchema) },
  responses: {
    200: jsonBody(ProgressUpdatedEventSchema, 'Progress after the update (also published)'),
    400: problems[400],
    401: problems[401],
    403: problems[403],
    404: problems[404],
  },
});

const course = createRoute({
  method: 'get',
  path: '/api/courses/{id}/progress',
  tags,
  summary: 'The caller’s progress in a course, per lesson',
  middleware: [requireUser()] as const,
  security: bearerSecurity,
  request: { params: IdParam },
  responses: {
    200: jsonBody(CourseProgressSchema, 'Progress'),
    401: problems[401],
    403: problems[403],
    404: problems[404],
  },
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
    `select (select count(*)::int from lessons where course_id = $2) as total,
            (select count(*)::int from lesson_progress
              where user_id = $1 and course_id = $2 and completed_at is not null) as completed`,
    [userId, courseId],
  );
  const total = Number(rows[0]!.total);
  const completed = Number(rows[0]!.completed);
  return { total, completed, percent: total ? Math.min(100, Math.floor((completed * 100) / total)) : 0 };
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
    }>(
      // the instructor's figure, else the transcoded video's (recorded-lessons feature)
      `select l.course_id, l.kind,
              coalesce(nullif(l.duration_seconds, 0), floor(v.duration_seconds)::int, 0) as duration_seconds
         from lessons l left join lesson_videos v on v.lesson_id = l.id and v.status = 'ready'
        where l.id = $1`,
      [id],
    );
    const lesson = lessons[0];
    if (!lesson) throw new AppError('not_found', 'no such lesson');
    await requireCourseAccess(db, user, lesson.course_id, 'learner');
    if (body.done && lesson.kind === 'video') {
      throw new AppError('validation_failed', 'video lessons are completed by watching them', {
        fieldErrors: [{ path: 'done', message: 'only text and quiz lessons are marked done' }],
      });
    }
    const duration = lesson.duration_seconds > 0 ? lesson.duration_seconds : undefined;

    const row = await db.transaction(async (tx) => {
      await tx.query(
        `insert into lesson_progress (user_id, lesson_id, course_id) values ($1, $2, $3)
         on conflict (user_id, lesson_id) do nothing`,
        [user.id, id, lesson.course_id],
      );
      // locked: two devices reporting at once must not lose each other's spans
      const { rows } = await tx.query<ProgressRow>(
        `select ${PROGRESS_COLUMNS} from lesson_progress where user_id = $1 and lesson_id = $2 for update`,
        [user.id, id],
      );
      const previous = rows[0]!;
      const stored =
        typeof previous.watched_intervals === 'string'
          ? (JSON.parse(previous.watched_intervals) as Interval[])
          : previous.watched_intervals;
      const merged = mergeIntervals([...stored, ...body.watched], duration);
      const watched = coveredSeconds(merged);
      const complete =
        previous.completed_at !== null ||
        (lesson.kind === 'video'
          ? duration !== undefined && watched >= COMPLETION_SHARE * duration
          : body.done === true);
      const position =
        duration === undefined ? body.positionSeconds : Math.min(body.positionSeconds, duration);
      const { rows: updated } = await tx.query<ProgressRow>(
        `update lesson_progress
            set position_seconds = $3, watched_intervals = $4::jsonb, watched_seconds = $5,
                completed_at = case when $6::boolean then coalesce(completed_at, now()) else null end,
                updated_at = now()
          where user_id = $1 and lesson_id = $2
          returning ${PROGRESS_COLUMNS}`,
        [user.id, id, position, JSON.stringify(merged), watched, complete],
      );
      return updated[0]!;
    });
    const totals = await coursePercent(db, user.id, lesson.course_id);
    const event: ProgressUpdatedEvent = {
      userId: user.id,
      courseId: lesson.course_id,
      lesson: toLessonProgress(row),
      coursePercent: totals.percent,
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
    return c.json(
      {
        courseId: id,
        percent: totals.percent,
        completedLessons: totals.completed,
        totalLessons: totals.total,
        lessons: rows.map(toLessonProgress),
      },
      200,
    );
  });
}
