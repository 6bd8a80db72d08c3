import type { Queryable } from '@learnlive/common';
import type { NextLesson } from '@learnlive/contracts';

interface NextRow {
  course_id: string;
  lesson_id: string;
  completed: boolean;
  started: boolean;
}

/** Which courses to answer for: one course, or every course the learner is enrolled in. */
export type NextLessonScope = { courseId: string } | { enrolled: true };

/**
 * The lesson each Start/Continue button leads to, per course id. One query: per course, the
 * lessons in outline order (module position, then lesson position) with unfinished ones first,
 * so the first row is the first unfinished lesson, or the first lesson when all are done.
 * Courses without lessons are absent from the map.
 */
export async function nextLessons(
  db: Queryable,
  userId: string,
  scope: NextLessonScope,
): Promise<Map<string, NextLesson>> {
  const filter =
    'courseId' in scope
      ? 'l.course_id = $2'
      : `l.course_id in (select course_id from enrollments where user_id = $1 and status = 'active')`;
  const { rows } = await db.query<NextRow>(
    `select distinct on (l.course_id) l.course_id, l.id as lesson_id,
            p.completed_at is not null as completed,
            exists (select 1 from lesson_progress q
                     where q.user_id = $1 and q.course_id = l.course_id) as started
       from lessons l
       join course_modules m on m.id = l.module_id
       left join lesson_progress p on p.user_id = $1 and p.lesson_id = l.id
      where ${filter}
      order by l.course_id, p.completed_at is not null, m.position, l.position, l.id`,
    'courseId' in scope ? [userId, scope.courseId] : [userId],
  );
  return new Map(
    rows.map((row) => [
      row.course_id,
      {
        lessonId: row.lesson_id,
        state: row.completed ? 'review' : row.started ? 'continue' : 'start',
      },
    ]),
  );
}
