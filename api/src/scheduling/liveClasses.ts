import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError, type Queryable } from '@learnlive/common';
import {
  CreateLiveClassRequestSchema,
  LiveClassListSchema,
  LiveClassSchema,
  UpdateLiveClassRequestSchema,
  type LiveClass,
  type UserRole,
} from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser, type AuthUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import { courseAccess, requireCourseAccess } from '../entitlements.js';
import type { RoomResolver } from '../rooms.js';
import { jsonBody, jsonRequest, noContent, problems } from '../responses.js';
import { calendarPath, verifyCalendarSignature } from './calendarLinks.js';
import { buildIcs } from './ics.js';
import { sessionPhase } from './rules.js';

interface LiveClassRow {
  id: string;
  course_id: string;
  course_title: string;
  title: string;
  starts_at: Date | string;
  duration_minutes: number;
  canceled_at: Date | string | null;
  updated_at: Date | string;
}

const COLUMNS = `lc.id, lc.course_id, c.title as course_title, lc.title, lc.starts_at, lc.duration_minutes,
  lc.canceled_at, lc.updated_at`;

const endOf = (row: LiveClassRow) =>
  new Date(new Date(row.starts_at).getTime() + row.duration_minutes * 60_000);

function statusOf(row: LiveClassRow, now = new Date()): LiveClass['status'] {
  if (row.canceled_at) return 'canceled';
  const start = new Date(row.starts_at).getTime();
  if (now.getTime() < start) return 'scheduled';
  return now.getTime() < endOf(row).getTime() ? 'live' : 'ended';
}

function toLiveClass(row: LiveClassRow, secret: string, userId: string): LiveClass {
  return {
    id: row.id,
    courseId: row.course_id,
    title: row.title,
    startsAt: new Date(row.starts_at).toISOString(),
    durationMinutes: row.duration_minutes,
    status: statusOf(row),
    icsUrl: calendarPath(secret, 'live', row.id, userId),
    joinPath: `/live/${row.id}`,
  };
}

async function loadLiveClass(db: Queryable, id: string, lock = false): Promise<LiveClassRow> {
  const { rows } = await db.query<LiveClassRow>(
    `select ${COLUMNS} from live_classes lc join courses c on c.id = lc.course_id where lc.id = $1${lock ? ' for update of lc' : ''}`,
    [id],
  );
  if (!rows[0]) throw new AppError('not_found', 'no such live class');
  return rows[0];
}

/** A live class the caller may see (404 otherwise, like its course). */
export async function visibleLiveClass(db: Queryable, user: AuthUser, id: string) {
  const row = await loadLiveClass(db, id);
  const access = await courseAccess(db, user, row.course_id);
  if (access === 'none') throw new AppError('not_found', 'no such live class');
  return { row, access };
}

function assertFuture(startsAt: string): Date {
  const start = new Date(startsAt);
  if (start.getTime() <= Date.now()) {
    throw new AppError('validation_failed', 'a live class must start in the future', {
      fieldErrors: [{ path: 'startsAt', message: 'must be in the future' }],
    });
  }
  return start;
}

const Params = z.object({ id: z.uuid() });
const CourseParams = z.object({ courseId: z.uuid() });

const create = authenticatedRoute({
  method: 'post',
  path: '/api/courses/{courseId}/live-classes',
  tags: ['scheduling'],
  summary: 'Schedule a live class (the course’s instructor)',
  roles: ['instructor'],
  request: { params: CourseParams, body: jsonRequest(CreateLiveClassRequestSchema) },
  responses: { 201: jsonBody(LiveClassSchema, 'Scheduled') },
  errors: [400, 404],
});

const listForCourse = authenticatedRoute({
  method: 'get',
  path: '/api/courses/{courseId}/live-classes',
  tags: ['scheduling'],
  summary: 'Upcoming and live classes of a course (enrolled learners, its instructor)',
  request: { params: CourseParams },
  responses: { 200: jsonBody(LiveClassListSchema, 'Classes') },
  errors: [403, 404],
});

const listMine = authenticatedRoute({
  method: 'get',
  path: '/api/live-classes/me',
  tags: ['scheduling'],
  summary: 'Upcoming and live classes of every course the caller learns or teaches',
  responses: { 200: jsonBody(LiveClassListSchema, 'Classes') },
});

const getOne = authenticatedRoute({
  method: 'get',
  path: '/api/live-classes/{id}',
  tags: ['scheduling'],
  summary: 'One live class',
  request: { params: Params },
  responses: { 200: jsonBody(LiveClassSchema, 'Class') },
  errors: [404],
});

