import type { Queryable } from '@learnlive/common';
import type { Booking } from '@learnlive/contracts';

/**
 * The SQL of mentor slots, bookings and session feedback (`mentor_slots`, `mentor_bookings`,
 * `session_feedback`, migration 060): every query on those tables is here. Names come from
 * `users` by join; nothing here decides who may do what (that is the service's).
 */

export interface SlotRow {
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
const SLOT_FROM = 'mentor_slots s join users m on m.id = s.mentor_id';

export interface BookingRow {
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

export interface FeedbackRow {
  booking_id: string;
  author_id: string;
  mentor_id: string;
  rating: number;
  comment: string;
  created_at: Date | string;
}

/** PostgreSQL's unique_violation, as node-postgres and PGlite both report it. */
function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

export async function slotById(db: Queryable, id: string): Promise<SlotRow | undefined> {
  const { rows } = await db.query<SlotRow>(`select ${SLOT_COLUMNS} from ${SLOT_FROM} where s.id = $1`, [id]);
  return rows[0];
}

/**
 * A slot about to be booked, share-locked so a mentor withdrawing it at the same moment waits
 * for the booking (and then refuses), or wins and the booking sees it withdrawn.
 */
export async function slotToBook(tx: Queryable, id: string): Promise<SlotRow | undefined> {
  const { rows } = await tx.query<SlotRow>(
    `select ${SLOT_COLUMNS} from ${SLOT_FROM} where s.id = $1 for share of s`,
    [id],
  );
  return rows[0];
}

/** Serializes changes to one mentor's slots until the transaction ends. */
export async function lockMentorSlots(tx: Queryable, mentorId: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`slots:${mentorId}`]);
}

/** Whether the mentor has a live slot overlapping [start, end). */
export async function mentorHasSlotBetween(
  tx: Queryable,
  mentorId: string,
  start: Date,
  end: Date,
): Promise<boolean> {
  const overlap = await tx.query(
    `select 1 from mentor_slots where mentor_id = $1 and withdrawn_at is null and starts_at < $3 and ends_at > $2`,
    [mentorId, start.toISOString(), end.toISOString()],
  );
  return overlap.rowCount > 0;
}

export async function insertSlot(tx: Queryable, mentorId: string, start: Date, end: Date): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    'insert into mentor_slots (mentor_id, starts_at, ends_at) values ($1, $2, $3) returning id',
    [mentorId, start.toISOString(), end.toISOString()],
  );
  return rows[0]!.id;
}

/** The mentor's slots not yet over nor withdrawn, booked or not. */
export async function upcomingSlotsOf(db: Queryable, mentorId: string): Promise<SlotRow[]> {
  const { rows } = await db.query<SlotRow>(
    `select ${SLOT_COLUMNS} from ${SLOT_FROM}
      where s.mentor_id = $1 and s.ends_at > now() and s.withdrawn_at is null order by s.starts_at limit 500`,
    [mentorId],
  );
  return rows;
}

/** The slot's owner and withdrawal, locked for a withdrawal. */
export async function slotToWithdraw(
  tx: Queryable,
  id: string,
): Promise<{ mentor_id: string; withdrawn_at: string | null } | undefined> {
  const { rows } = await tx.query<{ mentor_id: string; withdrawn_at: string | null }>(
    'select mentor_id, withdrawn_at from mentor_slots where id = $1 for update',
    [id],
  );
  return rows[0];
}

export async function slotIsBooked(tx: Queryable, id: string): Promise<boolean> {
  const booked = await tx.query(`select 1 from mentor_bookings where slot_id = $1 and status = 'booked'`, [
    id,
  ]);
  return booked.rowCount > 0;
}

export async function markSlotWithdrawn(tx: Queryable, id: string): Promise<void> {
  await tx.query('update mentor_slots set withdrawn_at = now() where id = $1', [id]);
}

/** Mentors with open slots ahead, by name, with how many. */
export async function mentorsWithOpenSlots(
  db: Queryable,
): Promise<Array<{ id: string; name: string; open_slots: number }>> {
  const { rows } = await db.query<{ id: string; name: string; open_slots: number }>(
    `select m.id, m.display_name as name, count(*)::int as open_slots
       from mentor_slots s join users m on m.id = s.mentor_id
      where s.starts_at > now() and s.withdrawn_at is null
        and not exists (select 1 from mentor_bookings b where b.slot_id = s.id and b.status = 'booked')
      group by m.id, m.display_name order by m.display_name limit 200`,
  );
  return rows;
}

