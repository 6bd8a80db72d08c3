import type { Db } from '@learnlive/common';

/**
 * An instructor with a course and a module, written as the API would (its migrations own these
 * tables): where the transcoder tests put their lessons.
 */
export async function seedCourse(
  db: Db,
): Promise<{ instructorId: string; courseId: string; moduleId: string }> {
  const user = await db.query<{ id: string }>(
    `insert into users (email, display_name, password_hash, role)
     values ('t@example.org', 'T', 'x', 'instructor') returning id`,
  );
  const instructorId = user.rows[0]!.id;
  const course = await db.query<{ id: string }>(
    `insert into courses (instructor_id, title) values ($1, 'C') returning id`,
    [instructorId],
  );
  const courseId = course.rows[0]!.id;
  const mod = await db.query<{ id: string }>(
    `insert into course_modules (course_id, title, position) values ($1, 'M', 0) returning id`,
    [courseId],
  );
  return { instructorId, courseId, moduleId: mod.rows[0]!.id };
}
