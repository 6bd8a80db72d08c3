import { AppError, type Queryable } from '@learnlive/common';
import type { LessonVideo, LessonVideoStatus, Rendition, TranscodeStage } from '@learnlive/contracts';

export interface LessonVideoRow {
  lesson_id: string;
  instructor_id: string;
  status: LessonVideoStatus;
  version: string;
  source_key: string | null;
  stage: TranscodeStage | null;
  percent: number | null;
  failure_reason: string | null;
  /** The ladder learners play (the last published), kept while a newer upload is processed. */
  hls_prefix: string | null;
  published_version: string | null;
  duration_seconds: number | null;
  renditions: Rendition[];
  has_poster: boolean;
  has_storyboard: boolean;
  updated_at: Date | string;
}

export interface CaptionRow {
  language: string;
  label: string;
  object_key: string;
}

/** The course a lesson belongs to (entitlements are per course); 404 when there is no lesson. */
export async function courseOfLesson(db: Queryable, lessonId: string): Promise<string> {
  const { rows } = await db.query<{ course_id: string }>('select course_id from lessons where id = $1', [
    lessonId,
  ]);
  if (!rows[0]) throw new AppError('not_found', 'no such lesson');
  return rows[0].course_id;
}

export async function loadVideo(db: Queryable, lessonId: string): Promise<LessonVideoRow | undefined> {
  const { rows } = await db.query<LessonVideoRow>('select * from lesson_videos where lesson_id = $1', [
    lessonId,
  ]);
  return rows[0];
}

export async function loadCaptions(db: Queryable, lessonId: string): Promise<CaptionRow[]> {
  const { rows } = await db.query<CaptionRow>(
    'select language, label, object_key from lesson_captions where lesson_id = $1 order by language',
    [lessonId],
  );
  return rows;
}

/**
 * A live-class recording's video waits in `uploading` for the media service's file. The longest
 * recording is 4 hours (`MEDIA_RECORDING_MAX_MS` at most); past that and an upload's margin the
 * file is not coming (the media process stopped during the class).
 */
export const RECORDING_ARRIVAL_LIMIT_MS = 5 * 3600_000;

/** The row, marked failed first when it is a recording that never arrived. */
export async function expireLostRecording(db: Queryable, row: LessonVideoRow): Promise<LessonVideoRow> {
  if (
    row.status !== 'uploading' ||
    Date.now() - new Date(row.updated_at).getTime() < RECORDING_ARRIVAL_LIMIT_MS
  )
    return row;
  const { rows } = await db.query<LessonVideoRow>(
    `update lesson_videos set status = 'failed', updated_at = now(),
       failure_reason = 'the recording never arrived (the media server stopped during the class)'
     where lesson_id = $1 and version = $2 and status = 'uploading' returning *`,
    [row.lesson_id, row.version],
  );
  return rows[0] ?? row;
}

/** The job id of one upload of one lesson (BullMQ ids may not contain ':'). */
export const transcodeJobId = (lessonId: string, version: string) => `transcode-${lessonId}-${version}`;

export function toLessonVideo(
  row: LessonVideoRow,
  captions: CaptionRow[],
  forInstructor: boolean,
): LessonVideo {
  return {
    lessonId: row.lesson_id,
    status: row.status,
    stage: row.stage,
    percent: row.percent,
    // The reason is for the instructor; learners only learn that it is not available.
    failureReason: forInstructor ? row.failure_reason : null,
    playable: row.published_version !== null,
    durationSeconds: row.duration_seconds,
    renditions: row.renditions,
    captions: captions.map((c) => ({ language: c.language, label: c.label })),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