const update = authenticatedRoute({
  method: 'patch',
  path: '/api/live-classes/{id}',
  tags: ['scheduling'],
  summary: 'Change title, start or duration (the course’s instructor; not once it ended or was canceled)',
  roles: ['instructor'],
  request: { params: Params, body: jsonRequest(UpdateLiveClassRequestSchema) },
  responses: { 200: jsonBody(LiveClassSchema, 'Changed') },
  errors: [400, 404, 409],
});

const cancel = authenticatedRoute({
  method: 'post',
  path: '/api/live-classes/{id}/cancel',
  tags: ['scheduling'],
  summary: 'Cancel a live class (the course’s instructor)',
  roles: ['instructor'],
  request: { params: Params },
  responses: { 200: jsonBody(LiveClassSchema, 'Canceled') },
  errors: [404, 409],
});

const speaker = (method: 'put' | 'delete') =>
  authenticatedRoute({
    method,
    path: '/api/live-classes/{id}/speakers/{userId}',
    tags: ['scheduling'],
    summary:
      method === 'put'
        ? 'Invite an enrolled learner to speak in the class (room role speaker)'
        : 'Withdraw a speaker invitation',
    roles: ['instructor'],
    request: { params: z.object({ id: z.uuid(), userId: z.uuid() }) },
    responses: { 204: noContent },
    errors: [404],
  });

const calendar = createRoute({
  method: 'get',
  path: '/api/live-classes/{id}/calendar.ics',
  tags: ['scheduling'],
  summary: 'The class as an iCalendar event (signed link from `icsUrl`)',
  request: {
    params: Params,
    query: z.object({ u: z.uuid(), sig: z.string().min(1).max(100) }),
  },
  responses: {
    200: { content: { 'text/calendar': { schema: z.string() } }, description: 'iCalendar' },
    403: problems[403],
    404: problems[404],
  },
});

