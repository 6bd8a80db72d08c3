import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { LiveClassListSchema, LiveClassSchema, type LiveClass } from '@learnlive/contracts';
import { useAsync } from '../../lib/useAsync.js';
import { authedFetch, jsonInit } from '../payments/request.js';
import { isoToLocalInput, localInputToIso, showLocal, viewerZone } from './time.js';

/** `/teach/courses/:courseId/live-classes`: the instructor schedules, moves and cancels live classes. */
export function LiveClassScheduler() {
  const { courseId = '' } = useParams();
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState<string>();
  const list = useAsync(
    () => authedFetch(`/api/courses/${courseId}/live-classes`, LiveClassListSchema),
    [courseId, version],
  );

  async function run(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      setEditing(undefined);
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  function submit(event: FormEvent<HTMLFormElement>, existing?: LiveClass) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = {
      title: String(form.get('title')),
      startsAt: localInputToIso(String(form.get('startsAt'))),
      durationMinutes: Number(form.get('durationMinutes')),
    };
    const target = event.currentTarget;
    void run(async () => {
      if (existing)
        await authedFetch(`/api/live-classes/${existing.id}`, LiveClassSchema, jsonInit('PATCH', body));
      else
        await authedFetch(`/api/courses/${courseId}/live-classes`, LiveClassSchema, jsonInit('POST', body));
      target.reset();
    });
  }

  const fields = (c?: LiveClass) => (
    <>
      <label>
        Title
        <input name="title" required maxLength={200} defaultValue={c?.title} />
      </label>
      <label>
        Starts ({viewerZone})
        <input
          name="startsAt"
          type="datetime-local"
          required
          defaultValue={c && isoToLocalInput(c.startsAt)}
        />
      </label>
      <label>
        Duration (minutes)
        <input
          name="durationMinutes"
          type="number"
          min={5}
          max={600}
          required
          defaultValue={c?.durationMinutes ?? 60}
        />
      </label>
    </>
  );

  return (
    <section className="card">
      <h1>Live classes</h1>
      <p>
        <Link to={`/courses/${courseId}`}>Back to the course</Link>
      </p>
      {error && <p role="alert">{error}</p>}
      <form onSubmit={(e) => submit(e)} aria-label="Schedule a live class">
        {fields()}
        <button type="submit">Schedule</button>
      </form>
      <h2>Upcoming</h2>
      {list.status === 'loading' && <p>Loading…</p>}
      {list.status === 'error' && <p role="alert">{list.error.message}</p>}
      {list.status === 'done' && list.value.items.length === 0 && <p>Nothing scheduled.</p>}
      {list.status === 'done' && (
        <ul className="live-classes">
          {list.value.items.map((c) => (
            <li key={c.id} data-testid="live-class">
              {editing === c.id ? (
                <form onSubmit={(e) => submit(e, c)} aria-label={`Edit ${c.title}`}>
                  {fields(c)}
                  <button type="submit">Save</button>
                  <button type="button" onClick={() => setEditing(undefined)}>
                    Keep as is
                  </button>
                </form>
              ) : (
                <>
                  <strong>{c.title}</strong> — {showLocal(c.startsAt)}, {c.durationMinutes} min ({c.status}){' '}
                  <a href={c.icsUrl}>.ics</a> <Link to={c.joinPath}>Join</Link>{' '}
                  <button type="button" onClick={() => setEditing(c.id)}>
                    Edit
                  </button>{' '}
                  <button
                    type="button"
                    onClick={() =>
                      window.confirm(`Cancel “${c.title}”?`) &&
                      void run(() =>
                        authedFetch(`/api/live-classes/${c.id}/cancel`, LiveClassSchema, jsonInit('POST')),
                      )
                    }
                  >
                    Cancel class
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
