import { Link } from 'react-router-dom';
import { LiveClassListSchema } from '@learnlive/contracts';
import { apiFetch } from '../../lib/api.js';
import { useAsync } from '../../lib/useAsync.js';
import { showLocal } from './time.js';

/**
 * The course page's "upcoming live classes" block, for people who have the course; its
 * instructor also gets the link to the scheduler.
 */
export function CourseLiveClasses({ courseId, canSchedule }: { courseId: string; canSchedule: boolean }) {
  const list = useAsync(
    () => apiFetch(`/api/courses/${courseId}/live-classes`, LiveClassListSchema),
    [courseId],
  );
  return (
    <section className="course-live-classes">
      <h2>Upcoming live classes</h2>
      {canSchedule && <Link to={`/teach/courses/${courseId}/live-classes`}>Schedule live classes</Link>}
      {list.status === 'error' && <p role="alert">{list.error.message}</p>}
      {list.status === 'done' && list.value.items.length === 0 && <p>None scheduled.</p>}
      {list.status === 'done' && list.value.items.length > 0 && (
        <ul>
          {list.value.items.map((c) => (
            <li key={c.id} data-testid="course-live-class">
              <strong>{c.title}</strong> — {showLocal(c.startsAt)}, {c.durationMinutes} min
              {c.status === 'live' && ' (live now)'} <a href={c.icsUrl}>.ics</a>{' '}
              <Link to={c.joinPath}>Join</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
