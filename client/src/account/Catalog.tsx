import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { CoursePageSchema, type CourseSummary } from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { formatPrice } from './auth.js';

const FILTERS = ['q', 'domain', 'language', 'pricing', 'maxPrice'] as const;

/** Published courses: search, filters, and "load more" through the API's cursors. */
export function Catalog() {
  const [params, setParams] = useSearchParams();
  const [items, setItems] = useState<CourseSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading');
  const [error, setError] = useState('');
  const query = new URLSearchParams();
  for (const key of FILTERS) {
    const value = params.get(key);
    if (value) query.set(key, value);
  }
  const queryString = query.toString();

  async function load(after: string | null) {
    setState('loading');
    try {
      const q = new URLSearchParams(queryString);
      if (after) q.set('cursor', after);
      const page = await apiFetch(`/api/courses?${q}`, CoursePageSchema);
      setItems((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setState('idle');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setState('error');
    }
  }

  useEffect(() => {
    void load(null);
  }, [queryString]);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of FILTERS) {
      let value = String(form.get(key) ?? '').trim();
      // people type prices in major units; the API takes minor units
      if (key === 'maxPrice' && value) value = String(Math.round(Number(value) * 100));
      if (value) next.set(key, value);
    }
    setParams(next);
  }

  const maxPrice = params.get('maxPrice');
  return (
    <section>
      <h1>Course catalog</h1>
      <form className="filters" role="search" onSubmit={submit}>
        <label>
          Search
          <input
            name="q"
            type="search"
            defaultValue={params.get('q') ?? ''}
            placeholder="e.g. rust, watercolor"
          />
        </label>
        <label>
          Domain
          <input name="domain" defaultValue={params.get('domain') ?? ''} placeholder="any" />
        </label>
        <label>
          Language
          <input name="language" defaultValue={params.get('language') ?? ''} placeholder="en, es…" />
        </label>
        <label>
          Price
          <select name="pricing" defaultValue={params.get('pricing') ?? ''}>
            <option value="">any</option>
            <option value="free">free</option>
            <option value="one_time">one-time purchase</option>
            <option value="subscription">subscription</option>
          </select>
        </label>
        <label>
          Max price
          <input
            name="maxPrice"
            type="number"
            min={0}
            step="0.01"
            defaultValue={maxPrice ? Number(maxPrice) / 100 : ''}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      {state === 'error' && <p role="alert">{error}</p>}
      <ul className="course-grid" aria-label="Courses" aria-busy={state === 'loading'}>
        {items.map((course) => (
          <li key={course.id} className="card course-card">
            <h2>
              <Link to={`/courses/${course.id}`}>{course.title}</Link>
            </h2>
            <p>{course.summary}</p>
            <p className="meta">
              {course.domain} · {course.language} · {course.lessonCount} lessons · by{' '}
              {course.instructor.displayName}
            </p>
            <p className="price">{formatPrice(course.price)}</p>
          </li>
        ))}
      </ul>
      {state === 'loading' && <p role="status">Loading courses…</p>}
      {state === 'idle' && items.length === 0 && <p role="status">No course matches these filters.</p>}
      {cursor && state === 'idle' && (
        <button type="button" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
