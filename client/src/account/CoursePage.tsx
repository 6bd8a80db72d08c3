import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { CourseDetailSchema, EnrollmentSchema } from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';
import { formatPrice } from './auth.js';
import { ContinueButton } from '../lessons/ContinueButton.js';
import { CourseOutline } from '../lessons/CourseOutline.js';
import { useCourseProgress } from '../lessons/useCourseProgress.js';
import { BuyButton } from './payments/BuyButton.js';
import { CourseLiveClasses } from './scheduling/CourseLiveClasses.js';

/** A course's page: outline, price, and enrollment for free courses. */
export function CoursePage() {
  const { id = '' } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const [reload, setReload] = useState(0);
  const [enrolling, setEnrolling] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const course = useAsync(
    () => apiFetch(`/api/courses/${id}`, CourseDetailSchema),
    [id, session?.user.id, reload],
  );
  const hasAccess = course.status === 'done' && course.value.access !== 'none';
  const progress = useCourseProgress(id, hasAccess);

  async function enroll() {
    setEnrolling(true);
    setError(null);
    try {
      await apiFetch(`/api/courses/${id}/enrollment`, EnrollmentSchema, { method: 'POST' });
      setReload((n) => n + 1);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setEnrolling(false);
    }
  }

  if (course.status === 'loading') return <p role="status">Loading the course…</p>;
  if (course.status === 'error') return <p role="alert">{course.error.message}</p>;
  const c = course.value;
  return (
    <article className="course-page">
      <h1>{c.title}</h1>
      <p>{c.summary}</p>
      <p className="meta">
        {c.domain} · {c.language} · by {c.instructor.displayName} · {formatPrice(c.price)}
        {c.status !== 'published' && ` · ${c.status}`}
      </p>
      {c.access === 'learner' && <p data-testid="enrolled">You are enrolled in this course.</p>}
      {c.access !== 'none' && (
        <p className="course-actions">
          <ContinueButton courseId={c.id} next={progress?.nextLesson ?? null} />
          {progress && (
            <span data-testid="course-percent">
              {' '}
              {progress.percent}% complete ({progress.completedLessons} of {progress.totalLessons} lessons)
            </span>
          )}{' '}
          <Link to={`/community/chat?room=${encodeURIComponent(`course:${c.id}`)}`}>Course chat</Link>
        </p>
      )}
      {(c.access === 'instructor' || c.access === 'admin') && (
        <Link to={`/teach/${c.id}`}>Edit this course</Link>
      )}
      {c.access === 'none' &&
        (!session ? (
          <button type="button" onClick={() => void navigate(`/sign-in?next=/courses/${c.id}`)}>
            Sign in to enroll
          </button>
        ) : c.price.kind === 'free' ? (
          <button type="button" onClick={() => void enroll()} disabled={enrolling}>
            {enrolling ? 'Enrolling…' : 'Enroll for free'}
          </button>
        ) : (
          <BuyButton courseId={c.id} price={c.price} />
        ))}
      {error && <p role="alert">{error}</p>}
      {c.description && <p className="description">{c.description}</p>}
      {c.access !== 'none' && (
        <CourseLiveClasses courseId={c.id} canSchedule={c.access === 'instructor' || c.access === 'admin'} />
      )}
      <h2>Outline</h2>
      <CourseOutline courseId={c.id} modules={c.modules} progress={progress} linked={c.access !== 'none'} />
    </article>
  );
}
