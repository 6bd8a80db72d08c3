import { useState } from 'react';
import { Link } from 'react-router-dom';
import { PaymentListSchema, SubscriptionListSchema, SubscriptionSchema } from '@learnlive/contracts';
import { useAsync } from '../../lib/useAsync.js';
import { authedFetch, formatMoney, jsonInit } from './request.js';

/** `/account/payments`: the person's transactions and subscriptions (cancel from here). */
export function MyPayments() {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string>();
  const data = useAsync(
    async () => ({
      payments: (await authedFetch('/api/payments/me', PaymentListSchema)).items,
      subscriptions: (await authedFetch('/api/subscriptions/me', SubscriptionListSchema)).items,
    }),
    [version],
  );
  if (data.status === 'loading') return <p>Loading your payments…</p>;
  if (data.status === 'error') return <p role="alert">{data.error.message}</p>;

  async function cancel(id: string) {
    if (!window.confirm('Cancel this subscription now? Access ends immediately.')) return;
    try {
      await authedFetch(`/api/subscriptions/${id}/cancel`, SubscriptionSchema, jsonInit('POST'));
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  const { payments, subscriptions } = data.value;
  return (
    <section className="card">
      <h1>Payments</h1>
      {error && <p role="alert">{error}</p>}
      <h2>Subscriptions</h2>
      {subscriptions.length === 0 ? (
        <p>No subscriptions.</p>
      ) : (
        <table>
          <tbody>
            {subscriptions.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link to={`/courses/${s.courseId}`}>Course</Link>
                </td>
                <td>{formatMoney(s.amount, s.currency)} / month</td>
                <td>{s.status.replace('_', ' ')}</td>
                <td>
                  {s.currentPeriodEnd && `paid until ${new Date(s.currentPeriodEnd).toLocaleDateString()}`}
                </td>
                <td>
                  {s.status !== 'canceled' && (
                    <button type="button" onClick={() => void cancel(s.id)}>
                      Cancel
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Transactions</h2>
      {payments.length === 0 ? (
        <p>No payments yet.</p>
      ) : (
        <table data-testid="payments">
          <tbody>
            {payments.map((p) => (
              <tr key={p.id}>
                <td>{new Date(p.createdAt).toLocaleString()}</td>
                <td>
                  <Link to={`/courses/${p.courseId}`}>
                    {p.kind === 'subscription' ? 'Subscription' : 'Course'}
                  </Link>
                </td>
                <td>{formatMoney(p.amount, p.currency)}</td>
                <td>
                  {p.status}
                  {p.refundedAmount > 0 &&
                    p.status !== 'refunded' &&
                    ` (${formatMoney(p.refundedAmount, p.currency)} refunded)`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
