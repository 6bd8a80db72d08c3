import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '@learnlive/common';
import { EnrollmentSchema, MyLearningSchema } from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import { grantEnrollment } from '../enrollments.js';
import { courseAccess } from '../entitlements.js';
import { nextLessons } from '../progress/nextLesson.js';
import { jsonBody } from '../responses.js';
import { SUMMARY_COLUMNS, toSummary, type SummaryRow } from './rows.js';

const tags = ['enrollments'];

const enroll = authenticatedRoute({
  method: 'post',
  path: '/api/courses/{id}/enrollment',
  tags,
  summary: 'Enroll in a free, published course (paid ones: through checkout)',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 201: jsonBody(EnrollmentSchema, 'Enrolled') },
  errors: [403, 404, 409],
});

const learning = authenticatedRoute({
  method: 'get',
  path: '/api/me/learning',
  tags,
  summary: 'The caller’s active enrollments with progress',
  responses: { 200: jsonBody(MyLearningSchema, 'My learning') },
});

export function enrollmentRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const { db } = ctx;
  const log = ctx.logger.child({ module: 'enrollments' });

  app.openapi(enroll, async (c) => {
    const { id } = c.req.valid('param');
    const user = currentUser(c);
    const { rows } = await db.query<{ status: string; pricing: string }>(
      'select status, pricing from courses where id = $1',
      [id],
    );
    const course = rows[0];
    if (!course || course.status === 'draft') throw new AppError('not_found', 'no such course');
    const access = await courseAccess(db, user, id);
    if (access === 'learner') throw new AppError('conflict', 'you are already enrolled in this course');
    if (access !== 'none') throw new AppError('conflict', 'you teach this course');
    if (course.status !== 'published')
      throw new AppError('conflict', 'this course no longer takes enrollments');
    if (course.pricing !== 'free') throw new AppError('forbidden', 'this course is paid: buy it to enroll');
    // a concurrent second request finds the row and gets the same 409
    if (!(await grantEnrollment(db, user.id, id, 'free'))) {
      throw new AppError('conflict', 'you are already enrolled in this course');
    }
    log.info({ userId: user.id, courseId: id }, 'enrolled');
    const row = await db.query<{ enrolled_at: Date | string }>(
      'select enrolled_at from enrollments where user_id = $1 and course_id = $2',
      [user.id, id],
    );
    return c.json(
      {
        courseId: id,
        userId: user.id,
        source: 'free' as const,
        status: 'active' as const,
        enrolledAt: new Date(row.rows[0]!.enrolled_at).toISOString(),
      },
      201,
    );
  });

  app.openapi(learning, async (c) => {
    const { rows } = await db.query<
      SummaryRow & { enrolled_at: Date | string; completed: number; last_lesson_id: string | null }
    >(
      `select ${SUMMARY_COLUMNS}, e.enrolled_at,
              (select count(*)::int from lesson_progress p
                where p.user_id = e.user_id and p.course_id = c.id and p.completed_at is not null) as completed,
              (select p.lesson_id from lesson_progress p
                where p.user_id = e.user_id and p.course_id = c.id order by p.updated_at desc limit 1) as last_lesson_id
         from enrollments e
         join courses c on c.id = e.course_id
         join users u on u.id = c.instructor_id
        where e.user_id = $1 and e.status = 'active'
        order by e.enrolled_at desc, c.seq desc`,
      [currentUser(c).id],
    );
    const next = await nextLessons(db, currentUser(c).id, { enrolled: true });
    return c.json(
      {
        items: rows.map((row) => {
          const total = Number(row.lesson_count);
          const completed = Number(row.completed);
          return {
            course: toSummary(row),
            enrolledAt: new Date(row.enrolled_at).toISOString(),
            progressPercent: total ? Math.min(100, Math.floor((completed * 100) / total)) : 0,
            completedLessons: completed,
            lastLessonId: row.last_lesson_id,
            nextLesson: next.get(row.id) ?? null,
          };
        }),
      },
      200,
    );
  });
}