/** The mentor's slots ahead that nobody booked. */
export async function openSlotsOf(db: Queryable, mentorId: string): Promise<SlotRow[]> {
  const { rows } = await db.query<SlotRow>(
    `select ${SLOT_COLUMNS} from ${SLOT_FROM}
      where s.mentor_id = $1 and s.starts_at > now() and s.withdrawn_at is null
        and not exists (select 1 from mentor_bookings b where b.slot_id = s.id and b.status = 'booked')
      order by s.starts_at limit 500`,
    [mentorId],
  );
  return rows;
}

/** Serializes bookings of one learner until the transaction ends. */
export async function lockLearnerBookings(tx: Queryable, learnerId: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`bookings:${learnerId}`]);
}

/** Whether the learner has a live booking overlapping the slot's time. */
export async function learnerHasSessionBetween(
  tx: Queryable,
  learnerId: string,
  start: Date,
  end: Date,
): Promise<boolean> {
  const clash = await tx.query(
    `select 1 from mentor_bookings b join mentor_slots s on s.id = b.slot_id
      where b.learner_id = $1 and b.status = 'booked' and s.starts_at < $3 and s.ends_at > $2`,
    [learnerId, start.toISOString(), end.toISOString()],
  );
  return clash.rowCount > 0;
}

/**
 * A new live booking, or undefined when the slot already has one: the partial unique index on
 * live bookings per slot is what keeps two concurrent bookings from both winning.
 */
export async function insertBooking(
  tx: Queryable,
  slotId: string,
  mentorId: string,
  learnerId: string,
): Promise<string | undefined> {
  try {
    const inserted = await tx.query<{ id: string }>(
      `insert into mentor_bookings (slot_id, mentor_id, learner_id) values ($1, $2, $3) returning id`,
      [slotId, mentorId, learnerId],
    );
    return inserted.rows[0]!.id;
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
}

/** One booking if `userId` is one of its two people (`lock`: for update). */
export async function bookingFor(
  db: Queryable,
  id: string,
  userId: string,
  lock = false,
): Promise<BookingRow | undefined> {
  const { rows } = await db.query<BookingRow>(
    `select ${bookingColumns('$2')} from ${BOOKING_FROM}
      where b.id = $1 and (b.mentor_id = $2 or b.learner_id = $2)${lock ? ' for update of b' : ''}`,
    [id, userId],
  );
  return rows[0];
}

/** The user's bookings on either side: `upcoming` (live, not over) or `all`. */
export async function bookingsOf(
  db: Queryable,
  userId: string,
  scope: 'upcoming' | 'all',
): Promise<BookingRow[]> {
  const { rows } = await db.query<BookingRow>(
    `select ${bookingColumns('$1')} from ${BOOKING_FROM}
      where (b.mentor_id = $1 or b.learner_id = $1)
        and ($2 = 'all' or (b.status = 'booked' and s.ends_at > now()))
      order by s.starts_at limit 500`,
    [userId, scope],
  );
  return rows;
}

export async function markBookingCanceled(
  tx: Queryable,
  id: string,
  by: string,
  reason: string | null,
): Promise<void> {
  await tx.query(
    `update mentor_bookings set status = 'canceled', canceled_by = $2, cancel_reason = $3, updated_at = now() where id = $1`,
    [id, by, reason],
  );
}

/** Frees the booking's slot; `linkRescheduled` then names the booking that replaced it. */
export async function markBookingRescheduled(tx: Queryable, id: string, by: string): Promise<void> {
  await tx.query(
    `update mentor_bookings set status = 'rescheduled', canceled_by = $2, updated_at = now() where id = $1`,
    [id, by],
  );
}

export async function linkRescheduled(tx: Queryable, id: string, next: string): Promise<void> {
  await tx.query('update mentor_bookings set rescheduled_to = $2 where id = $1', [id, next]);
}

/** Records one person's feedback on a session; undefined when they already left some. */
export async function insertFeedback(
  db: Queryable,
  feedback: { bookingId: string; authorId: string; mentorId: string; rating: number; comment: string },
): Promise<FeedbackRow | undefined> {
  const { rows } = await db.query<FeedbackRow>(
    `insert into session_feedback (booking_id, author_id, rating, comment) values ($1, $2, $3, $4)
     on conflict (booking_id, author_id) do nothing
     returning booking_id, author_id, $5::uuid as mentor_id, rating, comment, created_at`,
    [feedback.bookingId, feedback.authorId, feedback.rating, feedback.comment, feedback.mentorId],
  );
  return rows[0];
}

export async function feedbackOn(db: Queryable, bookingId: string, mentorId: string): Promise<FeedbackRow[]> {
  const { rows } = await db.query<FeedbackRow>(
    `select booking_id, author_id, $2::uuid as mentor_id, rating, comment, created_at
       from session_feedback where booking_id = $1 order by created_at`,
    [bookingId, mentorId],
  );
  return rows;
}
