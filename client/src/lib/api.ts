import {
  ClientConfigSchema,
  ProblemSchema,
  SessionResponseSchema,
  type ClientConfig,
} from '@learnlive/contracts';
import { adoptStoredSession, getSession, setSession } from './session.js';
import type { z } from 'zod';

/** An API error as the person should read it: the problem's detail and its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

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

let refreshing: Promise<void> | undefined;
const REFRESH_LOCK = 'learnlive.refresh';

/**
 * Trades the refresh token (the httpOnly `ll_refresh` cookie, which every tab shares) for a new
 * pair. Refresh tokens are single use: a second use outside the server's short grace window
 * revokes the session everywhere. So one refresh at a time per browser, not just per tab: the
 * Web Locks API serializes tabs, and a tab that waited finds the session the other tab just got
 * (localStorage) and uses it instead of spending the cookie again. `stale`: the access token that
 * was refused (default: the current one).
 */
export function refreshSession(stale: string | undefined = getSession()?.accessToken): Promise<void> {
  return (refreshing ??= (async () => {
    try {
      // Browsers without Web Locks (old ones, insecure origins) rely on the server's grace window.
      if (typeof navigator !== 'undefined' && navigator.locks) {
        await navigator.locks.request(REFRESH_LOCK, () => refreshUnlessDone(stale));
      } else {
        await refreshUnlessDone(stale);
      }
    } finally {
      refreshing = undefined;
    }
  })());
}

async function refreshUnlessDone(stale: string | undefined): Promise<void> {
  const latest = adoptStoredSession();
  // another tab refreshed while this one waited for the lock
  if (latest && latest.accessToken !== stale) return;
  const res = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
  const parsed = SessionResponseSchema.safeParse(await res.json().catch(() => undefined));
  if (!res.ok || !parsed.success) {
    setSession(null);
    throw new ApiError(401, 'unauthenticated', 'Your session has ended. Please sign in again.');
  }
  const { accessToken, user } = parsed.data;
  setSession({
    accessToken,
    user: { id: user.id, role: user.role, name: user.displayName, email: user.email },
  });
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
