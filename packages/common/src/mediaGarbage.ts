import type { S3Client } from '@aws-sdk/client-s3';
import type { Queryable } from './db/index.js';
import { deletePrefix } from './storage.js';

/**
 * Records object-storage prefixes that must go in `media_garbage` (the API's migrations 103 and
 * 104; the API and the transcoder share it: ARCHITECTURE.md, "Shared schema", tested against
 * those migrations in transcoder/src/apiSchema.int.test.ts). Call it in the transaction that stops referencing them, so a crash after the commit
 * cannot forget them; then `removeGarbage` each after the commit.
 */
export async function recordGarbage(tx: Queryable, prefixes: readonly string[]): Promise<void> {
  if (prefixes.length === 0) return;
  await tx.query('insert into media_garbage (prefix) select unnest($1::text[]) on conflict do nothing', [
    prefixes,
  ]);
}

/**
 * Removes the objects under a recorded prefix, then its record. If the delete fails the record
 * stays (and this throws): the transcoder's sweeper (`sweepMediaGarbage`) retries later.
 */
export async function removeGarbage(
  db: Queryable,
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<void> {
  await deletePrefix(s3, bucket, prefix);
  await db.query('delete from media_garbage where prefix = $1', [prefix]);
}
