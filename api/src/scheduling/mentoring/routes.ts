import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  BookingListSchema,
  BookingSchema,
  CancelBookingRequestSchema,
  CreateBookingRequestSchema,
  CreateSlotRequestSchema,
  FeedbackListSchema,
  FeedbackRequestSchema,
  FeedbackSchema,
  MentorListSchema,
  RescheduleBookingRequestSchema,
  SlotListSchema,
  SlotSchema,
} from '@learnlive/contracts';
import { z } from 'zod';
import { authenticatedRoute } from '../../auth/authenticatedRoute.js';
import { currentUser } from '../../auth/middleware.js';
import { jsonBody, jsonRequest, problems } from '../../responses.js';
import type { MentoringService } from './service.js';

const Params = z.object({ id: z.uuid() });

const routes = {
  createSlot: authenticatedRoute({
    method: 'post',
    path: '/api/mentor/slots',
    tags: ['scheduling'],
    summary: 'Publish an availability slot (mentors)',
    roles: ['mentor'],
    request: { body: jsonRequest(CreateSlotRequestSchema) },
    responses: { 201: jsonBody(SlotSchema, 'Published') },
    errors: [400, 409],
  }),
  mySlots: authenticatedRoute({
    method: 'get',
    path: '/api/mentor/slots',
    tags: ['scheduling'],
    summary: 'The caller’s upcoming slots (mentors)',
    roles: ['mentor'],
    responses: { 200: jsonBody(SlotListSchema, 'Slots') },
  }),
  withdrawSlot: authenticatedRoute({
    method: 'delete',
    path: '/api/mentor/slots/{id}',
    tags: ['scheduling'],
    summary: 'Withdraw an unbooked slot (mentors)',
    roles: ['mentor'],
    request: { params: Params },
    responses: { 200: jsonBody(SlotSchema, 'Withdrawn') },
    errors: [404, 409],
  }),
  mentors: authenticatedRoute({
    method: 'get',
    path: '/api/mentors',
    tags: ['scheduling'],
    summary: 'Mentors with open slots ahead',
    responses: { 200: jsonBody(MentorListSchema, 'Mentors') },
  }),
  mentorSlots: authenticatedRoute({
    method: 'get',
    path: '/api/mentors/{id}/slots',
    tags: ['scheduling'],
    summary: 'A mentor’s open slots ahead',
    request: { params: Params },
    responses: { 200: jsonBody(SlotListSchema, 'Slots') },
  }),
  createBooking: authenticatedRoute({
    method: 'post',
    path: '/api/bookings',
    tags: ['scheduling'],
    summary: 'Book a mentor’s open slot',
    request: { body: jsonRequest(CreateBookingRequestSchema) },
    responses: { 201: jsonBody(BookingSchema, 'Booked') },
    errors: [400, 404, 409],
  }),
  myBookings: authenticatedRoute({
    method: 'get',
    path: '/api/bookings/me',
    tags: ['scheduling'],
    summary: 'The caller’s bookings, as mentee or mentor',
    request: { query: z.strictObject({ scope: z.enum(['upcoming', 'all']).default('upcoming') }) },
    responses: { 200: jsonBody(BookingListSchema, 'Bookings') },
    errors: [400],
  }),
  getBooking: authenticatedRoute({
    method: 'get',
    path: '/api/bookings/{id}',
    tags: ['scheduling'],
    summary: 'One booking (its mentor or mentee)',
    request: { params: Params },
    responses: { 200: jsonBody(BookingSchema, 'Booking') },
    errors: [404],
  }),
  cancelBooking: authenticatedRoute({
    method: 'post',
    path: '/api/bookings/{id}/cancel',
    tags: ['scheduling'],
    summary: 'Cancel a booking (either side, until BOOKING_CHANGE_MIN_HOURS before the start)',
    request: { params: Params, body: jsonRequest(CancelBookingRequestSchema) },
    responses: { 200: jsonBody(BookingSchema, 'Canceled') },
    errors: [400, 404, 409],
  }),
  reschedule: authenticatedRoute({
    method: 'post',
    path: '/api/bookings/{id}/reschedule',
    tags: ['scheduling'],
    summary: 'Move a booking to another open slot of the same mentor (either side, same notice rule)',
    request: { params: Params, body: jsonRequest(RescheduleBookingRequestSchema) },
    responses: { 201: jsonBody(BookingSchema, 'The new booking') },
    errors: [400, 404, 409],
  }),
  giveFeedback: authenticatedRoute({
    method: 'post',
    path: '/api/bookings/{id}/feedback',
    tags: ['scheduling'],
    summary: 'Rate a session once it is over (each side once)',
    request: { params: Params, body: jsonRequest(FeedbackRequestSchema) },
    responses: { 201: jsonBody(FeedbackSchema, 'Recorded') },
    errors: [400, 404, 409],
  }),
  listFeedback: authenticatedRoute({
    method: 'get',
    path: '/api/bookings/{id}/feedback',
    tags: ['scheduling'],
    summary: 'Feedback left on a session (its two people)',
    request: { params: Params },
    responses: { 200: jsonBody(FeedbackListSchema, 'Feedback') },
    errors: [404],
  }),
  calendar: createRoute({
    method: 'get',
    path: '/api/bookings/{id}/calendar.ics',
    tags: ['scheduling'],
    summary: 'The session as an iCalendar event (signed link from `icsUrl`)',
    request: { params: Params, query: z.object({ u: z.uuid(), sig: z.string().min(1).max(100) }) },
    responses: {
      200: { content: { 'text/calendar': { schema: z.string() } }, description: 'iCalendar' },
      403: problems[403],
      404: problems[404],
    },
  }),
};

