import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import {
  BookingListSchema,
  BookingSchema,
  FeedbackSchema,
  LiveClassListSchema,
  type Booking,
} from '@learnlive/contracts';
import { useAsync } from '../../lib/useAsync.js';
import { authedFetch, jsonInit } from '../payments/request.js';
import { showLocal, viewerZone } from './time.js';

/**
 * `/sessions`: the person's upcoming live classes and mentor sessions, each with its calendar
 * file and a join link (the live pages decide, through the room token, whether it is open yet);
 * past mentor sessions ask for feedback.
 */
export function UpcomingSessions() {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string>();
  const data = useAsync(
    async () => ({
      classes: (await authedFetch('/api/live-classes/me', LiveClassListSchema)).items,
      bookings: (await authedFetch('/api/bookings/me?scope=all', BookingListSchema)).items,
    }),
    [version],
  );

  async function run(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  if (data.status === 'loading') return <p>Loading your sessions…</p>;
  if (data.status === 'error') return <p role="alert">{data.error.message}</p>;
  const now = Date.now();
  const upcoming = data.value.bookings.filter((b) => b.status === 'booked' && Date.parse(b.endsAt) > now);
  const past = data.value.bookings.filter((b) => b.status === 'booked' && Date.parse(b.endsAt) <= now);

  return (
    <section className="card">
      <h1>Upcoming sessions</h1>
      <p>Times are shown in {viewerZone}.</p>
      {error && <p role="alert">{error}</p>}
      <h2>Live classes</h2>
      {data.value.classes.length === 0 ? (
        <p>No live classes ahead.</p>
      ) : (
        <ul>
          {data.value.classes.map((c) => (
            <li key={c.id} data-testid="upcoming-live-class">
              <strong>{c.title}</strong> — {showLocal(c.startsAt)}, {c.durationMinutes} min
              {c.status === 'live' && ' (live now)'} <a href={c.icsUrl}>Add to calendar (.ics)</a>{' '}
              <Link to={c.joinPath} className="button">
                Join
              </Link>
            </li>
          ))}
        </ul>
      )}
      <h2>Mentor sessions</h2>
      <p>
        <Link to="/mentoring">Book a mentor</Link>
      </p>
      {upcoming.length === 0 ? (
        <p>No mentor sessions ahead.</p>
      ) : (
        <ul>
          {upcoming.map((b) => (
            <li key={b.id} data-testid="upcoming-booking">
              With <strong>{b.side === 'mentee' ? b.mentorName : b.learnerName}</strong> —{' '}
              {showLocal(b.startsAt)} <a href={b.icsUrl}>Add to calendar (.ics)</a>{' '}
              <Link to={b.joinPath} className="button">
                Join
              </Link>{' '}
              <Link to={`/mentoring/${b.mentorId}?reschedule=${b.id}`}>Reschedule</Link>{' '}
              <button
                type="button"
                onClick={() =>
                  window.confirm('Cancel this session?') &&
                  void run(() =>
                    authedFetch(`/api/bookings/${b.id}/cancel`, BookingSchema, jsonInit('POST', {})),
                  )
                }
              >
                Cancel
              </button>
            </li>
          ))}
        </ul>
      )}
      {past.length > 0 && (
        <>
          <h2>Past sessions</h2>
          <ul>
            {past.map((b) => (
              <li key={b.id}>
                With {b.side === 'mentee' ? b.mentorName : b.learnerName} — {showLocal(b.startsAt)}{' '}
                {b.feedbackGiven ? (
                  '(feedback sent)'
                ) : (
                  <FeedbackForm booking={b} onSent={() => setVersion((v) => v + 1)} />
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function FeedbackForm({ booking, onSent }: { booking: Booking; onSent: () => void }) {
  const [error, setError] = useState<string>();
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await authedFetch(
        `/api/bookings/${booking.id}/feedback`,
        FeedbackSchema,
        jsonInit('POST', { rating: Number(form.get('rating')), comment: String(form.get('comment') ?? '') }),
      );
      onSent();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Feedback" className="inline">
      <select name="rating" defaultValue="5" aria-label="Rating">
        {[5, 4, 3, 2, 1].map((n) => (
          <option key={n} value={n}>
            {n} / 5
          </option>
        ))}
      </select>
      <input name="comment" placeholder="What went well?" maxLength={2000} />
      <button type="submit">Send feedback</button>
      {error && <span role="alert">{error}</span>}
    </form>
  );
}
