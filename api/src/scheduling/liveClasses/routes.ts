import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  CreateLiveClassRequestSchema,
  LiveClassListSchema,
  LiveClassSchema,
  UpdateLiveClassRequestSchema,
} from '@learnlive/contracts';
import { z } from 'zod';
import { authenticatedRoute } from '../../auth/authenticatedRoute.js';
import { currentUser } from '../../auth/middleware.js';
import { jsonBody, jsonRequest, noContent, problems } from '../../responses.js';
import type { LiveClassService } from './service.js';

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

/** The HTTP side of live classes: each route validated by its schema, answered by the service. */
export function liveClassRoutes(app: OpenAPIHono, liveClasses: LiveClassService): void {
  app.openapi(create, async (c) =>
    c.json(
      await liveClasses.schedule(currentUser(c), c.req.valid('param').courseId, c.req.valid('json')),
      201,
    ),
  );

  app.openapi(listForCourse, async (c) =>
    c.json({ items: await liveClasses.aheadOfCourse(currentUser(c), c.req.valid('param').courseId) }, 200),
  );

  app.openapi(listMine, async (c) => c.json({ items: await liveClasses.aheadForMe(currentUser(c)) }, 200));

  app.openapi(getOne, async (c) =>
    c.json(await liveClasses.get(currentUser(c), c.req.valid('param').id), 200),
  );

  app.openapi(update, async (c) =>
    c.json(await liveClasses.update(currentUser(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(cancel, async (c) =>
    c.json(await liveClasses.cancel(currentUser(c), c.req.valid('param').id), 200),
  );

  app.openapi(speaker('put'), async (c) => {
    const { id, userId } = c.req.valid('param');
    await liveClasses.inviteSpeaker(currentUser(c), id, userId);
    return c.body(null, 204);
  });

  app.openapi(speaker('delete'), async (c) => {
    const { id, userId } = c.req.valid('param');
    await liveClasses.withdrawSpeaker(currentUser(c), id, userId);
    return c.body(null, 204);
  });

  app.openapi(calendar, async (c) => {
    const { u, sig } = c.req.valid('query');
    const { id, ics } = await liveClasses.calendar(c.req.valid('param').id, u, sig);
    return c.body(ics, 200, {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': `attachment; filename="live-class-${id}.ics"`,
    });
  });
}
