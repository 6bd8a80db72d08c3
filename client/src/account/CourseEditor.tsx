import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { CourseDetailSchema, LessonSchema, ModuleSchema, type CourseDetail } from '@learnlive/contracts';
import { ApiError, apiFetch } from '../lib/api.js';
import { useAsync } from '../lib/useAsync.js';

const CURRENCY_DIGITS = 2;

/** The instructor's editor: course fields and price, publish/archive, modules and lessons in order. */
export function CourseEditor() {
  const { id = '' } = useParams();
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const course = useAsync(() => apiFetch(`/api/courses/${id}`, CourseDetailSchema), [id, version]);

  /** Runs one change, shows its error, reloads the course. */
  async function change(run: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await run();
      setVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  const send = (path: string, method: string, body?: unknown) =>
    apiFetch(path, CourseDetailSchema.or(ModuleSchema).or(LessonSchema), {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // DELETE answers 204: nothing to parse (an optional schema accepts the empty answer)
  const remove = (path: string) => apiFetch(path, LessonSchema.optional(), { method: 'DELETE' });

  if (course.status === 'loading') return <p role="status">Loading the course…</p>;
  if (course.status === 'error') return <p role="alert">{course.error.message}</p>;
  const c: CourseDetail = course.value;

  function saveDetails(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const kind = String(form.get('pricing'));
    const amount = kind === 'free' ? 0 : Math.round(Number(form.get('amount')) * 10 ** CURRENCY_DIGITS);
    void change(() =>
      send(`/api/courses/${id}`, 'PATCH', {
        title: String(form.get('title')),
        summary: String(form.get('summary')),
        description: String(form.get('description')),
        domain: String(form.get('domain')),
        language: String(form.get('language')),
        price: { kind, amount, currency: String(form.get('currency')).toLowerCase() },
      }),
    );
  }

  function move<T extends { id: string }>(list: T[], index: number, delta: number): string[] {
    const ids = list.map((x) => x.id);
    const [item] = ids.splice(index, 1);
    ids.splice(index + delta, 0, item!);
    return ids;
  }

  return (
    <section className="editor" aria-busy={busy}>
      <p>
        <Link to="/teach">← Your courses</Link> · <Link to={`/courses/${c.id}`}>View as a learner</Link>
      </p>
      <h1>
        {c.title} <span className="meta">({c.status})</span>
      </h1>
      {error && <p role="alert">{error}</p>}
      <div className="row">
        {c.status !== 'published' && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void change(() => send(`/api/courses/${id}/publish`, 'POST'))}
          >
            Publish
          </button>
        )}
        {c.status === 'published' && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void change(() => send(`/api/courses/${id}/archive`, 'POST'))}
          >
            Archive
          </button>
        )}
      </div>
      <form className="card" onSubmit={saveDetails} aria-label="Course details" key={`details-${version}`}>
        <label>
          Title
          <input name="title" defaultValue={c.title} required minLength={3} maxLength={140} />
        </label>
        <label>
          Summary
          <input name="summary" defaultValue={c.summary} maxLength={400} />
        </label>
        <label>
          Description
          <textarea name="description" defaultValue={c.description} rows={4} />
        </label>
        <label>
          Domain
          <input name="domain" defaultValue={c.domain} required />
        </label>
        <label>
          Language
          <input name="language" defaultValue={c.language} required pattern="[a-z]{2}(-[A-Z]{2})?" />
        </label>
        <label>
          Pricing
          <select name="pricing" defaultValue={c.price.kind}>
            <option value="free">free</option>
            <option value="one_time">one-time purchase</option>
            <option value="subscription">subscription</option>
          </select>
        </label>
        <label>
          Price
          <input
            name="amount"
            type="number"
            min={0}
            step="0.01"
            defaultValue={c.price.amount / 10 ** CURRENCY_DIGITS}
          />
        </label>
        <label>
          Currency
          <input name="currency" defaultValue={c.price.currency} pattern="[a-zA-Z]{3}" required />
        </label>
        <button type="submit" disabled={busy}>
          Save details
        </button>
      </form>

      <h2>Outline</h2>
      {c.modules.map((m, mi) => (
        <div key={m.id} className="card module">
          <div className="row">
            <h3>{m.title}</h3>
            <button
              type="button"
              aria-label={`Move ${m.title} up`}
              disabled={busy || mi === 0}
              onClick={() =>
                void change(() =>
                  send(`/api/courses/${id}/modules/order`, 'PUT', { ids: move(c.modules, mi, -1) }),
                )
              }
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={`Move ${m.title} down`}
              disabled={busy || mi === c.modules.length - 1}
              onClick={() =>
                void change(() =>
                  send(`/api/courses/${id}/modules/order`, 'PUT', { ids: move(c.modules, mi, 1) }),
                )
              }
            >
              ↓
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                confirm(`Delete module “${m.title}” and its lessons?`) &&
                void change(() => remove(`/api/modules/${m.id}`))
              }
            >
              Delete
            </button>
          </div>
          <ol>
            {m.lessons.map((l, li) => (
              <li key={l.id} className="row">
                <span>
                  {l.title} <span className="meta">({l.kind})</span>
                </span>
                <button
                  type="button"
                  aria-label={`Move ${l.title} up`}
                  disabled={busy || li === 0}
                  onClick={() =>
                    void change(() =>
                      send(`/api/modules/${m.id}/lessons/order`, 'PUT', { ids: move(m.lessons, li, -1) }),
                    )
                  }
                >
                  ↑
                </button>
                <button
                  type="button"
                  aria-label={`Move ${l.title} down`}
                  disabled={busy || li === m.lessons.length - 1}
                  onClick={() =>
                    void change(() =>
                      send(`/api/modules/${m.id}/lessons/order`, 'PUT', { ids: move(m.lessons, li, 1) }),
                    )
                  }
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  onClick={() => void change(() => remove(`/api/lessons/${l.id}`))}
                >
                  Delete
                </button>
              </li>
            ))}
          </ol>
          <form
            className="inline"
            aria-label={`New lesson in ${m.title}`}
            onSubmit={(event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              const kind = String(form.get('kind'));
              void change(() =>
                send(`/api/modules/${m.id}/lessons`, 'POST', {
                  title: String(form.get('title')),
                  kind,
                  durationSeconds: Math.round(Number(form.get('minutes') || 0) * 60),
                  ...(kind === 'text' ? { body: String(form.get('body') ?? '') } : {}),
                }),
              );
              event.currentTarget.reset();
            }}
          >
            <label>
              Lesson title
              <input name="title" required maxLength={140} />
            </label>
            <label>
              Kind
              <select name="kind" defaultValue="video">
                <option value="video">video</option>
                <option value="text">text</option>
                <option value="quiz">quiz (placeholder)</option>
              </select>
            </label>
            <label>
              Minutes
              <input name="minutes" type="number" min={0} step="0.5" />
            </label>
            <label>
              Text (text lessons)
              <input name="body" />
            </label>
            <button type="submit" disabled={busy}>
              Add lesson
            </button>
          </form>
        </div>
      ))}
      <form
        className="inline"
        aria-label="New module"
        onSubmit={(event) => {
          event.preventDefault();
          const title = String(new FormData(event.currentTarget).get('title'));
          void change(() => send(`/api/courses/${id}/modules`, 'POST', { title }));
          event.currentTarget.reset();
        }}
      >
        <label>
          Module title
          <input name="title" required maxLength={140} />
        </label>
        <button type="submit" disabled={busy}>
          Add module
        </button>
      </form>
    </section>
  );
}
