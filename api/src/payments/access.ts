import type { Queryable } from '@learnlive/common';
import { grantEnrollment, revokeEnrollment } from '../enrollments.js';
import { hasPaidSource } from './data.js';

/**
 * Where payments meet enrollments: a paid purchase or a live subscription grants the course,
 * a refund, dispute or ended subscription takes it back — unless another paid source still
 * covers it (a purchase outlives a canceled subscription of the same course, and vice versa).
 */
export async function grantPaidAccess(
  tx: Queryable,
  userId: string,
  courseId: string,
  source: 'purchase' | 'subscription',
): Promise<void> {
  await grantEnrollment(tx, userId, courseId, source);
}

export async function revokePaidAccess(tx: Queryable, userId: string, courseId: string): Promise<void> {
  if (await hasPaidSource(tx, userId, courseId)) return;
  // Only paid enrollments: an admin grant or a free enrollment is not the payment's to take.
  await revokeEnrollment(tx, userId, courseId, { onlySource: 'purchase' });
  await revokeEnrollment(tx, userId, courseId, { onlySource: 'subscription' });
}
