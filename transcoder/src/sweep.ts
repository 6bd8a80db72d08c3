import type { S3Client } from '@aws-sdk/client-s3';
import type { Db } from '@learnlive/common';
import { deletePrefix } from './objectStore.js';

/**
 * Removes the media (original, ladders, captions) of lessons whose video row was deleted (a
 * trigger leaves a tombstone; deleting a lesson cascades to its video row). A lesson that has a
 * video again (removed, then uploaded anew) keeps its files. Safe on every worker at once:
 * deleting twice is harmless.
 */
export async function sweepDeletedLessons(
  db: Db,
  s3: S3Client,
  bucket: string,
  batch = 100,
): Promise<string[]> {
  const { rows } = await db.query<{ lesson_id: string; revived: boolean }>(
    `select t.lesson_id, exists (select 1 from lesson_videos v where v.lesson_id = t.lesson_id) as revived
       from lesson_media_tombstones t order by t.deleted_at limit $1`,
    [batch],
  );
  const swept: string[] = [];
  for (const row of rows) {
    if (!row.revived) {
      await deletePrefix(s3, bucket, `lessons/${row.lesson_id}/`);
      swept.push(row.lesson_id);
    }
    await db.query('delete from lesson_media_tombstones where lesson_id = $1', [row.lesson_id]);
  }
  return swept;
}
