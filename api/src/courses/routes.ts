import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError, type Queryable } from '@learnlive/common';
import {
  CatalogQuerySchema,
  COURSE_DEFAULTS,
  CourseDetailSchema,
  CoursePageSchema,
  CourseSummarySchema,
  CreateCourseRequestSchema,
  CreateLessonRequestSchema,
  CreateModuleRequestSchema,
  LessonSchema,
  ModuleSchema,
  ReorderRequestSchema,
  UpdateCourseRequestSchema,
  UpdateLessonRequestSchema,
  UpdateModuleRequestSchema,
} from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser, maybeUser, optionalUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import { localeOf } from '../auth/locale.js';
import type { ApiContext } from '../context.js';
import { courseAccess, requireCourseAccess } from '../entitlements.js';
import { jsonBody, jsonRequest, noContent, problems } from '../responses.js';
import { listCatalog } from './catalog.js';
import { NotifiedCache } from '../notifiedCache.js';
import {
  courseOf,
  LESSON_COLUMNS,
  loadDetail,
  reorder,
  SUMMARY_COLUMNS,
  toLesson,
  toSummary,
  type SummaryRow,
} from './rows.js';

const tags = ['courses'];
/** Writes that can change what the catalog shows (not progress or enrollment). */
const AUTHORING_PATH =
  /^\/api\/(courses|modules|lessons)(\/[^/]+(\/(modules|lessons|publish|archive)(\/order)?)?)?$/;
const IdParam = z.object({ id: z.uuid() });

const catalog = createRoute({
  method: 'get',
  path: '/api/courses',
  tags,
  summary: 'Published courses: filters, full-text search, cursor pagination',
  request: { query: CatalogQuerySchema },
  responses: { 200: jsonBody(CoursePageSchema, 'One page'), 400: problems[400] },
});

const detail = createRoute({
  method: 'get',
  path: '/api/courses/{id}',
  tags,
  summary: 'A course with its outline (drafts: only their instructor and admins)',
  middleware: [optionalUser()] as const,
  request: { params: IdParam },
  responses: { 200: jsonBody(CourseDetailSchema, 'The course'), 404: problems[404] },
});

const mine = authenticatedRoute({
  method: 'get',
  path: '/api/instructor/courses',
  tags,
  summary: 'Courses the caller teaches, every status',
  roles: ['instructor'],
  responses: {
    200: jsonBody(z.object({ items: z.array(CourseSummarySchema) }), 'Courses'),
  },
  errors: [400, 404],
});

const create = authenticatedRoute({
  method: 'post',
  path: '/api/courses',
  tags,
  summary: 'Create a draft course',
  roles: ['instructor'],
  request: { body: jsonRequest(CreateCourseRequestSchema) },
  responses: { 201: jsonBody(CourseDetailSchema, 'Created') },
  errors: [400, 404],
});

const update = authenticatedRoute({
  method: 'patch',
  path: '/api/courses/{id}',
  tags,
  summary: 'Edit a course',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(UpdateCourseRequestSchema) },
  responses: { 200: jsonBody(CourseDetailSchema, 'Updated') },
  errors: [400, 404],
});

const statusRoute = (action: 'publish' | 'archive') =>
  authenticatedRoute({
    method: 'post',
    path: `/api/courses/{id}/${action}`,
    tags,
    summary:
      action === 'publish'
        ? 'Publish (needs at least one lesson)'
        : 'Archive: out of the catalog, kept for enrolled learners',
    roles: ['instructor'],
    request: { params: IdParam },
    responses: { 200: jsonBody(CourseDetailSchema, 'Updated') },
    errors: [400, 404, 409],
  });

const createModule = authenticatedRoute({
  method: 'post',
  path: '/api/courses/{id}/modules',
  tags,
  summary: 'Add a module at the end',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(CreateModuleRequestSchema) },
  responses: { 201: jsonBody(ModuleSchema, 'Created') },
  errors: [400, 404],
});

