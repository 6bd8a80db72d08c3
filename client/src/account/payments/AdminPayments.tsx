import { useState } from 'react';
import { PaymentListSchema, PaymentSchema, type Payment } from '@learnlive/contracts';
import { useAsync } from '../../lib/useAsync.js';
import { authedFetch, formatMoney, jsonInit } from './request.js';

const REFUNDABLE: ReadonlySet<Payment['status']> = new Set(['paid', 'duplicate', 'disputed']);

/** `/admin/payments`: every transaction; admins refund through Stripe from here. */
export function AdminPayments() {
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string>();
  const list = useAsync(
    () => authedFetch(`/api/admin/payments?limit=200${status ? `&status=${status}` : ''}`, PaymentListSchema),
    [version, status],
  );

  async function refund(p: Payment) {
    const left = p.amount - p.refundedAmount;
    const answer = window.prompt(
      `Refund how much (minor units, at most ${left} = ${formatMoney(left, p.currency)})?`,
      String(left),
    );
    if (answer === null) return;
    setError(undefined);
    try {
      await authedFetch(
        `/api/admin/payments/${p.id}/refund`,
        PaymentSchema,
        jsonInit('POST', { amount: Number(answer) }),
      );
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <section className="card">
      <h1>Payments</h1>
      <label>
        Status
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">all</option>
          {['pending', 'paid', 'failed', 'refunded', 'disputed', 'duplicate'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      {error && <p role="alert">{error}</p>}
      {list.status === 'loading' && <p>Loading…</p>}
      {list.status === 'error' && <p role="alert">{list.error.message}</p>}
      {list.status === 'done' && (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Kind</th>
              <th>Amount</th>
              <th>Refunded</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.value.items.map((p) => (
              <tr key={p.id}>
                <td>{new Date(p.createdAt).toLocaleString()}</td>
                <td>{p.kind}</td>
                <td>{formatMoney(p.amount, p.currency)}</td>
                <td>{formatMoney(p.refundedAmount, p.currency)}</td>
                <td>{p.status}</td>
                <td>
                  {REFUNDABLE.has(p.status) && p.refundedAmount < p.amount && (
                    <button type="button" onClick={() => void refund(p)}>
                      Refund
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
