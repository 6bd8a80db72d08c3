import {
  ClientConfigSchema,
  ProblemSchema,
  SessionResponseSchema,
  type ClientConfig,
} from '@learnlive/contracts';
import { ApiError } from './apiError.js';
import { indexedDbHandover } from './refreshHandover.js';
import { adoptSession, adoptStoredSession, getSession, sessionUser, setSession } from './session.js';
import { createSessionRefresher } from './sessionRefresh.js';
import type { z } from 'zod';

export { ApiError };

/**
 * Fetches and validates a JSON answer; problem+json answers become ApiError. Signed in, it sends
 * the access token; when that has expired it refreshes the session once and retries.
 */
export async function apiFetch<S extends z.ZodType>(
  path: string,
  schema: S,
  init?: RequestInit,
): Promise<z.infer<S>> {
  const token = getSession()?.accessToken;
  try {
    return await sendOnce(path, schema, init, token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'token_expired' || !getSession()) throw err;
    await refreshSession(token);
    return sendOnce(path, schema, init, getSession()?.accessToken);
  }
}

const REFRESH_LOCK = 'learnlive.refresh';

const refresher = createSessionRefresher({
  tab: { adoptStored: adoptStoredSession, adopt: adoptSession, set: setSession },
  // Browsers without Web Locks (old ones, insecure origins) rely on the server's grace window.
  lock:
    typeof navigator !== 'undefined' && navigator.locks
      ? <T>(fn: () => Promise<T>) => navigator.locks.request(REFRESH_LOCK, fn) as Promise<T>
      : undefined,
  handover: indexedDbHandover,
  async requestRefresh() {
    const res = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
    const parsed = SessionResponseSchema.safeParse(await res.json().catch(() => undefined));
    if (!res.ok || !parsed.success) return null;
    const { accessToken, user } = parsed.data;
    return { accessToken, user: sessionUser(user) };
  },
});

/** Signs this browser out: the session, and the last refresh's hand-over with its access token. */
export function endSession(): void {
  setSession(null);
  void indexedDbHandover.clear().catch(() => undefined);
}

/**
 * Trades the refresh token (the httpOnly `ll_refresh` cookie, which every tab shares) for a new
 * pair, once per browser (see `createSessionRefresher`). `stale`: the access token that was
 * refused (default: the current one); a tab that already holds another one keeps it.
 */
export function refreshSession(stale: string | undefined = getSession()?.accessToken): Promise<void> {
  return refresher(stale);
}

async function sendOnce<S extends z.ZodType>(
  path: string,
  schema: S,
  init: RequestInit | undefined,
  token: string | undefined,
): Promise<z.infer<S>> {
  let res: Response;
  try {
    res = await fetch(path, {
      credentials: 'same-origin',
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...init?.headers,
      },
    });
  } catch {
    throw new ApiError(0, 'unavailable', 'The server cannot be reached. Check your connection.');
  }
  if (res.status === 204) return schema.parse(undefined);
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const problem = ProblemSchema.safeParse(body);
    throw problem.success
      ? new ApiError(res.status, problem.data.code, problem.data.detail)
      : new ApiError(res.status, 'internal', `The server answered ${res.status}.`);
  }
  return schema.parse(body);
}

let config: Promise<ClientConfig> | undefined;
export function clientConfig(): Promise<ClientConfig> {
  return (config ??= apiFetch('/api/config', ClientConfigSchema));
}
