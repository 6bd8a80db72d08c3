import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { CheckoutStatusSchema, type CheckoutStatus } from '@learnlive/contracts';
import { authedFetch } from './request.js';

const POLL_MS = 1000;
const MAX_POLLS = 60;

/**
 * Where Stripe Checkout returns (`/payments/success?session_id=…`). Access is granted by the
 * webhook, which may arrive a moment after the browser: poll until the payment is recorded.
 */
export function PaymentSuccess() {
  const [search] = useSearchParams();
  const sessionId = search.get('session_id') ?? '';
  const [status, setStatus] = useState<CheckoutStatus>();
  const [error, setError] = useState<string>();
  const [polls, setPolls] = useState(0);

  useEffect(() => {
    if (!/^cs_\w+$/.test(sessionId)) {
      setError('This page needs a checkout session.');
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (n: number) => {
      try {
        const current = await authedFetch(`/api/payments/checkout/${sessionId}`, CheckoutStatusSchema);
        if (!live) return;
        setStatus(current);
        setPolls(n);
        if (current.status === 'pending' && n < MAX_POLLS)
          timer = setTimeout(() => void poll(n + 1), POLL_MS);
      } catch (err) {
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
    };
    void poll(1);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [sessionId]);

  if (error) return <p role="alert">{error}</p>;
  if (!status) return <p>Checking your payment…</p>;
  const done = status.status === 'paid' || status.status === 'active';
  return (
    <section className="card narrow" data-testid="payment-status" data-status={status.status}>
      <h1>
        {done ? 'Thank you!' : status.status === 'pending' ? 'Payment received…' : 'Payment not completed'}
      </h1>
      {done && (
        <p>
          {status.kind === 'subscription' ? 'Your subscription is active.' : 'The course is yours.'}{' '}
          <Link to={`/courses/${status.courseId}`}>Go to the course</Link>
        </p>
      )}
      {status.status === 'pending' &&
        (polls < MAX_POLLS ? (
          <p>Waiting for the confirmation from the payment provider.</p>
        ) : (
          <p>The confirmation is taking longer than usual; it will appear in your payments.</p>
        ))}
      {!done && status.status !== 'pending' && <p>Status: {status.status}.</p>}
      <p>
        <Link to="/account/payments">Your payments</Link>
      </p>
    </section>
  );
}
