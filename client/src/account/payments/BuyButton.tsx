import { useState } from 'react';
import { CheckoutResponseSchema } from '@learnlive/contracts';
import { ApiError } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { authedFetch, formatMoney, jsonInit } from './request.js';

const MESSAGES: Record<string, string> = {
  conflict: 'You already have this course.',
  unavailable: 'Payments are not available right now. Please try again later.',
  unauthenticated: 'Sign in to buy this course.',
};

/**
 * "Buy" (one-time price) or "Subscribe" (monthly price) on a course page: opens a Stripe
 * Checkout Session and sends the browser to its page; Stripe sends it back to
 * /payments/success.
 */
export function BuyButton(props: {
  courseId: string;
  price: { kind: 'free' | 'one_time' | 'subscription'; amount: number; currency: string };
}) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (props.price.kind === 'free') return null;
  const label =
    props.price.kind === 'subscription'
      ? `Subscribe for ${formatMoney(props.price.amount, props.price.currency)} / month`
      : `Buy for ${formatMoney(props.price.amount, props.price.currency)}`;

  async function buy() {
    setBusy(true);
    setError(undefined);
    try {
      const checkout = await authedFetch(
        '/api/payments/checkout',
        CheckoutResponseSchema,
        jsonInit('POST', { courseId: props.courseId }),
      );
      window.location.assign(checkout.checkoutUrl);
    } catch (err) {
      setError(err instanceof ApiError ? (MESSAGES[err.code] ?? err.message) : String(err));
      setBusy(false);
    }
  }

  return (
    <div className="buy">
      <button type="button" onClick={() => void buy()} disabled={busy || !session} data-testid="buy-course">
        {busy ? 'Opening checkout…' : label}
      </button>
      {!session && <p>Sign in to buy this course.</p>}
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
