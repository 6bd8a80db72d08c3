import { RoomTokenResponseSchema } from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { getSession } from '../lib/session.js';

const storageKey = (room: string) => `learnlive.roomToken.${room}`;

/** Seconds left before a JWT expires (no verification: the server does that). */
function secondsLeft(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: number;
    };
    return (payload.exp ?? 0) - Date.now() / 1000;
  } catch {
    return 0;
  }
}

/**
 * The room token for `room`: from the API for the signed-in person (the real flow), or one
 * given in the page URL (`?token=`, invitation links and tests). Kept in sessionStorage so a
 * reload rejoins with the same role without another round trip while it is valid.
 */
export async function roomToken(room: string, search: URLSearchParams): Promise<string> {
  const given = search.get('token');
  if (given) {
    sessionStorage.setItem(storageKey(room), given);
    return given;
  }
  const stored = sessionStorage.getItem(storageKey(room));
  if (stored && secondsLeft(stored) > 30) return stored;
  if (!getSession()) throw new Error('Sign in to join this room.');
  // apiFetch sends the access token and refreshes it once if it has expired.
  const reply = await apiFetch(`/api/rooms/${encodeURIComponent(room)}/token`, RoomTokenResponseSchema, {
    method: 'POST',
  });
  sessionStorage.setItem(storageKey(room), reply.token);
  return reply.token;
}
