import { ApiError } from './apiError.js';
import type { Session } from './session.js';

/**
 * What one refresh left for the other tabs: the session that replaced `replaced` (an access
 * token). Written before the refreshing tab lets go of the lock, read by the next holder.
 */
export interface RefreshHandover {
  replaced: string;
  session: Session;
}

/** Everything the refresh touches outside itself, so two tabs can be simulated in a test. */
export interface RefreshPorts {
  /** This tab's session: the stored one adopted when it changed, and the in-memory one. */
  tab: {
    adoptStored(): Session | null;
    adopt(session: Session): void;
    set(session: Session | null): void;
  };
  /** Serializes refreshes across the tabs of a browser (Web Locks); absent: none. */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** A store every tab reads consistently once a write has completed (IndexedDB). */
  handover: {
    read(): Promise<RefreshHandover | undefined>;
    write(handover: RefreshHandover): Promise<void>;
    /** Signed out: no access token stays behind in the store. */
    clear(): Promise<void>;
  };
  /** Trades the refresh cookie for a new session; null when the server refuses. */
  requestRefresh(): Promise<Session | null>;
}

/**
 * One refresh at a time per browser, not just per tab: refresh tokens are single use, and a
 * second use outside the server's short grace window revokes the session everywhere. Tabs take
 * a lock in turn; a tab that waited uses the session the previous holder got instead of
 * spending the cookie again.
 *
 * How the waiting tab learns that session matters. localStorage is not enough: each tab's
 * renderer keeps its own copy and hears of another tab's write later, with no ordering against
 * the lock's hand-over, so under load the next holder could still read the expired token and
 * refresh a second time. The holder therefore also writes a hand-over (the token it replaced
 * and its successor) to a store every tab reads consistently, and awaits that write before it
 * lets go of the lock.
 *
 * `refresh(stale)`: the access token that was refused. Concurrent calls in one tab share one
 * refresh.
 */
export function createSessionRefresher(ports: RefreshPorts): (stale: string | undefined) => Promise<void> {
  let refreshing: Promise<void> | undefined;

  async function refreshUnlessDone(stale: string | undefined): Promise<void> {
    const stored = ports.tab.adoptStored();
    // another tab's session reached this one already
    if (stored && stored.accessToken !== stale) return;
    const handover = stale === undefined ? undefined : await ports.handover.read().catch(() => undefined);
    if (handover && handover.replaced === stale) {
      // another tab refreshed; its localStorage write has not reached this tab yet
      ports.tab.adopt(handover.session);
      return;
    }
    const session = await ports.requestRefresh();
    if (!session) {
      ports.tab.set(null);
      await ports.handover.clear().catch(() => undefined);
      throw new ApiError(401, 'unauthenticated', 'Your session has ended. Please sign in again.');
    }
    ports.tab.set(session);
    if (stale !== undefined) {
      // best effort: without the hand-over a waiting tab refreshes again, which still works
      await ports.handover.write({ replaced: stale, session }).catch(() => undefined);
    }
  }

  return (stale) =>
    (refreshing ??= (async () => {
      try {
        await (ports.lock ? ports.lock(() => refreshUnlessDone(stale)) : refreshUnlessDone(stale));
      } finally {
        refreshing = undefined;
      }
    })());
}
