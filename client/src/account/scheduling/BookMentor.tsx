import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { BookingSchema, MentorListSchema, SlotListSchema } from '@learnlive/contracts';
import { useSession } from '../../lib/session.js';
import { useAsync } from '../../lib/useAsync.js';
import { authedFetch, jsonInit } from '../payments/request.js';
import { showLocal, viewerZone } from './time.js';

/** `/mentoring`: mentors with open slots. */
export function MentorList() {
  const mentors = useAsync(() => authedFetch('/api/mentors', MentorListSchema), []);
  const session = useSession();
  return (
    <section className="card">
      <h1>Book a mentor</h1>
      {(session?.user.role === 'mentor' || session?.user.role === 'admin') && (
        <p>
          <Link to="/mentoring/availability">Publish your availability</Link>
        </p>
      )}
      {mentors.status === 'loading' && <p>Loading…</p>}
      {mentors.status === 'error' && <p role="alert">{mentors.error.message}</p>}
      {mentors.status === 'done' && mentors.value.items.length === 0 && (
        <p>No mentor has open slots right now.</p>
      )}
      {mentors.status === 'done' && (
        <ul>
          {mentors.value.items.map((m) => (
            <li key={m.id}>
              <Link to={`/mentoring/${m.id}`}>{m.name}</Link> — {m.openSlots} open slot
              {m.openSlots === 1 ? '' : 's'}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * `/mentoring/:mentorId`: a mentor's open slots, shown in the viewer's zone; booking one.
 * With `?reschedule=<bookingId>` the chosen slot replaces that booking instead.
 */
export function BookMentor() {
  const { mentorId = '' } = useParams();
  const navigate = useNavigate();
  const reschedule = new URLSearchParams(window.location.search).get('reschedule');
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string>();
  const slots = useAsync(
    () => authedFetch(`/api/mentors/${mentorId}/slots`, SlotListSchema),
    [mentorId, version],
  );

  async function book(slotId: string) {
    setError(undefined);
    try {
      await authedFetch(
        reschedule ? `/api/bookings/${reschedule}/reschedule` : '/api/bookings',
        BookingSchema,
        jsonInit('POST', { slotId }),
      );
      await navigate('/sessions');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setVersion((v) => v + 1); // someone may have taken it: show what is left
    }
  }

  return (
    <section className="card">
      <h1>{reschedule ? 'Pick a new time' : 'Pick a time'}</h1>
      <p>Times are shown in {viewerZone}.</p>
      {error && <p role="alert">{error}</p>}
      {slots.status === 'loading' && <p>Loading…</p>}
      {slots.status === 'error' && <p role="alert">{slots.error.message}</p>}
      {slots.status === 'done' && slots.value.items.length === 0 && <p>No open slots.</p>}
      {slots.status === 'done' && (
        <ul>
          {slots.value.items.map((s) => (
            <li key={s.id} data-testid="open-slot">
              {showLocal(s.startsAt)} –{' '}
              {new Date(s.endsAt).toLocaleTimeString(undefined, { timeStyle: 'short' })}{' '}
              <button type="button" onClick={() => void book(s.id)}>
                {reschedule ? 'Move here' : 'Book'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
