import { NavLink } from 'react-router-dom';
import type { CourseProgress, Module } from '@learnlive/contracts';
import { lessonPath } from './lessonPath.js';

/**
 * Modules and their lessons in order. With access, each lesson links to the lesson view and
 * carries its completion mark; without, it is a plain line (the outline is public).
 */
export function CourseOutline({
  courseId,
  modules,
  progress,
  linked,
}: {
  courseId: string;
  modules: Module[];
  progress: CourseProgress | null;
  linked: boolean;
}) {
  const completed = new Set(progress?.lessons.filter((l) => l.completed).map((l) => l.lessonId));
  if (modules.length === 0) return <p>No lessons yet.</p>;
  return (
    <ol className="outline">
      {modules.map((m) => (
        <li key={m.id}>
          <h3>{m.title}</h3>
          <ol>
            {m.lessons.map((l) => {
              const done = completed.has(l.id);
              const label = (
                <>
                  <span className="mark" aria-hidden="true">
                    {done ? '✓' : '○'}
                  </span>
                  {l.title}
                  {done && <span className="visually-hidden"> (completed)</span>}
                </>
              );
              const meta = (
                <span className="meta">
                  {' '}
                  ({l.kind}
                  {l.durationSeconds ? `, ${Math.max(1, Math.round(l.durationSeconds / 60))} min` : ''})
                </span>
              );
              return (
                <li key={l.id} data-testid="outline-lesson" data-completed={done}>
                  {linked ? <NavLink to={lessonPath(courseId, l.id)}>{label}</NavLink> : label}
                  {meta}
                </li>
              );
            })}
          </ol>
        </li>
      ))}
    </ol>
  );
}
