import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Calendar links carry a signature instead of a bearer token: calendar apps and plain `<a>`
 * downloads cannot send an Authorization header. The signature binds the kind, the id and the
 * person; the route still checks that the person may see the event.
 */
export type CalendarKind = 'live' | 'booking';

function signature(secret: string, kind: CalendarKind, id: string, userId: string): string {
  return createHmac('sha256', secret).update(`ics:${kind}:${id}:${userId}`).digest('base64url');
}

export function calendarPath(secret: string, kind: CalendarKind, id: string, userId: string): string {
  const base = kind === 'live' ? `/api/live-classes/${id}` : `/api/bookings/${id}`;
  return `${base}/calendar.ics?u=${userId}&sig=${signature(secret, kind, id, userId)}`;
}

export function verifyCalendarSignature(
  secret: string,
  kind: CalendarKind,
  id: string,
  userId: string,
  given: string,
): boolean {
  const expected = Buffer.from(signature(secret, kind, id, userId));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
