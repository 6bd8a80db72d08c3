import type { Queryable } from '@learnlive/common';
import type { EnrollmentSource } from '@learnlive/contracts';

/**
 * Gives `userId` access to `courseId` (payments call this on a paid checkout or invoice; free
 * enrollment too). Idempotent: an active enrollment stays as it is; a revoked one is reactivated.
 * Run it inside the caller's transaction so access and the payment record commit together.
 * @returns true when access was newly granted (or restored), false when it already existed.
 */
export async function grantEnrollment(
  tx: Queryable,
  userId: string,
  courseId: string,
  source: EnrollmentSource,
): Promise<boolean> {
  const { rows } = await tx.query<{ user_id: string }>(
    `insert into enrollments as e (user_id, course_id, source) values ($1, $2, $3)
     on conflict (user_id, course_id) do update
        set status = 'active', source = excluded.source, enrolled_at = now(), revoked_at = null
      where e.status = 'revoked'
     returning user_id`,
    [userId, courseId, source],
  );
  return rows.length > 0;
}

/**
 * Takes access away (refund, dispute, subscription ended). The row stays, marked revoked.
 * `onlySource`: revoke only if the enrollment came from there (a subscription ending must not
 * remove a course that was bought outright).
 * @returns true when an active enrollment was revoked.
 */
export async function revokeEnrollment(
  tx: Queryable,
  userId: string,
  courseId: string,
  options: { onlySource?: EnrollmentSource } = {},
): Promise<boolean> {
  const { rows } = await tx.query<{ user_id: string }>(
    `update enrollments set status = 'revoked', revoked_at = now()
      where user_id = $1 and course_id = $2 and status = 'active' and ($3::text is null or source = $3)
      returning user_id`,
    [userId, courseId, options.onlySource ?? null],
  );
  return rows.length > 0;
}
