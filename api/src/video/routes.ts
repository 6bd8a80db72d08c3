import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, deletePrefix } from '@learnlive/common';
import { CaptionLanguageSchema, LessonVideoSchema, PlaybackSchema } from '@learnlive/contracts';
import type { Context } from 'hono';
import { z } from 'zod';
import { currentUser, requireUser, type AuthUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import { courseAccess } from '../entitlements.js';
import { jsonBody, jsonRequest, noContent } from '../responses.js';
import {
  courseOfLesson,
  expireLostRecording,
  loadCaptions,
  loadVideo,
  toLessonVideo,
  transcodeJobId,
} from './lessonVideoRows.js';
import { playbackKey, signPlayback, verifyPlayback } from './playbackToken.js';
import { acceptedType, createUploadServer, UPLOADS_PATH } from './uploads.js';

const tags = ['lesson videos'];
const IdParam = z.object({ id: z.uuid() });

export const UploadIntentRequestSchema = z.strictObject({
  filename: z.string().min(1).max(255),
  size: z.number().int().positive(),
  type: z.string().max(100),
});
export const UploadIntentSchema = z.object({
  /** tus endpoint to create the upload at (metadata: lessonId, filename, filetype). */
  endpoint: z.string(),
  /** PATCH size the client must not exceed (the API's request body limit). */
  chunkBytes: z.number().int(),
  maxBytes: z.number().int(),
});

const uploadIntent = authenticatedRoute({
  method: 'post',
  path: '/api/lessons/{id}/video/upload',
  tags,
  summary: 'Check a file before uploading it (size, type) and learn where and how to upload it',
  roles: ['instructor'],
  request: { params: IdParam, body: jsonRequest(UploadIntentRequestSchema) },
  responses: { 200: jsonBody(UploadIntentSchema, 'Upload with tus') },
  errors: [400, 404, 413],
});
const getVideo = authenticatedRoute({
  method: 'get',
  path: '/api/lessons/{id}/video',
  tags,
  summary: 'State of the lesson video (processing progress; the failure reason for its instructor)',
  request: { params: IdParam },
  responses: { 200: jsonBody(LessonVideoSchema, 'The video') },
  errors: [400, 403, 404],
});
const deleteVideo = authenticatedRoute({
  method: 'delete',
  path: '/api/lessons/{id}/video',
  tags,
  summary: 'Remove the lesson video: its job stops, its files are deleted',
  roles: ['instructor'],
  request: { params: IdParam },
  responses: { 204: noContent },
  errors: [400, 404],
});
const putCaptions = authenticatedRoute({
  method: 'put',
  path: '/api/lessons/{id}/captions/{language}',
  tags,
  summary: 'Upload WebVTT captions for one language (text/vtt body)',
  roles: ['instructor'],
  request: {
    params: z.object({ id: z.uuid(), language: CaptionLanguageSchema }),
    query: z.object({ label: z.string().trim().min(1).max(60).optional() }),
  },
  responses: { 204: noContent },
  errors: [400, 404],
});
const playback = authenticatedRoute({
  method: 'get',
  path: '/api/lessons/{id}/playback',
  tags,
  summary: 'Short-lived signed URLs of the lesson video (entitled learners, the instructor, admins)',
  request: { params: IdParam },
  responses: { 200: jsonBody(PlaybackSchema, 'Signed playback URLs') },
  errors: [400, 403, 404, 409],
});

const MEDIA_PREFIX = '/api/media/';
const MEDIA_PATH = /^[\w-]+(\/[\w-]+)*\.(m3u8|m4s|mp4|jpg|vtt)$/;
const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  vtt: 'text/vtt; charset=utf-8',
};

/**
 * Recorded lesson videos: resumable upload (tus), state and progress, captions, signed playback.
 * Playlists, segments and images are proxied from object storage behind a signed token in the
 * path (object storage is not reachable by browsers in every deployment).
 */
