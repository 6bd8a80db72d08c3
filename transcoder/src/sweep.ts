import type { S3Client } from '@aws-sdk/client-s3';
import { deletePrefix, removeGarbage, type Db } from '@learnlive/common';

// The tables swept here are the API's (a shared schema, ARCHITECTURE.md); every query runs
// against its migrations in apiSchema.int.test.ts.

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

/**
 * How old a `media_garbage` record must be before the sweeper removes it. Whoever records it (a
 * publishing worker, the API taking a re-upload) normally removes it right away; the grace keeps
 * every sweeper out of its way, so only a record left behind (a crash, storage failed) is swept.
 */
export const MEDIA_GARBAGE_GRACE_MS = 60_000;

/**
 * Removes the files under `media_garbage` prefixes older than `graceMs` (media a re-upload
 * superseded that whoever recorded it did not remove), then their records. Safe on every worker at once:
 * deleting twice is harmless.
 */
export async function sweepMediaGarbage(
  db: Db,
  s3: S3Client,
  bucket: string,
  { graceMs = MEDIA_GARBAGE_GRACE_MS, batch = 100 }: { graceMs?: number; batch?: number } = {},
): Promise<string[]> {
  const { rows } = await db.query<{ prefix: string }>(
    `select prefix from media_garbage where created_at <= now() - $1::int * interval '1 millisecond'
       order by created_at limit $2`,
    [graceMs, batch],
  );
  for (const { prefix } of rows) await removeGarbage(db, s3, bucket, prefix);
  return rows.map((row) => row.prefix);
}
