import type { S3Client } from '@aws-sdk/client-s3';
import { recordGarbage, removeGarbage, type Db } from '@learnlive/common';
import type { LessonVideoStatus, Rendition, TranscodeStage } from '@learnlive/contracts';

/**
 * The transcoder's view of `lesson_videos` (the API's migrations own the table: a shared schema,
 * ARCHITECTURE.md; every query here runs against those migrations in `apiSchema.int.test.ts`).
 */
export interface LessonVideoRow {
  lesson_id: string;
  instructor_id: string;
  status: LessonVideoStatus;
  version: string;
  attempts: number;
}

export class LessonVideoStore {
  constructor(private readonly db: Db) {}

  async get(lessonId: string): Promise<LessonVideoRow | undefined> {
    const { rows } = await this.db.query<LessonVideoRow>(
      'select lesson_id, instructor_id, status, version, attempts from lesson_videos where lesson_id = $1',
      [lessonId],
    );
    return rows[0];
  }

  /** Marks this version processing. False: the row is gone or belongs to a newer upload. */
  async start(lessonId: string, version: string): Promise<boolean> {
    const res = await this.db.query(
      `update lesson_videos set status = 'processing', attempts = attempts + 1, stage = 'downloading',
         percent = 0, failure_reason = null, updated_at = now()
       where lesson_id = $1 and version = $2 and status <> 'ready'`,
      [lessonId, version],
    );
    return res.rowCount > 0;
  }

  /** Records progress; false when the lesson was deleted or re-uploaded (the job should stop). */
  async progress(
    lessonId: string,
    version: string,
    stage: TranscodeStage,
    percent: number,
  ): Promise<boolean> {
    const res = await this.db.query(
      `update lesson_videos set stage = $3, percent = $4, updated_at = now()
       where lesson_id = $1 and version = $2`,
      [lessonId, version, stage, percent],
    );
    return res.rowCount > 0;
  }

  async fail(lessonId: string, version: string, reason: string): Promise<void> {
    await this.db.query(
      `update lesson_videos set status = 'failed', failure_reason = $3, stage = null, percent = null,
         updated_at = now()
       where lesson_id = $1 and version = $2`,
      [lessonId, version, reason],
    );
  }

  /**
   * The one step that makes a ladder visible: status, prefix and metadata change together, and
   * learners switch from the ladder published before (a re-upload's predecessor) to this one.
   * False when the row no longer names this version (deleted or re-uploaded meanwhile);
   * otherwise the prefix of the ladder it replaced, recorded in `media_garbage` in the same
   * transaction: the caller removes its files and record with `removeGarbage` (the sweeper does it
   * if the caller never gets there).
   */
  async publish(
    lessonId: string,
    version: string,
    published: {
      prefix: string;
      durationSeconds: number;
      renditions: Rendition[];
      hasPoster: boolean;
      hasStoryboard: boolean;
    },
  ): Promise<{ replacedPrefix: string | null } | false> {
    return this.db.transaction(async (tx) => {
      const before = await tx.query<{ published_version: string | null; hls_prefix: string | null }>(
        `select published_version, hls_prefix from lesson_videos
         where lesson_id = $1 and version = $2 for update`,
        [lessonId, version],
      );
      if (!before.rows[0]) return false;
      const res = await tx.query(
        `update lesson_videos set status = 'ready', hls_prefix = $3, published_version = $2,
           duration_seconds = $4,
           renditions = $5::jsonb, has_poster = $6, has_storyboard = $7, stage = null, percent = 100,
           failure_reason = null, updated_at = now()
         where lesson_id = $1 and version = $2`,
        [
          lessonId,
          version,
          published.prefix,
          published.durationSeconds,
          JSON.stringify(published.renditions),
          published.hasPoster,
          published.hasStoryboard,
        ],
      );
      if (res.rowCount === 0) return false;
      // Progress percentages and completion (95% of unique seconds) need the real length.
      await tx.query('update lessons set duration_seconds = $2, updated_at = now() where id = $1', [
        lessonId,
        Math.round(published.durationSeconds),
      ]);
      const { published_version: replaced, hls_prefix: replacedPrefix } = before.rows[0];
      if (replaced === null || replaced === version || replacedPrefix === null) {
        return { replacedPrefix: null };
      }
      await recordGarbage(tx, [replacedPrefix]);
      return { replacedPrefix };
    });
  }

  /** Removes the files under a `media_garbage` prefix, then its record (left if the delete fails). */
  async removeGarbage(s3: S3Client, bucket: string, prefix: string): Promise<void> {
    await removeGarbage(this.db, s3, bucket, prefix);
  }
}
