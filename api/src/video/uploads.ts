import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FileStore } from '@tus/file-store';
import { Server as TusServer, type Upload } from '@tus/server';
import { recordGarbage, removeGarbage, type Logger } from '@learnlive/common';
import type { AuthUser } from '../auth/middleware.js';
import type { ApiContext } from '../context.js';
import { courseAccess } from '../entitlements.js';
import { courseOfLesson, loadVideo, transcodeJobId, type LessonVideoRow } from './lessonVideoRows.js';

export const UPLOADS_PATH = '/api/uploads';

/** An upload answered with this status and a one-line reason (tus-js-client shows the body). */
function refuse(status: number, body: string): never {
  throw { status_code: status, body };
}

const VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|webm|mkv|avi|mpe?g|ogv)$/i;

/** Whether a declared type (or, when the browser declares none, the file name) may be uploaded. */
export function acceptedType(
  allowed: readonly string[],
  type: string | undefined,
  filename: string | undefined,
) {
  if (type) return allowed.includes(type.toLowerCase());
  return VIDEO_EXTENSIONS.test(filename ?? '');
}

/**
 * Resumable uploads (tus 1.0) of lesson videos: assembled on the API's disk (resume after a
 * dropped connection or a reload: tus-js-client asks the offset with HEAD and continues), then
 * copied to object storage as the original, recorded as a new version of the lesson's video
 * and queued for transcoding. Only the course's instructor (or an admin) may upload; only the
 * person who created an upload may continue it.
 */
export function createUploadServer(ctx: ApiContext, callers: WeakMap<Request, AuthUser>, log: Logger) {
  const { db, s3, queue, config } = ctx;
  const directory = config.lessons.uploadDir;
  const store = new FileStore({ directory });
  const bucket = config.storage.bucket;
  const callerOf = (req: Request): AuthUser => callers.get(req) ?? refuse(401, 'sign in first');

  const server = new TusServer({
    path: UPLOADS_PATH,
    datastore: store,
    relativeLocation: true,
    maxSize: config.lessons.uploadMaxBytes,
    // The upload's owner is recorded at creation; every later request must come from them.
    onIncomingRequest: async (req, uploadId) => {
      const caller = callerOf(req as unknown as Request);
      if (req.method === 'POST' || !uploadId) return;
      const upload = await store.getUpload(uploadId).catch(() => undefined);
      if (upload && upload.metadata?.userId !== caller.id && caller.role !== 'admin') {
        refuse(403, 'this upload belongs to someone else');
      }
    },
    onUploadCreate: async (req, upload) => {
      const caller = callerOf(req as unknown as Request);
      const meta = upload.metadata ?? {};
      const lessonId = meta.lessonId ?? '';
      if (!/^[0-9a-f-]{36}$/i.test(lessonId)) refuse(400, 'metadata lessonId is required');
      const courseId = await courseOfLesson(db, lessonId).catch(() => refuse(404, 'no such lesson'));
      const access = await courseAccess(db, caller, courseId);
      if (access !== 'instructor' && access !== 'admin')
        refuse(403, 'only the course’s instructor may upload');
      if (!acceptedType(config.lessons.uploadTypes, meta.filetype ?? undefined, meta.filename ?? undefined)) {
        refuse(415, `files of type ${meta.filetype || 'unknown'} are not accepted; upload a video`);
      }
      if (upload.size !== undefined && upload.size > config.lessons.uploadMaxBytes) {
        refuse(413, `the file is larger than ${config.lessons.uploadMaxBytes} bytes`);
      }
      if (upload.size === 0) refuse(400, 'the file is empty');
      return { metadata: { ...meta, userId: caller.id } };
    },
    onUploadFinish: async (_req, upload) => {
      await promote(upload);
      return {};
    },
  });

  /** The finished upload becomes the lesson's original and a transcode job. */
  async function promote(upload: Upload): Promise<void> {
    const lessonId = upload.metadata!.lessonId!;
    const userId = upload.metadata!.userId!;
    const version = upload.id;
    const sourceKey = `lessons/${lessonId}/original/${version}`;
    const file = join(directory, upload.id);
    await copyToStorage(s3, bucket, sourceKey, file, upload.size ?? upload.offset, {
      ContentType: upload.metadata?.filetype ?? 'application/octet-stream',
      Metadata: { filename: encodeURIComponent(upload.metadata?.filename ?? '') },
    });
    // One transaction: uploads of one lesson take turns (its lesson row is locked, which covers a
    // lesson with no video yet), and what the new version supersedes is recorded by the commit
    // that stops referencing it, so a crash before the deletes below cannot leak it.
    const { replaced, superseded } = await db.transaction(async (tx) => {
      await tx.query('select 1 from lessons where id = $1 for no key update', [lessonId]);
      const previous = await loadVideo(tx, lessonId);
      await tx.query(
        `insert into lesson_videos (lesson_id, instructor_id, status, version, source_key, source_bytes)
         values ($1, $2, 'queued', $3, $4, $5)
         on conflict (lesson_id) do update set instructor_id = excluded.instructor_id, status = 'queued',
           version = excluded.version, source_key = excluded.source_key, source_bytes = excluded.source_bytes,
           stage = null, percent = null, failure_reason = null, attempts = 0, updated_at = now()`,
        [lessonId, userId, version, sourceKey, upload.size ?? upload.offset],
      );
      const replaced = previous && previous.version !== version ? previous : undefined;
      const superseded = replaced ? supersededMedia(replaced) : [];
      await recordGarbage(tx, superseded);
      return { replaced, superseded };
    });
    await queue.add({ type: 'transcode', lessonId, sourceKey, version }, transcodeJobId(lessonId, version));
    log.info({ lessonId, version, bytes: upload.size }, 'lesson video uploaded');
    // The assembled file is now in object storage.
    await store.remove(upload.id).catch((err: unknown) => log.warn({ err }, 'upload file not removed'));
    if (replaced) {
      // The older job stops before its files go.
      await queue.cancel(transcodeJobId(lessonId, replaced.version));
      for (const prefix of superseded) {
        // Left recorded on failure: the transcoder's sweeper retries.
        await removeGarbage(db, s3, bucket, prefix).catch((err: unknown) =>
          log.warn({ err, lessonId, prefix }, 'superseded upload media not removed'),
        );
      }
    }
  }

  return {
    server,
    ready: mkdir(directory, { recursive: true }),
  };
}

