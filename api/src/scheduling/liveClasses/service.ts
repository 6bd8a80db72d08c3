import { AppError, type Db, type Logger, type Queryable } from '@learnlive/common';
import type { LiveClass } from '@learnlive/contracts';
import type { AuthUser } from '../../auth/middleware.js';
import { principalById } from '../../auth/principals.js';
import { courseAccess, requireCourseAccess, type CourseAccess, type Principal } from '../../entitlements.js';
import type { RoomGrant } from '../../rooms.js';
import { calendarPath, verifyCalendarSignature } from '../calendarLinks.js';
import { buildIcs } from '../ics.js';
import { sessionPhase } from '../rules.js';
import * as data from './data.js';
import type { LiveClassRow } from './data.js';

export type { LiveClassRow } from './data.js';

export interface LiveClassOptions {
  db: Db;
  logger: Logger;
  /** Signs and checks calendar links (the API's JWT secret). */
  secret: string;
  /** Where the client is served: calendar events link to the class's page there. */
  publicUrl: string;
}

/** When the class is planned to end. */
export const endOf = (row: LiveClassRow) =>
  new Date(new Date(row.starts_at).getTime() + row.duration_minutes * 60_000);

function statusOf(row: LiveClassRow, now = new Date()): LiveClass['status'] {
  if (row.canceled_at) return 'canceled';
  const start = new Date(row.starts_at).getTime();
  if (now.getTime() < start) return 'scheduled';
  return now.getTime() < endOf(row).getTime() ? 'live' : 'ended';
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

/**
 * Live classes of a course: its instructor schedules, edits, cancels them and invites speakers;
 * the people in the course see them, get them as calendar events and join their room.
 */
export class LiveClassService {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #secret: string;
  readonly #publicUrl: string;

  constructor(options: LiveClassOptions) {
    this.#db = options.db;
    this.#log = options.logger;
    this.#secret = options.secret;
    this.#publicUrl = options.publicUrl;
  }

  async schedule(
    user: AuthUser,
    courseId: string,
    body: { title: string; startsAt: string; durationMinutes: number },
  ): Promise<LiveClass> {
    await requireCourseAccess(this.#db, user, courseId, 'instructor');
    const start = assertFuture(body.startsAt);
    const id = await data.insertLiveClass(this.#db, {
      courseId,
      createdBy: user.id,
      title: body.title,
      startsAt: start,
      durationMinutes: body.durationMinutes,
    });
    this.#log.info({ liveClassId: id, courseId }, 'live class scheduled');
    return this.#toLiveClass(await this.#load(id), user.id);
  }

  async aheadOfCourse(user: AuthUser, courseId: string): Promise<LiveClass[]> {
    await requireCourseAccess(this.#db, user, courseId, 'learner');
    const rows = await data.liveClassesAheadOf(this.#db, courseId);
    return rows.map((r) => this.#toLiveClass(r, user.id));
  }

  async aheadForMe(user: AuthUser): Promise<LiveClass[]> {
    const rows = await data.liveClassesAheadFor(this.#db, user.id);
    return rows.map((r) => this.#toLiveClass(r, user.id));
  }

  async get(user: AuthUser, id: string): Promise<LiveClass> {
    const { row } = await this.visible(user, id);
    return this.#toLiveClass(row, user.id);
  }

  async update(
    user: AuthUser,
    id: string,
    body: { title?: string; startsAt?: string; durationMinutes?: number },
  ): Promise<LiveClass> {
    const start = body.startsAt ? assertFuture(body.startsAt) : undefined;
    await this.#db.transaction(async (tx) => {
      const row = await this.#load(id, tx, true);
      await requireCourseAccess(tx, user, row.course_id, 'instructor');
      const status = statusOf(row);
      if (status === 'canceled' || status === 'ended') {
        throw new AppError('conflict', `this live class is ${status}`);
      }
      await data.updateLiveClass(tx, id, {
        title: body.title,
        startsAt: start,
        durationMinutes: body.durationMinutes,
      });
    });
    return this.#toLiveClass(await this.#load(id), user.id);
  }

  async cancel(user: AuthUser, id: string): Promise<LiveClass> {
    await this.#db.transaction(async (tx) => {
      const row = await this.#load(id, tx, true);
      await requireCourseAccess(tx, user, row.course_id, 'instructor');
      const status = statusOf(row);
      if (status === 'canceled' || status === 'ended') {
        throw new AppError('conflict', `this live class is already ${status}`);
      }
      await data.markLiveClassCanceled(tx, id);
    });
    this.#log.info({ liveClassId: id }, 'live class canceled');
    return this.#toLiveClass(await this.#load(id), user.id);
  }

  /** Invites a learner of the course to speak (room role `speaker`). */
  async inviteSpeaker(user: AuthUser, id: string, userId: string): Promise<void> {
    const row = await this.#load(id);
    await requireCourseAccess(this.#db, user, row.course_id, 'instructor');
    const invitee = await principalById(this.#db, userId);
    if (!invitee || (await courseAccess(this.#db, invitee, row.course_id)) === 'none') {
      throw new AppError('not_found', 'no such learner in this course');
    }
    await data.addSpeaker(this.#db, id, userId);
  }

  async withdrawSpeaker(user: AuthUser, id: string, userId: string): Promise<void> {
    const row = await this.#load(id);
    await requireCourseAccess(this.#db, user, row.course_id, 'instructor');
    await data.removeSpeaker(this.#db, id, userId);
  }

  /** The class as an iCalendar event, for the person `u` a signed calendar link names. */
  async calendar(id: string, u: string, sig: string): Promise<{ id: string; ics: string }> {
    if (!verifyCalendarSignature(this.#secret, 'live', id, u, sig)) {
      throw new AppError('forbidden', 'this calendar link is not valid');
    }
    const person = await principalById(this.#db, u);
    if (!person) throw new AppError('not_found', 'no such live class');
    const { row } = await this.visible(person, id);
    const ics = buildIcs({
      uid: `live-${row.id}@learnlive`,
      title: row.title,
      description: `Live class of ${row.course_title}`,
      start: new Date(row.starts_at),
      end: endOf(row),
      url: `${this.#publicUrl}/live/${row.id}`,
      canceled: row.canceled_at !== null,
      sequence: Math.floor(new Date(row.updated_at).getTime() / 1000),
    });
    return { id: row.id, ics };
  }

  /** A live class the caller may see (404 otherwise, like its course), and the caller's access. */
  async visible(user: Principal, id: string): Promise<{ row: LiveClassRow; access: CourseAccess }> {
    const row = await this.#load(id);
    const access = await courseAccess(this.#db, user, row.course_id);
    if (access === 'none') throw new AppError('not_found', 'no such live class');
    return { row, access };
  }

  /**
   * `live:<liveClassId>`: the course's instructor teaches, admins moderate, enrolled learners
   * attend (as speakers when invited). Open from 15 minutes before the start until 30 minutes
   * after the planned end; a canceled class cannot be joined.
   */
  async roomGrant(user: AuthUser, id: string): Promise<RoomGrant> {
    const { row, access } = await this.visible(user, id).catch(() => {
      throw new AppError('not_found', 'no such live class');
    });
    if (row.canceled_at) throw new AppError('forbidden', 'this live class was canceled');
    if (access === 'admin') return { role: 'moderator' };
    if (access === 'instructor') return { role: 'teacher' };
    const phase = sessionPhase(new Date(row.starts_at), endOf(row), new Date());
    if (phase === 'upcoming') throw new AppError('forbidden', 'this live class has not opened yet');
    if (phase === 'over') throw new AppError('forbidden', 'this live class is over');
    return { role: (await data.isSpeaker(this.#db, id, user.id)) ? 'speaker' : 'learner' };
  }

  async #load(id: string, db: Queryable = this.#db, lock = false): Promise<LiveClassRow> {
    const row = await data.liveClassById(db, id, lock);
    if (!row) throw new AppError('not_found', 'no such live class');
    return row;
  }

  #toLiveClass(row: LiveClassRow, userId: string): LiveClass {
    return {
      id: row.id,
      courseId: row.course_id,
      title: row.title,
      startsAt: new Date(row.starts_at).toISOString(),
      durationMinutes: row.duration_minutes,
      status: statusOf(row),
      icsUrl: calendarPath(this.#secret, 'live', row.id, userId),
      joinPath: `/live/${row.id}`,
    };
  }
}
