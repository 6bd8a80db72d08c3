import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '@learnlive/common';
import { LessonContentSchema } from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import { requireCourseAccess } from '../entitlements.js';
import { jsonBody } from '../responses.js';
import { toLesson, type LessonRow } from './rows.js';

const read = authenticatedRoute({
  method: 'get',
  path: '/api/lessons/{id}',
  tags: ['courses'],
  summary: 'One lesson’s content for a learner of its course, with its neighbours in the outline',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonBody(LessonContentSchema, 'The lesson') },
  errors: [403, 404],
});

type OutlineRow = LessonRow & { course_id: string; course_title: string; module_title: string };

/** The learner's lesson view: what to show and where previous/next lead. */
export function lessonRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const { db } = ctx;

  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const { rows: found } = await db.query<{ course_id: string }>(
      'select course_id from lessons where id = $1',
      [id],
    );
    const courseId = found[0]?.course_id;
    if (!courseId) throw new AppError('not_found', 'no such lesson');
    // 404 for a course the caller may not know of, 403 for a published one it is not enrolled in
    await requireCourseAccess(db, currentUser(c), courseId, 'learner');
    const { rows } = await db.query<OutlineRow>(
      `select l.id, l.module_id, l.title, l.kind, l.position, l.duration_seconds, l.body,
              l.course_id, c.title as course_title, m.title as module_title
         from lessons l
         join course_modules m on m.id = l.module_id
         join courses c on c.id = l.course_id
        where l.course_id = $1
        order by m.position, l.position, l.id`,
      [courseId],
    );
    const at = rows.findIndex((row) => row.id === id);
    const row = rows[at];
    // deleted between the two reads
    if (!row) throw new AppError('not_found', 'no such lesson');
    return c.json(
      {
        lesson: toLesson(row, true),
        courseId,
        courseTitle: row.course_title,
        moduleTitle: row.module_title,
        previousLessonId: rows[at - 1]?.id ?? null,
        nextLessonId: rows[at + 1]?.id ?? null,
      },
      200,
    );
  });
}
