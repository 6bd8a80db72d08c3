import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError, type Queryable } from '@learnlive/common';
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
  type Booking,
  type Slot,
} from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import type { RoomResolver } from '../rooms.js';
import { jsonBody, jsonRequest, problems } from '../responses.js';
import { calendarPath, verifyCalendarSignature } from './calendarLinks.js';
import { buildIcs } from './ics.js';
import { assertChangeAllowed, sessionPhase } from './rules.js';

interface SlotRow {
  id: string;
  mentor_id: string;
  mentor_name: string;
  starts_at: Date | string;
  ends_at: Date | string;
  withdrawn_at: Date | string | null;
  booked: boolean;
}

const SLOT_COLUMNS = `s.id, s.mentor_id, m.display_name as mentor_name, s.starts_at, s.ends_at, s.withdrawn_at,
  exists (select 1 from mentor_bookings b where b.slot_id = s.id and b.status = 'booked') as booked`;

function toSlot(row: SlotRow): Slot {
  return {
    id: row.id,
    mentorId: row.mentor_id,
    mentorName: row.mentor_name,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    status: row.withdrawn_at ? 'withdrawn' : row.booked ? 'booked' : 'open',
  };
}

interface BookingRow {
  id: string;
  slot_id: string;
  mentor_id: string;
  mentor_name: string;
  learner_id: string;
  learner_name: string;
  starts_at: Date | string;
  ends_at: Date | string;
  status: Booking['status'];
  rescheduled_to: string | null;
  updated_at: Date | string;
  feedback_given: boolean;
}

const bookingColumns = (viewer: string) => `b.id, b.slot_id, b.mentor_id, m.display_name as mentor_name,
  b.learner_id, l.display_name as learner_name, s.starts_at, s.ends_at, b.status, b.rescheduled_to, b.updated_at,
  exists (select 1 from session_feedback f where f.booking_id = b.id and f.author_id = ${viewer}) as feedback_given`;
const BOOKING_FROM = `mentor_bookings b join mentor_slots s on s.id = b.slot_id
  join users m on m.id = b.mentor_id join users l on l.id = b.learner_id`;

/** One booking as seen by one of its two people; anyone else gets 404 (it is not theirs to know). */
async function bookingFor(db: Queryable, id: string, userId: string, lock = false): Promise<BookingRow> {
  const { rows } = await db.query<BookingRow>(
    `select ${bookingColumns('$2')} from ${BOOKING_FROM}
      where b.id = $1 and (b.mentor_id = $2 or b.learner_id = $2)${lock ? ' for update of b' : ''}`,
    [id, userId],
  );
  if (!rows[0]) throw new AppError('not_found', 'no such booking');
  return rows[0];
}

function toBooking(row: BookingRow, viewer: string, secret: string): Booking {
  return {
    id: row.id,
    slotId: row.slot_id,
    mentorId: row.mentor_id,
    mentorName: row.mentor_name,
    learnerId: row.learner_id,
    learnerName: row.learner_name,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    status: row.status,
    side: row.mentor_id === viewer ? 'mentor' : 'mentee',
    rescheduledTo: row.rescheduled_to,
    feedbackGiven: row.feedback_given,
    icsUrl: calendarPath(secret, 'booking', row.id, viewer),
    joinPath: `/mentor/${row.id}`,
  };
}

/** PostgreSQL's unique_violation, as node-postgres and PGlite both report it. */
function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Books `slotId` for `learnerId` inside `tx`. The partial unique index on live bookings per
 * slot is what keeps two concurrent bookings from both winning; the checks before it only
 * give clearer answers. The slot row is share-locked so a mentor withdrawing it at the same
 * moment waits for this booking (and then refuses), or wins and this booking sees it withdrawn.
 */