/**
 * What a re-upload stops referencing: the older original, and the older upload's ladder unless it
 * is the published one (that stays playable until the new one is published; the transcoder then
 * records and removes it), so only an unpublished ladder's partial files.
 */
function supersededMedia(previous: LessonVideoRow): string[] {
  const garbage = previous.source_key ? [previous.source_key] : [];
  if (previous.published_version !== previous.version) {
    garbage.push(`lessons/${previous.lesson_id}/hls/${previous.version}/`);
  }
  return garbage;
}

/** Above this, originals go up in parts (one PUT is limited to 5 GiB, and parts can be retried). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
const PART_BYTES = 64 * 1024 * 1024;

/**
 * Copies a local file to object storage: one PUT when small, multipart otherwise (the part
 * ETags are kept here: s3rver has no ListParts). A failed part is retried; a failed copy aborts
 * the multipart upload so no parts linger.
 */
export async function copyToStorage(
  s3: S3Client,
  bucket: string,
  key: string,
  file: string,
  size: number,
  extra: { ContentType: string; Metadata: Record<string, string> },
  partBytes = PART_BYTES,
  threshold = MULTIPART_THRESHOLD,
): Promise<void> {
  if (size <= threshold) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: size,
        ...extra,
      }),
    );
    return;
  }
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...extra }),
  );
  try {
    const parts: Array<{ ETag: string; PartNumber: number }> = [];
    for (let start = 0, number = 1; start < size; start += partBytes, number++) {
      const end = Math.min(size, start + partBytes) - 1;
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const res = await s3.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId,
              PartNumber: number,
              Body: createReadStream(file, { start, end }),
              ContentLength: end - start + 1,
            }),
          );
          parts.push({ ETag: res.ETag!, PartNumber: number });
          lastError = undefined;
          break;
        } catch (err) {
          lastError = err;
          await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
        }
      }
      if (lastError) throw lastError;
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (err) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => {});
    throw err;
  }
}
