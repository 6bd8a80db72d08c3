import { Link } from 'react-router-dom';
import {
  CourseDetailSchema,
  CoursePageSchema,
  MyLearningSchema,
  type CourseDetail,
} from '@learnlive/contracts';
import { z } from 'zod';
import { apiFetch } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import { useAsync } from '../lib/useAsync.js';

const InstructorCoursesSchema = z.object({ items: CoursePageSchema.shape.items });

/**
 * Every video lesson the signed-in person can reach: to manage (their own courses) or to watch
 * (courses they are enrolled in). The way into the upload page and the player.
 */
export function LessonVideos() {
  const session = useSession();
  const courses = useAsync(async () => {
    if (!session) return [];
    const teaching =
      session.user.role === 'instructor' || session.user.role === 'admin'
        ? (await apiFetch('/api/instructor/courses', InstructorCoursesSchema)).items.map((c) => c.id)
        : [];
    const learning = (await apiFetch('/api/me/learning', MyLearningSchema)).items.map((i) => i.course.id);
    const ids = [...new Set([...teaching, ...learning])];
    return Promise.all(ids.map((id) => apiFetch(`/api/courses/${id}`, CourseDetailSchema)));
  }, [session?.user.id]);

  if (!session) return <p>Sign in to see your lesson videos.</p>;
  if (courses.status === 'loading') return <p role="status">Loading…</p>;
  if (courses.status === 'error') return <p role="alert">{courses.error.message}</p>;
  const withVideos = courses.value.filter((c) =>
    c.modules.some((m) => m.lessons.some((l) => l.kind === 'video')),
  );
  return (
    <article className="lesson-videos">
      <h1>Lesson videos</h1>
      {withVideos.length === 0 && <p>No video lessons yet.</p>}
      {withVideos.map((course) => (
        <CourseVideos key={course.id} course={course} />
      ))}
    </article>
  );
}

function CourseVideos({ course }: { course: CourseDetail }) {
  const manage = course.access === 'instructor' || course.access === 'admin';
  return (
    <section>
      <h2>{course.title}</h2>
      <ul>
        {course.modules.flatMap((m) =>
          m.lessons
            .filter((l) => l.kind === 'video')
            .map((l) => (
              <li key={l.id}>
                {m.title} · {l.title} {manage && <Link to={`/lessons/${l.id}/upload`}>Manage video</Link>}{' '}
                <Link to={`/lessons/${l.id}/watch`}>Watch</Link>
              </li>
            )),
        )}
      </ul>
    </section>
  );
}