async function book(tx: Queryable, slotId: string, learnerId: string, mentorId?: string): Promise<string> {
  const { rows } = await tx.query<SlotRow>(
    `select ${SLOT_COLUMNS} from mentor_slots s join users m on m.id = s.mentor_id where s.id = $1 for share of s`,
    [slotId],
  );
  const slot = rows[0];
  if (!slot || slot.withdrawn_at) throw new AppError('not_found', 'no such slot');
  if (mentorId && slot.mentor_id !== mentorId) {
    throw new AppError('conflict', 'a booking can only move to another slot of the same mentor');
  }
  if (slot.mentor_id === learnerId) throw new AppError('conflict', 'you cannot book your own slot');
  if (new Date(slot.starts_at).getTime() <= Date.now())
    throw new AppError('conflict', 'this slot has already started');
  if (slot.booked) throw new AppError('conflict', 'this slot is already booked');
  // The learner's own calendar: one session at a time.
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`bookings:${learnerId}`]);
  const clash = await tx.query(
    `select 1 from mentor_bookings b join mentor_slots s on s.id = b.slot_id
      where b.learner_id = $1 and b.status = 'booked' and s.starts_at < $3 and s.ends_at > $2`,
    [learnerId, new Date(slot.starts_at).toISOString(), new Date(slot.ends_at).toISOString()],
  );
  if (clash.rowCount > 0) throw new AppError('conflict', 'you already have a session at that time');
  try {
    const inserted = await tx.query<{ id: string }>(
      `insert into mentor_bookings (slot_id, mentor_id, learner_id) values ($1, $2, $3) returning id`,
      [slotId, slot.mentor_id, learnerId],
    );
    return inserted.rows[0]!.id;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'this slot is already booked', { cause: err });
    throw err;
  }
}

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

interface FeedbackRow {
  booking_id: string;
  author_id: string;
  mentor_id: string;
  rating: number;
  comment: string;
  created_at: Date | string;
}

