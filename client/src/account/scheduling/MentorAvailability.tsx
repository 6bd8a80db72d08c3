import { useState, type FormEvent } from 'react';
import { SlotListSchema, SlotSchema } from '@learnlive/contracts';
import { useAsync } from '../../lib/useAsync.js';
import { authedFetch, jsonInit } from '../payments/request.js';
import { localInputToIso, showLocal, viewerZone } from './time.js';

/** `/mentoring/availability`: a mentor publishes and withdraws availability slots. */
export function MentorAvailability() {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string>();
  const slots = useAsync(() => authedFetch('/api/mentor/slots', SlotListSchema), [version]);

  async function run(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  function publish(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const startsAt = localInputToIso(String(form.get('startsAt')));
    const endsAt = new Date(Date.parse(startsAt) + Number(form.get('minutes')) * 60_000).toISOString();
    void run(() => authedFetch('/api/mentor/slots', SlotSchema, jsonInit('POST', { startsAt, endsAt })));
  }

  return (
    <section className="card">
      <h1>My availability</h1>
      {error && <p role="alert">{error}</p>}
      <form onSubmit={publish} aria-label="Publish a slot">
        <label>
          Starts ({viewerZone})
          <input name="startsAt" type="datetime-local" required />
        </label>
        <label>
          Length (minutes)
          <input name="minutes" type="number" min={15} max={240} step={15} defaultValue={60} required />
        </label>
        <button type="submit">Publish slot</button>
      </form>
      <h2>Upcoming slots</h2>
      {slots.status === 'loading' && <p>Loading…</p>}
      {slots.status === 'error' && <p role="alert">{slots.error.message}</p>}
      {slots.status === 'done' && slots.value.items.length === 0 && <p>No slots yet.</p>}
      {slots.status === 'done' && (
        <ul>
          {slots.value.items.map((s) => (
            <li key={s.id} data-testid="slot">
              {showLocal(s.startsAt)} –{' '}
              {new Date(s.endsAt).toLocaleTimeString(undefined, { timeStyle: 'short' })} ({s.status}){' '}
              {s.status === 'open' && (
                <button
                  type="button"
                  onClick={() =>
                    void run(() => authedFetch(`/api/mentor/slots/${s.id}`, SlotSchema, { method: 'DELETE' }))
                  }
                >
                  Withdraw
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
