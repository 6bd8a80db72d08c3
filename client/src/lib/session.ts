import { useSyncExternalStore } from 'react';
import type { AccessTokenClaims, User } from '@learnlive/contracts';
import type { Locale } from '../i18n/locale.js';

/**
 * The signed-in person, shared by every page: the access token and its claims. The account
 * area (sign-in, refresh) writes it; the others read it (API calls, socket handshakes).
 */
export interface Session {
  accessToken: string;
  user: {
    id: string;
    role: AccessTokenClaims['role'];
    name: string;
    email?: string;
    /** The account's language; absent in sessions stored by older clients. */
    locale?: Locale;
  };
}

/** What the session keeps of the API's user (sign-in, sign-up, refresh, profile). */
export function sessionUser(user: User): Session['user'] {
  return { id: user.id, role: user.role, name: user.displayName, email: user.email, locale: user.locale };
}

const KEY = 'learnlive.session';
const listeners = new Set<() => void>();
let current: Session | null = read();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}

/**
 * The session as stored now, which another tab may have just replaced (its `storage` event
 * reaches this tab a little later): adopted here when it differs.
 */
export function adoptStoredSession(): Session | null {
  const stored = read();
  if (stored?.accessToken !== current?.accessToken) {
    current = stored;
    for (const listener of listeners) listener();
  }
  return current;
}

/**
 * Takes a session another tab got, for this tab only: that tab stored it already, and writing
 * it again could put back an older session over a newer one.
 */
export function adoptSession(session: Session): void {
  if (session.accessToken === current?.accessToken) return;
  current = session;
  for (const listener of listeners) listener();
}

export function setSession(session: Session | null): void {
  current = session;
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession, getSession);
}

// Another tab signed in or out.
window.addEventListener('storage', (event) => {
  if (event.key === KEY) {
    current = read();
    for (const listener of listeners) listener();
  }
});
