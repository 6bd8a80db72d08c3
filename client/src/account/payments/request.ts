import type { z } from 'zod';
import { ApiError, apiFetch } from '../../lib/api.js';
import { getSession } from '../../lib/session.js';

/**
 * An API call as the signed-in person (payments and scheduling pages all need one). apiFetch
 * adds the access token and refreshes it once when expired; this only refuses early when
 * nobody is signed in.
 */
export function authedFetch<S extends z.ZodType>(
  path: string,
  schema: S,
  init: RequestInit = {},
): Promise<z.infer<S>> {
  if (!getSession()) return Promise.reject(new ApiError(401, 'unauthenticated', 'Sign in first.'));
  return apiFetch(path, schema, init);
}

/** A JSON body for a write. */
export function jsonInit(method: string, body: unknown = {}): RequestInit {
  return { method, body: JSON.stringify(body) };
}

/** `1999, 'eur'` → `€19.99` in the viewer's locale. */
export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(
      amount / 100,
    );
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}
