import { Link, useParams } from 'react-router-dom';
import { CourseSummarySchema } from '@learnlive/contracts';
import { apiFetch } from '../../lib/api.js';
import { useAsync } from '../../lib/useAsync.js';
import { BuyButton } from './BuyButton.js';

/** `/checkout/:courseId`: the course's price and its Buy/Subscribe button (linked from course pages). */
export function BuyCoursePage() {
  const { courseId = '' } = useParams();
  const course = useAsync(() => apiFetch(`/api/courses/${courseId}`, CourseSummarySchema), [courseId]);
  if (course.status === 'loading') return <p>Loading the course…</p>;
  if (course.status === 'error') return <p role="alert">{course.error.message}</p>;
  const c = course.value;
  return (
    <section className="card narrow">
      <h1>{c.title}</h1>
      <p>{c.summary}</p>
      {c.price.kind === 'free' ? (
        <p>
          This course is free. <Link to={`/courses/${c.id}`}>Enroll from its page</Link>.
        </p>
      ) : (
        <BuyButton courseId={c.id} price={c.price} />
      )}
      <p>
        <Link to={`/courses/${c.id}`}>Back to the course</Link>
      </p>
    </section>
  );
}
