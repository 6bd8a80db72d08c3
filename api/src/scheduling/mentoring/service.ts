import { AppError, type Db, type Logger, type Queryable } from '@learnlive/common';
import type { Booking, FeedbackSchema, MentorSchema, Slot } from '@learnlive/contracts';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/middleware.js';
import type { RoomGrant } from '../../rooms.js';
import { calendarPath, verifyCalendarSignature } from '../calendarLinks.js';
import { buildIcs } from '../ics.js';
import { assertChangeAllowed, sessionPhase } from '../rules.js';
import * as data from './data.js';
import type { BookingRow, FeedbackRow, SlotRow } from './data.js';

type Feedback = z.infer<typeof FeedbackSchema>;
type Mentor = z.infer<typeof MentorSchema>;

export interface MentoringOptions {
  db: Db;
  logger: Logger;
  /** Signs and checks calendar links (the API's JWT secret). */
  secret: string;
  /** How long before its start a booking may still be canceled or moved (BOOKING_CHANGE_MIN_HOURS). */
  minNoticeMs: number;
  /** Where the client is served: calendar events link to the session's page there. */
  publicUrl: string;
}

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

function toFeedback(row: FeedbackRow): Feedback {
  return {
    bookingId: row.booking_id,
    authorId: row.author_id,
    side: row.author_id === row.mentor_id ? 'mentor' : 'mentee',
    rating: row.rating,
    comment: row.comment,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/**
 * Mentor sessions: mentors publish slots, learners book them, either side cancels or moves a
 * booking until the notice rule closes it, both rate the session once it is over, and the
 * booked pair (only) may join its room while it is open.
 */
export class MentoringService {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #secret: string;
  readonly #minNoticeMs: number;
  readonly #publicUrl: string;

  constructor(options: MentoringOptions) {
    this.#db = options.db;
    this.#log = options.logger;
    this.#secret = options.secret;
    this.#minNoticeMs = options.minNoticeMs;
    this.#publicUrl = options.publicUrl;
  }

  async createSlot(mentor: AuthUser, startsAt: string, endsAt: string): Promise<Slot> {
    const start = new Date(startsAt);
    const end = new Date(endsAt);
    if (start.getTime() <= Date.now()) {
      throw new AppError('validation_failed', 'a slot must start in the future', {
        fieldErrors: [{ path: 'startsAt', message: 'must be in the future' }],
      });
    }
    const id = await this.#db.transaction(async (tx) => {
      await data.lockMentorSlots(tx, mentor.id);
      if (await data.mentorHasSlotBetween(tx, mentor.id, start, end)) {
        throw new AppError('conflict', 'this slot overlaps another of yours');
      }
      return data.insertSlot(tx, mentor.id, start, end);
    });
    return toSlot((await data.slotById(this.#db, id))!);
  }

  async mySlots(mentor: AuthUser): Promise<Slot[]> {
    return (await data.upcomingSlotsOf(this.#db, mentor.id)).map(toSlot);
  }

  async withdrawSlot(mentor: AuthUser, id: string): Promise<Slot> {
    await this.#db.transaction(async (tx) => {
      const slot = await data.slotToWithdraw(tx, id);
      if (!slot || slot.mentor_id !== mentor.id || slot.withdrawn_at) {
        throw new AppError('not_found', 'no such slot');
      }
      if (await data.slotIsBooked(tx, id)) {
        throw new AppError('conflict', 'this slot is booked: cancel the booking first');
      }
      await data.markSlotWithdrawn(tx, id);
    });
    return toSlot((await data.slotById(this.#db, id))!);
  }

  async mentors(): Promise<Mentor[]> {
    const rows = await data.mentorsWithOpenSlots(this.#db);
    return rows.map((r) => ({ id: r.id, name: r.name, openSlots: Number(r.open_slots) }));
  }

  async openSlotsOf(mentorId: string): Promise<Slot[]> {
    return (await data.openSlotsOf(this.#db, mentorId)).map(toSlot);
  }

  async book(learner: AuthUser, slotId: string): Promise<Booking> {
    const id = await this.#db.transaction((tx) => this.#book(tx, slotId, learner.id));
    this.#log.info({ bookingId: id, slotId }, 'mentor session booked');
    return this.#booking(id, learner.id);
  }

  async myBookings(user: AuthUser, scope: 'upcoming' | 'all'): Promise<Booking[]> {
    const rows = await data.bookingsOf(this.#db, user.id, scope);
    return rows.map((r) => this.#toBooking(r, user.id));
  }

  async booking(user: AuthUser, id: string): Promise<Booking> {
    return this.#booking(id, user.id);
  }

  async cancel(user: AuthUser, id: string, reason: string | undefined): Promise<Booking> {
    await this.#db.transaction(async (tx) => {
      await this.#changeableBooking(tx, id, user.id);
      await data.markBookingCanceled(tx, id, user.id, reason ?? null);
    });
    this.#log.info({ bookingId: id }, 'mentor session canceled');
    return this.#booking(id, user.id);
  }

  /** Moves a booking to another open slot of the same mentor: the new booking. */
  async reschedule(user: AuthUser, id: string, slotId: string): Promise<Booking> {
    const newId = await this.#db.transaction(async (tx) => {
      const row = await this.#changeableBooking(tx, id, user.id);
      if (slotId === row.slot_id) throw new AppError('conflict', 'the booking is already in that slot');
      // Free the old slot first; if the new one is taken the whole move rolls back.
      await data.markBookingRescheduled(tx, id, user.id);
      const next = await this.#book(tx, slotId, row.learner_id, row.mentor_id);
      await data.linkRescheduled(tx, id, next);
      return next;
    });
    this.#log.info({ bookingId: id, newBookingId: newId }, 'mentor session rescheduled');
    return this.#booking(newId, user.id);
  }

  async giveFeedback(user: AuthUser, id: string, rating: number, comment: string): Promise<Feedback> {
    const row = await this.#bookingRow(this.#db, id, user.id);
    if (row.status !== 'booked') throw new AppError('conflict', `this session was ${row.status}`);
    if (new Date(row.ends_at).getTime() > Date.now()) {
      throw new AppError('conflict', 'feedback opens once the session is over');
    }
    const feedback = await data.insertFeedback(this.#db, {
      bookingId: id,
      authorId: user.id,
      mentorId: row.mentor_id,
      rating,
      comment,
    });
    if (!feedback) throw new AppError('conflict', 'you already left feedback on this session');
    return toFeedback(feedback);
  }

  async feedback(user: AuthUser, id: string): Promise<Feedback[]> {
    const row = await this.#bookingRow(this.#db, id, user.id);
    return (await data.feedbackOn(this.#db, id, row.mentor_id)).map(toFeedback);
  }

  /** The session as an iCalendar event, for the person `u` a signed calendar link names. */
  async calendar(id: string, u: string, sig: string): Promise<{ id: string; ics: string }> {
    if (!verifyCalendarSignature(this.#secret, 'booking', id, u, sig)) {
      throw new AppError('forbidden', 'this calendar link is not valid');
    }
    const row = await this.#bookingRow(this.#db, id, u);
    const other = row.mentor_id === u ? row.learner_name : row.mentor_name;
    const ics = buildIcs({
      uid: `booking-${row.id}@learnlive`,
      title: `Mentor session with ${other}`,
      start: new Date(row.starts_at),
      end: new Date(row.ends_at),
      url: `${this.#publicUrl}/mentor/${row.id}`,
      canceled: row.status !== 'booked',
      sequence: Math.floor(new Date(row.updated_at).getTime() / 1000),
    });
    return { id: row.id, ics };
  }

  /**
   * `mentor:<bookingId>`: only the booked pair, the mentor as `mentor` and the learner as
   * `mentee`, while the booking stands and from 15 minutes before the start until 30 minutes
   * after the end. Anyone else is told the room does not exist.
   */
  async roomGrant(user: AuthUser, id: string): Promise<RoomGrant> {
    const row = await this.#bookingRow(this.#db, id, user.id);
    if (row.status !== 'booked') throw new AppError('forbidden', `this session was ${row.status}`);
    const phase = sessionPhase(new Date(row.starts_at), new Date(row.ends_at), new Date());
    if (phase === 'upcoming') throw new AppError('forbidden', 'this session has not opened yet');
    if (phase === 'over') throw new AppError('forbidden', 'this session is over');
    return { role: row.mentor_id === user.id ? 'mentor' : 'mentee' };
  }

  /** One booking as seen by one of its two people; anyone else gets 404 (it is not theirs to know). */
  async #bookingRow(db: Queryable, id: string, userId: string, lock = false): Promise<BookingRow> {
    const row = await data.bookingFor(db, id, userId, lock);
    if (!row) throw new AppError('not_found', 'no such booking');
    return row;
  }

  async #booking(id: string, viewer: string): Promise<Booking> {
    return this.#toBooking(await this.#bookingRow(this.#db, id, viewer), viewer);
  }

  /** The booking, locked, if it still stands and the notice rule lets `userId` change it. */
  async #changeableBooking(tx: Queryable, id: string, userId: string): Promise<BookingRow> {
    const row = await this.#bookingRow(tx, id, userId, true);
    if (row.status !== 'booked') throw new AppError('conflict', `this booking is already ${row.status}`);
    assertChangeAllowed(new Date(row.starts_at), new Date(), this.#minNoticeMs);
    return row;
  }

  /**
   * Books `slotId` for `learnerId` inside `tx`. The database's unique index is what keeps two
   * concurrent bookings from both winning; the checks before it only give clearer answers.
   */
  async #book(tx: Queryable, slotId: string, learnerId: string, mentorId?: string): Promise<string> {
    const slot = await data.slotToBook(tx, slotId);
    if (!slot || slot.withdrawn_at) throw new AppError('not_found', 'no such slot');
    if (mentorId && slot.mentor_id !== mentorId) {
      throw new AppError('conflict', 'a booking can only move to another slot of the same mentor');
    }
    if (slot.mentor_id === learnerId) throw new AppError('conflict', 'you cannot book your own slot');
    if (new Date(slot.starts_at).getTime() <= Date.now())
      throw new AppError('conflict', 'this slot has already started');
    if (slot.booked) throw new AppError('conflict', 'this slot is already booked');
    // The learner's own calendar: one session at a time.
    await data.lockLearnerBookings(tx, learnerId);
    const start = new Date(slot.starts_at);
    const end = new Date(slot.ends_at);
    if (await data.learnerHasSessionBetween(tx, learnerId, start, end)) {
      throw new AppError('conflict', 'you already have a session at that time');
    }
    const id = await data.insertBooking(tx, slotId, slot.mentor_id, learnerId);
    if (!id) throw new AppError('conflict', 'this slot is already booked');
    return id;
  }

  #toBooking(row: BookingRow, viewer: string): Booking {
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
      icsUrl: calendarPath(this.#secret, 'booking', row.id, viewer),
      joinPath: `/mentor/${row.id}`,
    };
  }
}