const reorderModules = authenticatedRoute({
  method: 'put',
  path: '/api/courses/{id}/modules/order',
  tags,
  summary: 'Set the order of every module',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(ReorderRequestSchema) },
  responses: { 200: jsonBody(CourseDetailSchema, 'Reordered') },
  errors: [400, 404],
});

const updateModule = authenticatedRoute({
  method: 'patch',
  path: '/api/modules/{id}',
  tags,
  summary: 'Rename a module',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(UpdateModuleRequestSchema) },
  responses: { 200: jsonBody(CourseDetailSchema, 'Updated') },
  errors: [400, 404],
});

const deleteModule = authenticatedRoute({
  method: 'delete',
  path: '/api/modules/{id}',
  tags,
  summary: 'Delete a module and its lessons',
  roles: ['instructor'],
  request: { params: IdParam },
  responses: { 204: noContent },
  errors: [400, 404],
});

const createLesson = authenticatedRoute({
  method: 'post',
  path: '/api/modules/{id}/lessons',
  tags,
  summary: 'Add a lesson at the end of a module',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(CreateLessonRequestSchema) },
  responses: { 201: jsonBody(LessonSchema, 'Created') },
  errors: [400, 404],
});

const reorderLessons = authenticatedRoute({
  method: 'put',
  path: '/api/modules/{id}/lessons/order',
  tags,
  summary: 'Set the order of every lesson of a module',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(ReorderRequestSchema) },
  responses: { 200: jsonBody(CourseDetailSchema, 'Reordered') },
  errors: [400, 404],
});

const updateLesson = authenticatedRoute({
  method: 'patch',
  path: '/api/lessons/{id}',
  tags,
  summary: 'Edit a lesson or move it to another module of the course',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(UpdateLessonRequestSchema) },
  responses: { 200: jsonBody(LessonSchema, 'Updated') },
  errors: [400, 404],
});

const deleteLesson = authenticatedRoute({
  method: 'delete',
  path: '/api/lessons/{id}',
  tags,
  summary: 'Delete a lesson',
  roles: ['instructor'],
  request: { params: IdParam },
  responses: { 204: noContent },
  errors: [400, 404],
});

async function nextPosition(tx: Queryable, table: 'course_modules' | 'lessons', column: string, id: string) {
  const { rows } = await tx.query<{ next: number }>(
    `select coalesce(max(position), 0)::int + 1 as next from ${table} where ${column} = $1`,
    [id],
  );
  return rows[0]!.next;
}

