import { AppError } from '@learnlive/common';

/**
 * Either side may cancel or move a booking only until `minNoticeMs` before it starts, so the
 * other side is not left with an empty hour. Throws 409 `conflict` past that point.
 */
export function assertChangeAllowed(startsAt: Date, now: Date, minNoticeMs: number): void {
  if (startsAt.getTime() - now.getTime() < minNoticeMs) {
    const hours = Math.round((minNoticeMs / 3600_000) * 10) / 10;
    throw new AppError(
      'conflict',
      `bookings can be canceled or moved only until ${hours} hours before they start`,
    );
  }
}

/** Live rooms open a little before the start and stay open a little after the planned end. */
export const JOIN_EARLY_MS = 15 * 60_000;
export const JOIN_LATE_MS = 30 * 60_000;

export type SessionPhase = 'upcoming' | 'open' | 'over';

/** Where `now` falls relative to a session's join window. */
export function sessionPhase(start: Date, end: Date, now: Date): SessionPhase {
  if (now.getTime() < start.getTime() - JOIN_EARLY_MS) return 'upcoming';
  if (now.getTime() > end.getTime() + JOIN_LATE_MS) return 'over';
  return 'open';
}
