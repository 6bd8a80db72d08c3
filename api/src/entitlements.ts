import { AppError, type Queryable } from '@learnlive/common';
import type { CourseAccessLevel, UserRole } from '@learnlive/contracts';

export type CourseAccess = CourseAccessLevel;

/** Who asks: enough of the access token's claims to decide. */
export interface Principal {
  id: string;
  role: UserRole;
}

/**
 * The one entitlement check of the platform: what `user` may do with a course.
 * `admin`: any course; `instructor`: the course's owner; `learner`: an active enrollment;
 * `none` otherwise (also for a course that does not exist, and for anonymous callers).
 * Every route that touches a course, and every room token for course rooms and live classes,
 * goes through here.
 */
export async function courseAccess(
  db: Queryable,
  user: Principal | null | undefined,
  courseId: string,
): Promise<CourseAccess> {
  if (!user) return 'none';
  const { rows } = await db.query<{ instructor_id: string; enrolled: boolean }>(
    `select c.instructor_id,
            exists (select 1 from enrollments e
                     where e.course_id = c.id and e.user_id = $2 and e.status = 'active') as enrolled
       from courses c where c.id = $1`,
    [courseId, user.id],
  );
  const course = rows[0];
  if (!course) return 'none';
  return accessFrom(user, { instructorId: course.instructor_id, enrolled: course.enrolled });
}

/**
 * The rule itself, for routes that already read the course's owner and the caller's enrollment
 * in their own query (hot paths such as progress reports save a round trip this way).
 */
export function accessFrom(
  user: Principal,
  course: { instructorId: string; enrolled: boolean },
): CourseAccess {
  if (user.role === 'admin') return 'admin';
  if (course.instructorId === user.id) return 'instructor';
  return course.enrolled ? 'learner' : 'none';
}

const RANK: { readonly [K in CourseAccess]: number } = { none: 0, learner: 1, instructor: 2, admin: 3 };

/**
 * Throws unless the caller has at least `needed` on the course: 404 when it may not even know
 * the course is there (no access to an unpublished course, or no such course), 403 when it may
 * see it but not do this.
 */
export async function requireCourseAccess(
  db: Queryable,
  user: Principal | null | undefined,
  courseId: string,
  needed: Exclude<CourseAccess, 'none' | 'admin'>,
): Promise<CourseAccess> {
  const access = await courseAccess(db, user, courseId);
  if (RANK[access] >= RANK[needed]) return access;
  if (access === 'none') {
    const { rows } = await db.query("select 1 from courses where id = $1 and status = 'published'", [
      courseId,
    ]);
    if (rows.length === 0) throw new AppError('not_found', 'no such course');
  }
  throw new AppError(
    'forbidden',
    needed === 'learner' ? 'enroll in this course first' : 'only the course’s instructor may do this',
  );
}