/** Catalog, course pages, and the instructor's authoring of courses, modules and lessons. */
export function courseRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const { db } = ctx;
  const log = ctx.logger.child({ module: 'courses' });

  // The public catalog is the same for everyone: pages are kept serialized until any change, by
  // anyone, reaches every replica (`catalog_changed`, triggers in migration 100).
  const cache = new NotifiedCache<string>({ ttlMs: ctx.config.catalogCacheMs, maxEntries: 1000 });
  if (ctx.config.catalogCacheMs > 0) {
    const listening = cache.listen(ctx.db, 'catalog_changed', log);
    listening.catch((err: unknown) =>
      log.warn({ err }, 'cannot listen for catalog changes; the catalog is served uncached'),
    );
    ctx.onClose('catalog listener', () => listening.then((l) => l.close()).catch(() => {}));
  }
  // This process's own changes: cleared before the answer leaves, so the writer sees them next.
  app.use('/api/*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.res.status < 400 && AUTHORING_PATH.test(c.req.path)) cache.clear();
  });

  app.openapi(catalog, async (c) => {
    const query = c.req.valid('query');
    const body = await cache.get(JSON.stringify(query), async () =>
      JSON.stringify(await listCatalog(db, query)),
    );
    // already serialized (CoursePageSchema's JSON): typed routes only know c.json's answers
    return c.body(body, 200, { 'content-type': 'application/json' }) as never;
  });

  app.openapi(detail, async (c) => {
    const { id } = c.req.valid('param');
    const access = await courseAccess(db, maybeUser(c), id);
    const { rows } = await db.query<{ status: string }>('select status from courses where id = $1', [id]);
    // drafts stay invisible to everyone but their authors; archived ones to all but enrolled
    if (!rows[0] || (rows[0].status !== 'published' && access === 'none')) {
      throw new AppError('not_found', 'no such course');
    }
    return c.json(await loadDetail(db, id, access), 200);
  });

  app.openapi(mine, async (c) => {
    const { rows } = await db.query<SummaryRow>(
      `select ${SUMMARY_COLUMNS} from courses c join users u on u.id = c.instructor_id
        where c.instructor_id = $1 order by c.seq desc`,
      [currentUser(c).id],
    );
    return c.json({ items: rows.map(toSummary) }, 200);
  });

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const user = currentUser(c);
    const defaults = COURSE_DEFAULTS[await localeOf(db, user.id)];
    const { rows } = await db.query<{ id: string }>(
      `insert into courses (instructor_id, title, summary, description, domain, language, pricing, price_amount, currency)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [
        user.id,
        body.title,
        body.summary,
        body.description,
        body.domain,
        body.language ?? defaults.language,
        body.price.kind,
        body.price.amount,
        body.price.currency ?? defaults.currency,
      ],
    );
    log.info({ courseId: rows[0]!.id, userId: user.id }, 'course created');
    return c.json(await loadDetail(db, rows[0]!.id, 'instructor'), 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const access = await requireCourseAccess(db, currentUser(c), id, 'instructor');
    await db.query(
      `update courses set title = coalesce($2, title), summary = coalesce($3, summary),
          description = coalesce($4, description), domain = coalesce($5, domain),
          language = coalesce($6, language), pricing = coalesce($7, pricing),
          price_amount = coalesce($8, price_amount), currency = coalesce($9, currency), updated_at = now()
        where id = $1`,
      [
        id,
        body.title ?? null,
        body.summary ?? null,
        body.description ?? null,
        body.domain ?? null,
        body.language ?? null,
        body.price?.kind ?? null,
        body.price?.amount ?? null,
        body.price?.currency ?? null,
      ],
    );
    return c.json(await loadDetail(db, id, access), 200);
  });

  app.openapi(statusRoute('publish'), async (c) => {
    const { id } = c.req.valid('param');
    const access = await requireCourseAccess(db, currentUser(c), id, 'instructor');
    const { rowCount } = await db.query(
      `update courses set status = 'published', published_at = coalesce(published_at, now()), updated_at = now()
        where id = $1 and exists (select 1 from lessons where course_id = $1)`,
      [id],
    );
    if (rowCount === 0) throw new AppError('conflict', 'add at least one lesson before publishing');
    return c.json(await loadDetail(db, id, access), 200);
  });

  app.openapi(statusRoute('archive'), async (c) => {
    const { id } = c.req.valid('param');
    const access = await requireCourseAccess(db, currentUser(c), id, 'instructor');
    await db.query(`update courses set status = 'archived', updated_at = now() where id = $1`, [id]);
    return c.json(await loadDetail(db, id, access), 200);
  });

  app.openapi(createModule, async (c) => {
    const { id } = c.req.valid('param');
    const { title } = c.req.valid('json');
    await requireCourseAccess(db, currentUser(c), id, 'instructor');
    const row = await db.transaction(async (tx) => {
      await tx.query('select 1 from courses where id = $1 for update', [id]);
      const position = await nextPosition(tx, 'course_modules', 'course_id', id);
      const { rows } = await tx.query<{ id: string; title: string; position: number }>(
        'insert into course_modules (course_id, title, position) values ($1, $2, $3) returning id, title, position',
        [id, title, position],
      );
      return rows[0]!;
    });
    return c.json({ ...row, lessons: [] }, 201);
  });

  app.openapi(reorderModules, async (c) => {
    const { id } = c.req.valid('param');
    const access = await requireCourseAccess(db, currentUser(c), id, 'instructor');
    const { ids } = c.req.valid('json');
    await db.transaction((tx) => reorder(tx, 'course_modules', { column: 'course_id', id }, ids));
    return c.json(await loadDetail(db, id, access), 200);
  });

  app.openapi(updateModule, async (c) => {
    const { id } = c.req.valid('param');
    const courseId = await courseOf(db, 'course_modules', id);
    const access = await requireCourseAccess(db, currentUser(c), courseId, 'instructor');
    await db.query('update course_modules set title = $2 where id = $1', [id, c.req.valid('json').title]);
    return c.json(await loadDetail(db, courseId, access), 200);
  });

  app.openapi(deleteModule, async (c) => {
    const { id } = c.req.valid('param');
    const courseId = await courseOf(db, 'course_modules', id);
    await requireCourseAccess(db, currentUser(c), courseId, 'instructor');
    await db.query('delete from course_modules where id = $1', [id]);
    return c.body(null, 204);
  });

  app.openapi(createLesson, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const courseId = await courseOf(db, 'course_modules', id);
    await requireCourseAccess(db, currentUser(c), courseId, 'instructor');
    const row = await db.transaction(async (tx) => {
      await tx.query('select 1 from course_modules where id = $1 for update', [id]);
      const position = await nextPosition(tx, 'lessons', 'module_id', id);
      const { rows } = await tx.query(
        `insert into lessons (course_id, module_id, title, kind, position, duration_seconds, body)
         values ($1, $2, $3, $4, $5, $6, $7) returning ${LESSON_COLUMNS}`,
        [courseId, id, body.title, body.kind, position, body.durationSeconds, body.body ?? null],
      );
      return rows[0]!;
    });
    return c.json(toLesson(row as never, true), 201);
  });

  app.openapi(reorderLessons, async (c) => {
    const { id } = c.req.valid('param');
    const courseId = await courseOf(db, 'course_modules', id);
    const access = await requireCourseAccess(db, currentUser(c), courseId, 'instructor');
    const { ids } = c.req.valid('json');
    await db.transaction((tx) => reorder(tx, 'lessons', { column: 'module_id', id }, ids));
    return c.json(await loadDetail(db, courseId, access), 200);
  });

  app.openapi(updateLesson, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const courseId = await courseOf(db, 'lessons', id);
    await requireCourseAccess(db, currentUser(c), courseId, 'instructor');
    const row = await db.transaction(async (tx) => {
      let position: number | null = null;
      if (body.moduleId) {
        const target = await tx.query<{ course_id: string }>(
          'select course_id from course_modules where id = $1 for update',
          [body.moduleId],
        );
        if (target.rows[0]?.course_id !== courseId) {
          throw new AppError('validation_failed', 'the module is not part of this course', {
            fieldErrors: [{ path: 'moduleId', message: 'not a module of this course' }],
          });
        }
        position = await nextPosition(tx, 'lessons', 'module_id', body.moduleId);
      }
      const { rows } = await tx.query(
        `update lessons set title = coalesce($2, title), duration_seconds = coalesce($3, duration_seconds),
            body = coalesce($4, body), module_id = coalesce($5, module_id), position = coalesce($6, position),
            updated_at = now()
          where id = $1 returning ${LESSON_COLUMNS}`,
        [
          id,
          body.title ?? null,
          body.durationSeconds ?? null,
          body.body ?? null,
          body.moduleId ?? null,
          position,
        ],
      );
      return rows[0]!;
    });
    return c.json(toLesson(row as never, true), 200);
  });

  app.openapi(deleteLesson, async (c) => {
    const { id } = c.req.valid('param');
    const courseId = await courseOf(db, 'lessons', id);
    await requireCourseAccess(db, currentUser(c), courseId, 'instructor');
    await db.query('delete from lessons where id = $1', [id]);
    return c.body(null, 204);
  });
}
