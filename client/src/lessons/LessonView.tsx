import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  CourseDetailSchema,
  LessonContentSchema,
  ProgressUpdatedEventSchema,
  type LessonContent,
} from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { useAsync } from '../lib/useAsync.js';
import { CourseOutline } from './CourseOutline.js';
import { LessonVideo } from './LessonPlayer.js';
import { MarkdownBody } from './MarkdownBody.js';
import { lessonPath } from './lessonPath.js';
import { useCourseProgress } from './useCourseProgress.js';
import './lessons.css';

/** `/courses/:courseId/lessons/:lessonId`: one lesson, the course outline beside it. */
export function LessonView() {
  const { courseId = '', lessonId = '' } = useParams();
  const content = useAsync(() => apiFetch(`/api/lessons/${lessonId}`, LessonContentSchema), [lessonId]);
  const course = useAsync(() => apiFetch(`/api/courses/${courseId}`, CourseDetailSchema), [courseId]);
  const progress = useCourseProgress(courseId, true);
  // the outline starts folded on phones, where it would push the lesson below the fold
  const [wide] = useState(() => window.matchMedia('(min-width: 48rem)').matches);
  const completed = progress?.lessons.some((l) => l.lessonId === lessonId && l.completed) ?? false;

  return (
    <div className="lesson-view">
      <details className="lesson-sidebar" open={wide}>
        <summary>Course outline</summary>
        {course.status === 'done' && (
          <nav aria-label="Course outline">
            <Link to={`/courses/${courseId}`}>{course.value.title}</Link>
            {progress && <p className="meta">{progress.percent}% complete</p>}
            <CourseOutline courseId={courseId} modules={course.value.modules} progress={progress} linked />
          </nav>
        )}
        {course.status === 'error' && <p role="alert">{course.error.message}</p>}
      </details>
      <article className="lesson-main">
        {content.status === 'loading' && <p role="status">Loading the lesson…</p>}
        {content.status === 'error' && <p role="alert">{content.error.message}</p>}
        {content.status === 'done' && <LessonBody content={content.value} completed={completed} />}
      </article>
    </div>
  );
}

function LessonBody({ content, completed }: { content: LessonContent; completed: boolean }) {
  const { lesson, courseId } = content;
  return (
    <>
      <p className="meta">{content.moduleTitle}</p>
      <h1 data-testid="lesson-title">{lesson.title}</h1>
      {lesson.kind === 'video' && <LessonVideo key={lesson.id} lessonId={lesson.id} />}
      {lesson.kind !== 'video' && (
        <>
          <MarkdownBody markdown={lesson.body ?? ''} />
          <MarkComplete key={lesson.id} lessonId={lesson.id} completed={completed} />
        </>
      )}
      <nav className="lesson-steps" aria-label="Lessons">
        {content.previousLessonId && (
          <Link className="button" rel="prev" to={lessonPath(courseId, content.previousLessonId)}>
            ← Previous lesson
          </Link>
        )}
        {content.nextLessonId && (
          <Link className="button primary" rel="next" to={lessonPath(courseId, content.nextLessonId)}>
            Next lesson →
          </Link>
        )}
        {!content.nextLessonId && (
          <Link className="button" to="/learning">
            Back to my learning
          </Link>
        )}
      </nav>
    </>
  );
}

/** Text and quiz lessons are completed by the learner; the mark comes back as a live event. */
function MarkComplete({ lessonId, completed }: { lessonId: string; completed: boolean }) {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (completed) return <p data-testid="lesson-completed">✓ Completed</p>;
  async function mark() {
    setSaving(true);
    setError(null);
    try {
      await apiFetch(`/api/lessons/${lessonId}/progress`, ProgressUpdatedEventSchema, {
        method: 'PUT',
        body: JSON.stringify({ positionSeconds: 0, done: true }),
      });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  }
  return (
    <p>
      <button type="button" onClick={() => void mark()} disabled={saving}>
        {saving ? 'Saving…' : 'Mark as complete'}
      </button>
      {error && <span role="alert"> {error}</span>}
    </p>
  );
}