export function liveClassRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const secret = ctx.config.jwtSecret;
  const log = ctx.logger.child({ module: 'scheduling' });

  app.openapi(create, async (c) => {
    const user = currentUser(c);
    const { courseId } = c.req.valid('param');
    const body = c.req.valid('json');
    await requireCourseAccess(ctx.db, user, courseId, 'instructor');
    const start = assertFuture(body.startsAt);
    const { rows } = await ctx.db.query<{ id: string }>(
      `insert into live_classes (course_id, created_by, title, starts_at, duration_minutes)
         values ($1, $2, $3, $4, $5) returning id`,
      [courseId, user.id, body.title, start.toISOString(), body.durationMinutes],
    );
    log.info({ liveClassId: rows[0]!.id, courseId }, 'live class scheduled');
    return c.json(toLiveClass(await loadLiveClass(ctx.db, rows[0]!.id), secret, user.id), 201);
  });

  app.openapi(listForCourse, async (c) => {
    const user = currentUser(c);
    const { courseId } = c.req.valid('param');
    await requireCourseAccess(ctx.db, user, courseId, 'learner');
    const { rows } = await ctx.db.query<LiveClassRow>(
      `select ${COLUMNS} from live_classes lc join courses c on c.id = lc.course_id
        where lc.course_id = $1 and lc.canceled_at is null
          and lc.starts_at + lc.duration_minutes * interval '1 minute' > now()
        order by lc.starts_at limit 200`,
      [courseId],
    );
    return c.json({ items: rows.map((r) => toLiveClass(r, secret, user.id)) }, 200);
  });

  app.openapi(listMine, async (c) => {
    const user = currentUser(c);
    const { rows } = await ctx.db.query<LiveClassRow>(
      `select ${COLUMNS} from live_classes lc join courses c on c.id = lc.course_id
        where lc.canceled_at is null
          and lc.starts_at + lc.duration_minutes * interval '1 minute' > now()
          and (c.instructor_id = $1 or exists (
                select 1 from enrollments e where e.course_id = c.id and e.user_id = $1 and e.status = 'active'))
        order by lc.starts_at limit 200`,
      [user.id],
    );
    return c.json({ items: rows.map((r) => toLiveClass(r, secret, user.id)) }, 200);
  });

  app.openapi(getOne, async (c) => {
    const user = currentUser(c);
    const { row } = await visibleLiveClass(ctx.db, user, c.req.valid('param').id);
    return c.json(toLiveClass(row, secret, user.id), 200);
  });

  app.openapi(update, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const start = body.startsAt ? assertFuture(body.startsAt) : undefined;
    await ctx.db.transaction(async (tx) => {
      const row = await loadLiveClass(tx, id, true);
      await requireCourseAccess(tx, user, row.course_id, 'instructor');
      const status = statusOf(row);
      if (status === 'canceled' || status === 'ended') {
        throw new AppError('conflict', `this live class is ${status}`);
      }
      await tx.query(
        `update live_classes set title = coalesce($2, title), starts_at = coalesce($3, starts_at),
            duration_minutes = coalesce($4, duration_minutes), updated_at = now()
          where id = $1`,
        [id, body.title ?? null, start?.toISOString() ?? null, body.durationMinutes ?? null],
      );
    });
    return c.json(toLiveClass(await loadLiveClass(ctx.db, id), secret, user.id), 200);
  });

  app.openapi(cancel, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    await ctx.db.transaction(async (tx) => {
      const row = await loadLiveClass(tx, id, true);
      await requireCourseAccess(tx, user, row.course_id, 'instructor');
      const status = statusOf(row);
      if (status === 'canceled' || status === 'ended') {
        throw new AppError('conflict', `this live class is already ${status}`);
      }
      await tx.query('update live_classes set canceled_at = now(), updated_at = now() where id = $1', [id]);
    });
    log.info({ liveClassId: id }, 'live class canceled');
    return c.json(toLiveClass(await loadLiveClass(ctx.db, id), secret, user.id), 200);
  });

  app.openapi(speaker('put'), async (c) => {
    const user = currentUser(c);
    const { id, userId } = c.req.valid('param');
    const row = await loadLiveClass(ctx.db, id);
    await requireCourseAccess(ctx.db, user, row.course_id, 'instructor');
    const invitee = await ctx.db.query<{ role: UserRole }>('select role from users where id = $1', [userId]);
    const role = invitee.rows[0]?.role;
    if (!role || (await courseAccess(ctx.db, { id: userId, role }, row.course_id)) === 'none') {
      throw new AppError('not_found', 'no such learner in this course');
    }
    await ctx.db.query(
      'insert into live_class_speakers (live_class_id, user_id) values ($1, $2) on conflict do nothing',
      [id, userId],
    );
    return c.body(null, 204);
  });

  app.openapi(speaker('delete'), async (c) => {
    const user = currentUser(c);
    const { id, userId } = c.req.valid('param');
    const row = await loadLiveClass(ctx.db, id);
    await requireCourseAccess(ctx.db, user, row.course_id, 'instructor');
    await ctx.db.query('delete from live_class_speakers where live_class_id = $1 and user_id = $2', [
      id,
      userId,
    ]);
    return c.body(null, 204);
  });

  app.openapi(calendar, async (c) => {
    const { id } = c.req.valid('param');
    const { u, sig } = c.req.valid('query');
    if (!verifyCalendarSignature(secret, 'live', id, u, sig)) {
      throw new AppError('forbidden', 'this calendar link is not valid');
    }
    const person = await ctx.db.query<{ id: string; role: UserRole }>(
      'select id, role from users where id = $1',
      [u],
    );
    if (!person.rows[0]) throw new AppError('not_found', 'no such live class');
    const { row } = await visibleLiveClass(ctx.db, { ...person.rows[0], name: '' }, id);
    const ics = buildIcs({
      uid: `live-${row.id}@learnlive`,
      title: row.title,
      description: `Live class of ${row.course_title}`,
      start: new Date(row.starts_at),
      end: endOf(row),
      url: `${ctx.config.publicUrl}/live/${row.id}`,
      canceled: row.canceled_at !== null,
      sequence: Math.floor(new Date(row.updated_at).getTime() / 1000),
    });
    return c.body(ics, 200, {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': `attachment; filename="live-class-${row.id}.ics"`,
    });
  });
}

/**
 * `live:<liveClassId>`: the course's instructor teaches, admins moderate, enrolled learners
 * attend (as speakers when invited). Open from 15 minutes before the start until 30 minutes
 * after the planned end; a canceled class cannot be joined.
 */
export const liveRoomResolver: RoomResolver = async (ctx, user, id) => {
  const { row, access } = await visibleLiveClass(ctx.db, user, id).catch(() => {
    throw new AppError('not_found', 'no such live class');
  });
  if (row.canceled_at) throw new AppError('forbidden', 'this live class was canceled');
  if (access === 'admin') return { role: 'moderator' };
  if (access === 'instructor') return { role: 'teacher' };
  const phase = sessionPhase(new Date(row.starts_at), endOf(row), new Date());
  if (phase === 'upcoming') throw new AppError('forbidden', 'this live class has not opened yet');
  if (phase === 'over') throw new AppError('forbidden', 'this live class is over');
  const invited = await ctx.db.query(
    'select 1 from live_class_speakers where live_class_id = $1 and user_id = $2',
    [id, user.id],
  );
  return { role: invited.rowCount > 0 ? 'speaker' : 'learner' };
};
