import { Link } from 'react-router-dom';
import { MyLearningSchema } from '@learnlive/contracts';
import { ContinueButton } from '../lessons/ContinueButton.js';
import { apiFetch } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';

/** The courses the person is enrolled in, with progress bars. */
export function MyLearning() {
  const session = useSession();
  const learning = useAsync(
    () => (session ? apiFetch('/api/me/learning', MyLearningSchema) : Promise.resolve({ items: [] })),
    [session?.user.id],
  );
  // signed out, the layout shows the route's sign-in message instead of this page
  if (!session) return null;
  return (
    <section>
      <h1>My learning</h1>
      {learning.status === 'loading' && <p role="status">Loading your courses…</p>}
      {learning.status === 'error' && <p role="alert">{learning.error.message}</p>}
      {learning.status === 'done' && learning.value.items.length === 0 && (
        <p>
          You are not enrolled in any course yet. <Link to="/courses">Browse the catalog</Link>.
        </p>
      )}
      {learning.status === 'done' && (
        <ul className="learning" aria-label="My courses">
          {learning.value.items.map((item) => (
            <li key={item.course.id} className="card">
              <h2>
                <Link to={`/courses/${item.course.id}`}>{item.course.title}</Link>
              </h2>
              <label>
                {item.progressPercent}% complete ({item.completedLessons} of {item.course.lessonCount}{' '}
                lessons)
                <progress max={100} value={item.progressPercent} />
              </label>
              <ContinueButton courseId={item.course.id} next={item.nextLesson} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
