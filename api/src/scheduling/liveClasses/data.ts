import type { Queryable } from '@learnlive/common';

/**
 * The SQL of live classes and their invited speakers (`live_classes`, migration 060;
 * `live_class_speakers`, 061): every query on those tables is here. Course titles and who
 * teaches or learns a course come from the courses' tables by join.
 */

export interface LiveClassRow {
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
const FROM = 'live_classes lc join courses c on c.id = lc.course_id';
/** Neither canceled nor past its planned end. */
const AHEAD = `lc.canceled_at is null and lc.starts_at + lc.duration_minutes * interval '1 minute' > now()`;

/** One live class (`lock`: for update, inside a transaction). */
export async function liveClassById(
  db: Queryable,
  id: string,
  lock = false,
): Promise<LiveClassRow | undefined> {
  const { rows } = await db.query<LiveClassRow>(
    `select ${COLUMNS} from ${FROM} where lc.id = $1${lock ? ' for update of lc' : ''}`,
    [id],
  );
  return rows[0];
}

export async function insertLiveClass(
  db: Queryable,
  liveClass: { courseId: string; createdBy: string; title: string; startsAt: Date; durationMinutes: number },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into live_classes (course_id, created_by, title, starts_at, duration_minutes)
       values ($1, $2, $3, $4, $5) returning id`,
    [
      liveClass.courseId,
      liveClass.createdBy,
      liveClass.title,
      liveClass.startsAt.toISOString(),
      liveClass.durationMinutes,
    ],
  );
  return rows[0]!.id;
}

/** A course's classes that are upcoming or live. */
export async function liveClassesAheadOf(db: Queryable, courseId: string): Promise<LiveClassRow[]> {
  const { rows } = await db.query<LiveClassRow>(
    `select ${COLUMNS} from ${FROM}
      where lc.course_id = $1 and ${AHEAD}
      order by lc.starts_at limit 200`,
    [courseId],
  );
  return rows;
}

/** Upcoming and live classes of every course the user teaches or has an active enrollment in. */
export async function liveClassesAheadFor(db: Queryable, userId: string): Promise<LiveClassRow[]> {
  const { rows } = await db.query<LiveClassRow>(
    `select ${COLUMNS} from ${FROM}
      where ${AHEAD}
        and (c.instructor_id = $1 or exists (
              select 1 from enrollments e where e.course_id = c.id and e.user_id = $1 and e.status = 'active'))
      order by lc.starts_at limit 200`,
    [userId],
  );
  return rows;
}

/** Changes what is given; the rest (undefined) stays. */
export async function updateLiveClass(
  tx: Queryable,
  id: string,
  change: { title: string | undefined; startsAt: Date | undefined; durationMinutes: number | undefined },
): Promise<void> {
  await tx.query(
    `update live_classes set title = coalesce($2, title), starts_at = coalesce($3, starts_at),
        duration_minutes = coalesce($4, duration_minutes), updated_at = now()
      where id = $1`,
    [id, change.title ?? null, change.startsAt?.toISOString() ?? null, change.durationMinutes ?? null],
  );
}

export async function markLiveClassCanceled(tx: Queryable, id: string): Promise<void> {
  await tx.query('update live_classes set canceled_at = now(), updated_at = now() where id = $1', [id]);
}

export async function addSpeaker(db: Queryable, liveClassId: string, userId: string): Promise<void> {
  await db.query(
    'insert into live_class_speakers (live_class_id, user_id) values ($1, $2) on conflict do nothing',
    [liveClassId, userId],
  );
}

export async function removeSpeaker(db: Queryable, liveClassId: string, userId: string): Promise<void> {
  await db.query('delete from live_class_speakers where live_class_id = $1 and user_id = $2', [
    liveClassId,
    userId,
  ]);
}

export async function isSpeaker(db: Queryable, liveClassId: string, userId: string): Promise<boolean> {
  const invited = await db.query(
    'select 1 from live_class_speakers where live_class_id = $1 and user_id = $2',
    [liveClassId, userId],
  );
  return invited.rowCount > 0;
}
