import { describe, expect, it } from 'vitest';
import type { Session } from './session.js';
import { createSessionRefresher, type RefreshHandover, type RefreshPorts } from './sessionRefresh.js';

const session = (accessToken: string): Session => ({
  accessToken,
  user: { id: 'u1', role: 'learner', name: 'Tab Twice' },
});

/**
 * A browser as the refresh sees it, with every ordering under the test's control: each tab keeps
 * its own copy of localStorage and hears of another tab's write only when the test delivers it
 * (Chromium's renderers, whose `storage` events arrive in no fixed order with the lock's
 * hand-over); Web Locks grant in request order; IndexedDB is one store; the server counts
 * refreshes and answers each with a new token.
 */
class Browser {
  refreshes = 0;
  refuse = false;
  handover: RefreshHandover | undefined;
  undelivered: (() => void)[] = [];
  readonly tabs: Tab[] = [];
  #lockTail: Promise<unknown> = Promise.resolve();

  tab(signedIn: Session | null): Tab {
    const tab = new Tab(this, signedIn);
    this.tabs.push(tab);
    return tab;
  }

  /** The `storage` events the tabs have not heard yet, now. */
  deliverStorage(): void {
    for (const deliver of this.undelivered.splice(0)) deliver();
  }

  lock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lockTail.then(fn);
    this.#lockTail = run.catch(() => undefined);
    return run;
  }
}

class Tab {
  /** This tab's copy of localStorage. */
  stored: Session | null;
  /** The session in memory (getSession). */
  current: Session | null;
  readonly refresh: (stale: string | undefined) => Promise<void>;

  constructor(
    readonly browser: Browser,
    signedIn: Session | null,
  ) {
    this.stored = this.current = signedIn;
    this.refresh = createSessionRefresher(this.ports());
  }

  ports(): RefreshPorts {
    const browser = this.browser;
    return {
      tab: {
        adoptStored: () => {
          if (this.stored?.accessToken !== this.current?.accessToken) this.current = this.stored;
          return this.current;
        },
        adopt: (s) => {
          this.current = s;
        },
        set: (s) => {
          this.current = this.stored = s;
          for (const other of browser.tabs.filter((t) => t !== this)) {
            browser.undelivered.push(() => {
              other.stored = other.current = s;
            });
          }
        },
      },
      lock: (fn) => browser.lock(fn),
      handover: {
        read: async () => browser.handover,
        write: async (h) => {
          browser.handover = h;
        },
        clear: async () => {
          browser.handover = undefined;
        },
      },
      requestRefresh: async () => {
        browser.refreshes += 1;
        return browser.refuse ? null : session(`renewed-${browser.refreshes}`);
      },
    };
  }
}

describe('refreshing the session in two tabs', () => {
  it('refreshes once when the second tab takes the lock before it hears of the first one’s session', async () => {
    const browser = new Browser();
    const a = browser.tab(session('expired'));
    const b = browser.tab(session('expired'));

    // both were refused the same token; localStorage news reaches B only after both are done
    await Promise.all([a.refresh('expired'), b.refresh('expired')]);

    expect(browser.refreshes).toBe(1);
    expect(a.current?.accessToken).toBe('renewed-1');
    expect(b.current?.accessToken).toBe('renewed-1');
    browser.deliverStorage();
    expect(b.current?.accessToken).toBe('renewed-1');
  });

  it('takes the session from localStorage when that news came first', async () => {
    const browser = new Browser();
    const a = browser.tab(session('expired'));
    const b = browser.tab(session('expired'));
    await a.refresh('expired');
    browser.deliverStorage();
    browser.handover = undefined; // only localStorage tells B

    await b.refresh('expired');
    expect(browser.refreshes).toBe(1);
    expect(b.current?.accessToken).toBe('renewed-1');
  });

  it('a tab that already holds a newer token than the refused one keeps it', async () => {
    const browser = new Browser();
    const a = browser.tab(session('expired'));
    const b = browser.tab(session('expired'));
    await a.refresh('expired');
    browser.deliverStorage();

    // a late refusal of B's request sent with the old token
    await b.refresh('expired');
    await a.refresh('expired');
    expect(browser.refreshes).toBe(1);
    expect([a.current?.accessToken, b.current?.accessToken]).toEqual(['renewed-1', 'renewed-1']);
  });

  it('an older hand-over does not stand in for a refresh the tab needs', async () => {
    const browser = new Browser();
    const a = browser.tab(session('expired'));
    browser.handover = { replaced: 'older', session: session('expired') };

    await a.refresh('expired');
    expect(browser.refreshes).toBe(1);
    expect(a.current?.accessToken).toBe('renewed-1');
    expect(browser.handover).toEqual({ replaced: 'expired', session: session('renewed-1') });
  });

  it('calls in one tab share one refresh', async () => {
    const browser = new Browser();
    const a = browser.tab(session('expired'));
    await Promise.all([a.refresh('expired'), a.refresh('expired'), a.refresh('expired')]);
    expect(browser.refreshes).toBe(1);
  });

  it('a refused refresh signs every tab out with a clear error', async () => {
    const browser = new Browser();
    browser.refuse = true;
    const a = browser.tab(session('expired'));
    const b = browser.tab(session('expired'));
    // an earlier refresh's hand-over: its access token must not stay behind once signed out
    browser.handover = { replaced: 'older', session: session('expired') };

    const results = await Promise.allSettled([a.refresh('expired'), b.refresh('expired')]);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: {
          status: 401,
          code: 'unauthenticated',
          message: 'Your session has ended. Please sign in again.',
        },
      });
    }
    expect(a.current).toBeNull();
    expect(b.current).toBeNull();
    expect(browser.handover).toBeUndefined();
  });
});
