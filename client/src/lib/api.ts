import {
  ClientConfigSchema,
  ProblemSchema,
  SessionResponseSchema,
  type ClientConfig,
} from '@learnlive/contracts';
import { getSession, setSession } from './session.js';
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
  try {
    return await sendOnce(path, schema, init);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'token_expired' || !getSession()) throw err;
    await refreshSession();
    return sendOnce(path, schema, init);
  }
}

let refreshing: Promise<void> | undefined;

/**
 * Trades the refresh token (the httpOnly `ll_refresh` cookie) for a new pair. One at a time:
 * refresh tokens are single use, and a second concurrent use would revoke the session.
 */
export function refreshSession(): Promise<void> {
  return (refreshing ??= (async () => {
    try {
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
    } finally {
      refreshing = undefined;
    }
  })());
}

async function sendOnce<S extends z.ZodType>(
  path: string,
  schema: S,
  init?: RequestInit,
): Promise<z.infer<S>> {
  const token = getSession()?.accessToken;
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
