import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { CourseDetailSchema, CoursePageSchema } from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';
import { formatPrice } from './auth.js';

const MyCoursesSchema = CoursePageSchema.pick({ items: true });

/** The instructor's courses (every status) and a form to start a new one. */
export function Teach() {
  const session = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isTeacher = session && (session.user.role === 'instructor' || session.user.role === 'admin');
  const courses = useAsync(
    () => (isTeacher ? apiFetch('/api/instructor/courses', MyCoursesSchema) : Promise.resolve({ items: [] })),
    [session?.user.id],
  );

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const course = await apiFetch('/api/courses', CourseDetailSchema, {
        method: 'POST',
        body: JSON.stringify({ title: String(form.get('title')), summary: String(form.get('summary')) }),
      });
      await navigate(`/teach/${course.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  // signed out, the layout shows the route's sign-in message instead of this page
  if (!session) return null;
  if (!isTeacher) return <p role="alert">Only instructors create courses. Sign up with “teach courses”.</p>;
  return (
    <section>
      <h1>Teach</h1>
      <form className="card" onSubmit={(e) => void create(e)} aria-label="New course">
        <h2>New course</h2>
        <label>
          Title
          <input name="title" required minLength={3} maxLength={140} />
        </label>
        <label>
          Summary
          <input name="summary" maxLength={400} />
        </label>
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create draft'}
        </button>
      </form>
      <h2>Your courses</h2>
      {courses.status === 'loading' && <p role="status">Loading…</p>}
      {courses.status === 'error' && <p role="alert">{courses.error.message}</p>}
      {courses.status === 'done' && (
        <table>
          <thead>
            <tr>
              <th>Title</th>
              <th>Status</th>
              <th>Lessons</th>
              <th>Price</th>
            </tr>
          </thead>
          <tbody>
            {courses.value.items.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/teach/${c.id}`}>{c.title}</Link>
                </td>
                <td>{c.status}</td>
                <td>{c.lessonCount}</td>
                <td>{formatPrice(c.price)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
