import { SessionResponseSchema, type SessionResponse } from '@learnlive/contracts';
import { apiFetch, endSession } from '../lib/api.js';
import { sessionUser, setSession } from '../lib/session.js';
import { forgetRevocation } from './revocation.js';

/** Keeps the access token and who it is for; the refresh token stays in its httpOnly cookie. */
export function rememberSession(session: SessionResponse): void {
  const { accessToken, user } = session;
  forgetRevocation();
  setSession({ accessToken, user: sessionUser(user) });
}

export async function signIn(email: string, password: string): Promise<void> {
  rememberSession(
    await apiFetch('/api/auth/sign-in', SessionResponseSchema, {
      method: 'POST',
      body: JSON.stringify({ email, password }),
    }),
  );
}

export async function signUp(input: {
  email: string;
  password: string;
  displayName: string;
  role: 'learner' | 'instructor' | 'mentor';
}): Promise<void> {
  rememberSession(
    await apiFetch('/api/auth/register', SessionResponseSchema, {
      method: 'POST',
      body: JSON.stringify(input),
    }),
  );
}

export async function signOut(): Promise<void> {
  try {
    // the refresh cookie names the session to end; nothing to read back
    await fetch('/api/auth/sign-out', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  } finally {
    endSession();
  }
}

/** Formats integer minor units for people (Intl knows each currency's decimals). */
export function formatPrice(price: { kind: string; amount: number; currency: string }): string {
  if (price.kind === 'free') return 'Free';
  const currency = price.currency.toUpperCase();
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const text = new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(
    price.amount / 10 ** digits,
  );
  return price.kind === 'subscription' ? `${text} / month` : text;
}