export function videoRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const { db, s3, queue, config } = ctx;
  const log = ctx.logger.child({ module: 'lesson-videos' });
  const bucket = config.storage.bucket;
  const key = playbackKey(config.jwtSecret);
  const callers = new WeakMap<Request, AuthUser>();
  const uploads = createUploadServer(ctx, callers, log);

  const instructorOf = async (user: AuthUser, lessonId: string) => {
    const courseId = await courseOfLesson(db, lessonId);
    const access = await courseAccess(db, user, courseId);
    if (access === 'none') throw new AppError('not_found', 'no such lesson');
    if (access !== 'instructor' && access !== 'admin') {
      throw new AppError('forbidden', 'only the course’s instructor may do this');
    }
  };

  app.openapi(uploadIntent, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    await instructorOf(currentUser(c), id);
    if (body.size > config.lessons.uploadMaxBytes) {
      throw new AppError(
        'payload_too_large',
        `the file is larger than ${config.lessons.uploadMaxBytes} bytes`,
      );
    }
    if (!acceptedType(config.lessons.uploadTypes, body.type || undefined, body.filename)) {
      throw new AppError(
        'validation_failed',
        `files of type ${body.type || 'unknown'} are not accepted; upload a video`,
        {
          fieldErrors: [{ path: 'type', message: `accepted: ${config.lessons.uploadTypes.join(', ')}` }],
        },
      );
    }
    return c.json(
      { endpoint: UPLOADS_PATH, chunkBytes: config.bodyLimitBytes, maxBytes: config.lessons.uploadMaxBytes },
      200,
    );
  });

  // tus: POST creates, HEAD tells the offset (resume), PATCH appends, DELETE abandons.
  const tus = async (c: Context) => {
    await uploads.ready;
    callers.set(c.req.raw, currentUser(c));
    return uploads.server.handleWeb(c.req.raw);
  };
  app.use(UPLOADS_PATH, requireUser('instructor'));
  app.use(`${UPLOADS_PATH}/*`, requireUser('instructor'));
  app.all(UPLOADS_PATH, tus);
  app.all(`${UPLOADS_PATH}/*`, tus);

  app.openapi(getVideo, async (c) => {
    const { id } = c.req.valid('param');
    const courseId = await courseOfLesson(db, id);
    const access = await courseAccess(db, currentUser(c), courseId);
    if (access === 'none') throw new AppError('forbidden', 'enroll in this course first');
    const loaded = await loadVideo(db, id);
    if (!loaded) throw new AppError('not_found', 'no video has been uploaded for this lesson');
    const row = await expireLostRecording(db, loaded);
    const staff = access === 'instructor' || access === 'admin';
    return c.json(toLessonVideo(row, await loadCaptions(db, id), staff), 200);
  });

  app.openapi(deleteVideo, async (c) => {
    const { id } = c.req.valid('param');
    await instructorOf(currentUser(c), id);
    const row = await loadVideo(db, id);
    if (!row) throw new AppError('not_found', 'no video has been uploaded for this lesson');
    // Row first: a running job notices it is gone (and stops) even if the cancel is lost.
    await db.query('delete from lesson_videos where lesson_id = $1', [id]);
    await db.query('delete from lesson_captions where lesson_id = $1', [id]);
    await queue.cancel(transcodeJobId(id, row.version));
    await deletePrefix(s3, bucket, `lessons/${id}/`);
    log.info({ lessonId: id }, 'lesson video deleted');
    return c.body(null, 204);
  });

  app.openapi(putCaptions, async (c) => {
    const { id, language } = c.req.valid('param');
    const { label } = c.req.valid('query');
    await instructorOf(currentUser(c), id);
    const text = await c.req.text();
    if (!/^\uFEFF?WEBVTT(\s|$)/.test(text)) {
      throw new AppError('validation_failed', 'captions must be a WebVTT file (it starts with WEBVTT)');
    }
    const objectKey = `lessons/${id}/captions/${language}.vtt`;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: objectKey,
        Body: text,
        ContentType: 'text/vtt; charset=utf-8',
      }),
    );
    await db.query(
      `insert into lesson_captions (lesson_id, language, label, object_key) values ($1, $2, $3, $4)
       on conflict (lesson_id, language) do update set label = excluded.label, object_key = excluded.object_key`,
      [id, language, label ?? language, objectKey],
    );
    return c.body(null, 204);
  });

  app.openapi(playback, async (c) => {
    const { id } = c.req.valid('param');
    const user = currentUser(c);
    const courseId = await courseOfLesson(db, id);
    // Strangers get 403 here: only this check decides who may get playback URLs.
    if ((await courseAccess(db, user, courseId)) === 'none') {
      throw new AppError('forbidden', 'enroll in this course to watch its lessons');
    }
    const row = await loadVideo(db, id);
    // The published ladder, also while a re-upload is processed.
    if (!row?.published_version) {
      throw new AppError('conflict', 'this lesson video is not ready yet');
    }
    const ttl = config.lessons.playbackTtlSeconds;
    const token = signPlayback(key, {
      l: id,
      v: row.published_version,
      u: user.id,
      e: Math.floor(Date.now() / 1000) + ttl,
    });
    const base = `${MEDIA_PREFIX}${token}/`;
    const captions = await loadCaptions(db, id);
    return c.json(
      {
        lessonId: id,
        courseId,
        masterUrl: `${base}master.m3u8`,
        posterUrl: row.has_poster ? `${base}poster.jpg` : null,
        storyboardUrl: row.has_storyboard ? `${base}storyboard.vtt` : null,
        captions: captions.map((cap) => ({
          language: cap.language,
          label: cap.label,
          url: `${base}captions/${cap.language}.vtt`,
        })),
        durationSeconds: row.duration_seconds ?? 0,
        expiresIn: ttl,
      },
      200,
    );
  });

  app.get(`${MEDIA_PREFIX}:token/*`, async (c) => {
    const token = c.req.param('token');
    const claims = verifyPlayback(key, token, Math.floor(Date.now() / 1000));
    if (!claims) throw new AppError('forbidden', 'the playback link is not valid or has expired');
    const rest = c.req.path.slice(MEDIA_PREFIX.length + token.length + 1);
    if (!MEDIA_PATH.test(rest)) throw new AppError('not_found', 'no such media file');
    const objectKey = rest.startsWith('captions/')
      ? `lessons/${claims.l}/${rest}`
      : `lessons/${claims.l}/hls/${claims.v}/${rest}`;
    const range = c.req.header('range');
    let object;
    try {
      object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey, Range: range }));
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || status === 403) throw new AppError('not_found', 'no such media file');
      throw err;
    }
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[rest.split('.').pop()!] ?? 'application/octet-stream',
      // Never shared caches: the URL is a credential. Not beyond the token's life.
      'cache-control': `private, max-age=${Math.max(0, Math.min(3600, claims.e - Math.floor(Date.now() / 1000)))}`,
      'accept-ranges': 'bytes',
    };
    if (object.ContentLength !== undefined) headers['content-length'] = String(object.ContentLength);
    if (object.ContentRange) headers['content-range'] = object.ContentRange;
    return c.body(object.Body!.transformToWebStream(), object.ContentRange ? 206 : 200, headers);
  });

  // Jobs of the in-process queue do not survive a restart: put unfinished ones back.
  void db
    .query<{ lesson_id: string; version: string; source_key: string }>(
      `select lesson_id, version, source_key from lesson_videos where status in ('queued', 'processing')`,
    )
    .then(async ({ rows }) => {
      for (const row of rows) {
        await queue.add(
          { type: 'transcode', lessonId: row.lesson_id, sourceKey: row.source_key, version: row.version },
          transcodeJobId(row.lesson_id, row.version),
        );
      }
      if (rows.length) log.info({ count: rows.length }, 'unfinished lesson videos queued again');
    })
    .catch((err: unknown) => log.error({ err }, 'unfinished lesson videos not queued again'));
}
