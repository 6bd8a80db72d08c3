import { AppError, type Queryable } from '@learnlive/common';
import type {
  CourseAccessLevel,
  CourseDetail,
  CourseStatus,
  CourseSummary,
  Lesson,
  LessonKind,
  Module,
  PricingKind,
} from '@learnlive/contracts';

/** Columns of a course summary; `c` is courses, `u` its instructor (lesson_count: kept by a trigger). */
export const SUMMARY_COLUMNS = `c.id, c.seq, c.title, c.summary, c.domain, c.language, c.pricing, c.price_amount,
  c.currency, c.status, c.published_at, c.instructor_id, u.display_name as instructor_name, c.lesson_count`;

export interface SummaryRow {
  id: string;
  seq: number;
  title: string;
  summary: string;
  domain: string;
  language: string;
  pricing: PricingKind;
  price_amount: number;
  currency: string;
  status: CourseStatus;
  published_at: Date | string | null;
  instructor_id: string;
  instructor_name: string;
  lesson_count: number;
}

export function toSummary(row: SummaryRow): CourseSummary {
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    domain: row.domain,
    language: row.language,
    price: { kind: row.pricing, amount: Number(row.price_amount), currency: row.currency },
    status: row.status,
    instructor: { id: row.instructor_id, displayName: row.instructor_name },
    lessonCount: Number(row.lesson_count),
    publishedAt: row.published_at ? new Date(row.published_at).toISOString() : null,
  };
}

export async function loadSummary(db: Queryable, courseId: string): Promise<SummaryRow | undefined> {
  const { rows } = await db.query<SummaryRow & { description: string }>(
    `select ${SUMMARY_COLUMNS}, c.description from courses c join users u on u.id = c.instructor_id where c.id = $1`,
    [courseId],
  );
  return rows[0];
}

export interface LessonRow {
  id: string;
  module_id: string;
  title: string;
  kind: LessonKind;
  position: number;
  duration_seconds: number;
  body: string | null;
}

export const LESSON_COLUMNS = 'id, module_id, title, kind, position, duration_seconds, body';

export function toLesson(row: LessonRow, withBody: boolean): Lesson {
  return {
    id: row.id,
    moduleId: row.module_id,
    title: row.title,
    kind: row.kind,
    position: row.position,
    durationSeconds: row.duration_seconds,
    body: withBody ? row.body : null,
  };
}

/** The course page: summary, description and the ordered outline. */
export async function loadDetail(
  db: Queryable,
  courseId: string,
  access: CourseAccessLevel,
): Promise<CourseDetail> {
  const course = (await loadSummary(db, courseId)) as (SummaryRow & { description: string }) | undefined;
  if (!course) throw new AppError('not_found', 'no such course');
  const modules = await db.query<{ id: string; title: string; position: number }>(
    'select id, title, position from course_modules where course_id = $1 order by position, id',
    [courseId],
  );
  const lessons = await db.query<LessonRow>(
    `select ${LESSON_COLUMNS} from lessons where course_id = $1 order by position, id`,
    [courseId],
  );
  const withBody = access !== 'none';
  const outline: Module[] = modules.rows.map((m) => ({
    id: m.id,
    title: m.title,
    position: m.position,
    lessons: lessons.rows.filter((l) => l.module_id === m.id).map((l) => toLesson(l, withBody)),
  }));
  return { ...toSummary(course), description: course.description, modules: outline, access };
}

/** The course a module or lesson belongs to (404 when there is no such thing). */
export async function courseOf(
  db: Queryable,
  table: 'course_modules' | 'lessons',
  id: string,
): Promise<string> {
  const { rows } = await db.query<{ course_id: string }>(`select course_id from ${table} where id = $1`, [
    id,
  ]);
  if (!rows[0]) throw new AppError('not_found', table === 'lessons' ? 'no such lesson' : 'no such module');
  return rows[0].course_id;
}

/**
 * Applies a complete new order: `ids` must be exactly the current children, each once.
 * Positions are rewritten 1..n in one transaction.
 */
export async function reorder(
  tx: Queryable,
  table: 'course_modules' | 'lessons',
  parent: { column: 'course_id' | 'module_id'; id: string },
  ids: readonly string[],
): Promise<void> {
  const { rows } = await tx.query<{ id: string }>(
    `select id from ${table} where ${parent.column} = $1 for update`,
    [parent.id],
  );
  const current = new Set(rows.map((r) => r.id));
  if (new Set(ids).size !== ids.length || ids.length !== current.size || ids.some((id) => !current.has(id))) {
    throw new AppError('validation_failed', 'ids must list every current item exactly once', {
      fieldErrors: [{ path: 'ids', message: `expected the ${current.size} current ids, each once` }],
    });
  }
  for (const [index, id] of ids.entries()) {
    await tx.query(`update ${table} set position = $2 where id = $1`, [id, index + 1]);
  }
}