export function mentoringRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const secret = ctx.config.jwtSecret;
  const minNoticeMs = ctx.config.scheduling.bookingChangeMinMs;
  const log = ctx.logger.child({ module: 'scheduling' });

  const slotById = async (db: Queryable, id: string) =>
    (
      await db.query<SlotRow>(
        `select ${SLOT_COLUMNS} from mentor_slots s join users m on m.id = s.mentor_id where s.id = $1`,
        [id],
      )
    ).rows[0];

  app.openapi(routes.createSlot, async (c) => {
    const user = currentUser(c);
    const { startsAt, endsAt } = c.req.valid('json');
    const start = new Date(startsAt);
    const end = new Date(endsAt);
    if (start.getTime() <= Date.now()) {
      throw new AppError('validation_failed', 'a slot must start in the future', {
        fieldErrors: [{ path: 'startsAt', message: 'must be in the future' }],
      });
    }
    const id = await ctx.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`slots:${user.id}`]);
      const overlap = await tx.query(
        `select 1 from mentor_slots where mentor_id = $1 and withdrawn_at is null and starts_at < $3 and ends_at > $2`,
        [user.id, start.toISOString(), end.toISOString()],
      );
      if (overlap.rowCount > 0) throw new AppError('conflict', 'this slot overlaps another of yours');
      const { rows } = await tx.query<{ id: string }>(
        'insert into mentor_slots (mentor_id, starts_at, ends_at) values ($1, $2, $3) returning id',
        [user.id, start.toISOString(), end.toISOString()],
      );
      return rows[0]!.id;
    });
    return c.json(toSlot((await slotById(ctx.db, id))!), 201);
  });

  app.openapi(routes.mySlots, async (c) => {
    const user = currentUser(c);
    const { rows } = await ctx.db.query<SlotRow>(
      `select ${SLOT_COLUMNS} from mentor_slots s join users m on m.id = s.mentor_id
        where s.mentor_id = $1 and s.ends_at > now() and s.withdrawn_at is null order by s.starts_at limit 500`,
      [user.id],
    );
    return c.json({ items: rows.map(toSlot) }, 200);
  });

  app.openapi(routes.withdrawSlot, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    await ctx.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ mentor_id: string; withdrawn_at: string | null }>(
        'select mentor_id, withdrawn_at from mentor_slots where id = $1 for update',
        [id],
      );
      if (!rows[0] || rows[0].mentor_id !== user.id || rows[0].withdrawn_at) {
        throw new AppError('not_found', 'no such slot');
      }
      const booked = await tx.query(
        `select 1 from mentor_bookings where slot_id = $1 and status = 'booked'`,
        [id],
      );
      if (booked.rowCount > 0)
        throw new AppError('conflict', 'this slot is booked: cancel the booking first');
      await tx.query('update mentor_slots set withdrawn_at = now() where id = $1', [id]);
    });
    return c.json(toSlot((await slotById(ctx.db, id))!), 200);
  });

  app.openapi(routes.mentors, async (c) => {
    const { rows } = await ctx.db.query<{ id: string; name: string; open_slots: number }>(
      `select m.id, m.display_name as name, count(*)::int as open_slots
         from mentor_slots s join users m on m.id = s.mentor_id
        where s.starts_at > now() and s.withdrawn_at is null
          and not exists (select 1 from mentor_bookings b where b.slot_id = s.id and b.status = 'booked')
        group by m.id, m.display_name order by m.display_name limit 200`,
    );
    return c.json(
      { items: rows.map((r) => ({ id: r.id, name: r.name, openSlots: Number(r.open_slots) })) },
      200,
    );
  });

  app.openapi(routes.mentorSlots, async (c) => {
    const { id } = c.req.valid('param');
    const { rows } = await ctx.db.query<SlotRow>(
      `select ${SLOT_COLUMNS} from mentor_slots s join users m on m.id = s.mentor_id
        where s.mentor_id = $1 and s.starts_at > now() and s.withdrawn_at is null
          and not exists (select 1 from mentor_bookings b where b.slot_id = s.id and b.status = 'booked')
        order by s.starts_at limit 500`,
      [id],
    );
    return c.json({ items: rows.map(toSlot) }, 200);
  });

  app.openapi(routes.createBooking, async (c) => {
    const user = currentUser(c);
    const { slotId } = c.req.valid('json');
    const id = await ctx.db.transaction((tx) => book(tx, slotId, user.id));
    log.info({ bookingId: id, slotId }, 'mentor session booked');
    return c.json(toBooking(await bookingFor(ctx.db, id, user.id), user.id, secret), 201);
  });

  app.openapi(routes.myBookings, async (c) => {
    const user = currentUser(c);
    const { scope } = c.req.valid('query');
    const { rows } = await ctx.db.query<BookingRow>(
      `select ${bookingColumns('$1')} from ${BOOKING_FROM}
        where (b.mentor_id = $1 or b.learner_id = $1)
          and ($2 = 'all' or (b.status = 'booked' and s.ends_at > now()))
        order by s.starts_at limit 500`,
      [user.id, scope],
    );
    return c.json({ items: rows.map((r) => toBooking(r, user.id, secret)) }, 200);
  });

  app.openapi(routes.getBooking, async (c) => {
    const user = currentUser(c);
    const row = await bookingFor(ctx.db, c.req.valid('param').id, user.id);
    return c.json(toBooking(row, user.id, secret), 200);
  });

  app.openapi(routes.cancelBooking, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    await ctx.db.transaction(async (tx) => {
      const row = await bookingFor(tx, id, user.id, true);
      if (row.status !== 'booked') throw new AppError('conflict', `this booking is already ${row.status}`);
      assertChangeAllowed(new Date(row.starts_at), new Date(), minNoticeMs);
      await tx.query(
        `update mentor_bookings set status = 'canceled', canceled_by = $2, cancel_reason = $3, updated_at = now() where id = $1`,
        [id, user.id, reason ?? null],
      );
    });
    log.info({ bookingId: id }, 'mentor session canceled');
    return c.json(toBooking(await bookingFor(ctx.db, id, user.id), user.id, secret), 200);
  });

  app.openapi(routes.reschedule, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    const { slotId } = c.req.valid('json');
    const newId = await ctx.db.transaction(async (tx) => {
      const row = await bookingFor(tx, id, user.id, true);
      if (row.status !== 'booked') throw new AppError('conflict', `this booking is already ${row.status}`);
      assertChangeAllowed(new Date(row.starts_at), new Date(), minNoticeMs);
      if (slotId === row.slot_id) throw new AppError('conflict', 'the booking is already in that slot');
      // Free the old slot first; if the new one is taken the whole move rolls back.
      await tx.query(
        `update mentor_bookings set status = 'rescheduled', canceled_by = $2, updated_at = now() where id = $1`,
        [id, user.id],
      );
      const next = await book(tx, slotId, row.learner_id, row.mentor_id);
      await tx.query('update mentor_bookings set rescheduled_to = $2 where id = $1', [id, next]);
      return next;
    });
    log.info({ bookingId: id, newBookingId: newId }, 'mentor session rescheduled');
    return c.json(toBooking(await bookingFor(ctx.db, newId, user.id), user.id, secret), 201);
  });

  app.openapi(routes.giveFeedback, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    const { rating, comment } = c.req.valid('json');
    const row = await bookingFor(ctx.db, id, user.id);
    if (row.status !== 'booked') throw new AppError('conflict', `this session was ${row.status}`);
    if (new Date(row.ends_at).getTime() > Date.now()) {
      throw new AppError('conflict', 'feedback opens once the session is over');
    }
    const { rows } = await ctx.db.query<FeedbackRow>(
      `insert into session_feedback (booking_id, author_id, rating, comment) values ($1, $2, $3, $4)
       on conflict (booking_id, author_id) do nothing
       returning booking_id, author_id, $5::uuid as mentor_id, rating, comment, created_at`,
      [id, user.id, rating, comment, row.mentor_id],
    );
    if (!rows[0]) throw new AppError('conflict', 'you already left feedback on this session');
    return c.json(toFeedback(rows[0]), 201);
  });

  app.openapi(routes.listFeedback, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    const row = await bookingFor(ctx.db, id, user.id);
    const { rows } = await ctx.db.query<FeedbackRow>(
      `select booking_id, author_id, $2::uuid as mentor_id, rating, comment, created_at
         from session_feedback where booking_id = $1 order by created_at`,
      [id, row.mentor_id],
    );
    return c.json({ items: rows.map(toFeedback) }, 200);
  });

  app.openapi(routes.calendar, async (c) => {
    const { id } = c.req.valid('param');
    const { u, sig } = c.req.valid('query');
    if (!verifyCalendarSignature(secret, 'booking', id, u, sig)) {
      throw new AppError('forbidden', 'this calendar link is not valid');
    }
    const row = await bookingFor(ctx.db, id, u);
    const other = row.mentor_id === u ? row.learner_name : row.mentor_name;
    const ics = buildIcs({
      uid: `booking-${row.id}@learnlive`,
      title: `Mentor session with ${other}`,
      start: new Date(row.starts_at),
      end: new Date(row.ends_at),
      url: `${ctx.config.publicUrl}/mentor/${row.id}`,
      canceled: row.status !== 'booked',
      sequence: Math.floor(new Date(row.updated_at).getTime() / 1000),
    });
    return c.body(ics, 200, {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': `attachment; filename="mentor-session-${row.id}.ics"`,
    });
  });
}

function toFeedback(row: FeedbackRow) {
  return {
    bookingId: row.booking_id,
    authorId: row.author_id,
    side: row.author_id === row.mentor_id ? ('mentor' as const) : ('mentee' as const),
    rating: row.rating,
    comment: row.comment,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * `mentor:<bookingId>`: only the booked pair, the mentor as `mentor` and the learner as
 * `mentee`, while the booking stands and from 15 minutes before the start until 30 minutes
 * after the end. Anyone else is told the room does not exist.
 */
export const mentorRoomResolver: RoomResolver = async (ctx, user, id) => {
  const row = await bookingFor(ctx.db, id, user.id);
  if (row.status !== 'booked') throw new AppError('forbidden', `this session was ${row.status}`);
  const phase = sessionPhase(new Date(row.starts_at), new Date(row.ends_at), new Date());
  if (phase === 'upcoming') throw new AppError('forbidden', 'this session has not opened yet');
  if (phase === 'over') throw new AppError('forbidden', 'this session is over');
  return { role: row.mentor_id === user.id ? 'mentor' : 'mentee' };
};