/** The HTTP side of mentor sessions: each route validated by its schema, answered by the service. */
export function mentoringRoutes(app: OpenAPIHono, mentoring: MentoringService): void {
  app.openapi(routes.createSlot, async (c) => {
    const { startsAt, endsAt } = c.req.valid('json');
    return c.json(await mentoring.createSlot(currentUser(c), startsAt, endsAt), 201);
  });

  app.openapi(routes.mySlots, async (c) => c.json({ items: await mentoring.mySlots(currentUser(c)) }, 200));

  app.openapi(routes.withdrawSlot, async (c) =>
    c.json(await mentoring.withdrawSlot(currentUser(c), c.req.valid('param').id), 200),
  );

  app.openapi(routes.mentors, async (c) => c.json({ items: await mentoring.mentors() }, 200));

  app.openapi(routes.mentorSlots, async (c) =>
    c.json({ items: await mentoring.openSlotsOf(c.req.valid('param').id) }, 200),
  );

  app.openapi(routes.createBooking, async (c) =>
    c.json(await mentoring.book(currentUser(c), c.req.valid('json').slotId), 201),
  );

  app.openapi(routes.myBookings, async (c) =>
    c.json({ items: await mentoring.myBookings(currentUser(c), c.req.valid('query').scope) }, 200),
  );

  app.openapi(routes.getBooking, async (c) =>
    c.json(await mentoring.booking(currentUser(c), c.req.valid('param').id), 200),
  );

  app.openapi(routes.cancelBooking, async (c) => {
    const { reason } = c.req.valid('json');
    return c.json(await mentoring.cancel(currentUser(c), c.req.valid('param').id, reason), 200);
  });

  app.openapi(routes.reschedule, async (c) => {
    const { slotId } = c.req.valid('json');
    return c.json(await mentoring.reschedule(currentUser(c), c.req.valid('param').id, slotId), 201);
  });

  app.openapi(routes.giveFeedback, async (c) => {
    const { rating, comment } = c.req.valid('json');
    return c.json(
      await mentoring.giveFeedback(currentUser(c), c.req.valid('param').id, rating, comment),
      201,
    );
  });

  app.openapi(routes.listFeedback, async (c) =>
    c.json({ items: await mentoring.feedback(currentUser(c), c.req.valid('param').id) }, 200),
  );

  app.openapi(routes.calendar, async (c) => {
    const { u, sig } = c.req.valid('query');
    const { id, ics } = await mentoring.calendar(c.req.valid('param').id, u, sig);
    return c.body(ics, 200, {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': `attachment; filename="mentor-session-${id}.ics"`,
    });
  });
}
