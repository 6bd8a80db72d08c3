import { randomUUID } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, signToken, type Queryable } from '@learnlive/common';
import { LiveRecordingSchema, type RecordingTokenClaims } from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import { jsonBody } from '../responses.js';
import type { LiveClassService } from './liveClasses/service.js';

/** The module recordings go to, created on the course's first recording. */
export const RECORDINGS_MODULE_TITLE = 'Recordings';

const startRecording = authenticatedRoute({
  method: 'post',
  path: '/api/live-classes/{id}/recordings',
  tags: ['scheduling'],
  summary:
    'Prepare a recording of a live class (its instructor): a video lesson awaiting the file, and the token the media service records with',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 201: jsonBody(LiveRecordingSchema, 'The lesson and the recording token') },
  errors: [403, 404],
});

async function recordingsModule(tx: Queryable, courseId: string): Promise<string> {
  const found = await tx.query<{ id: string }>(
    'select id from course_modules where course_id = $1 and title = $2 order by position limit 1',
    [courseId, RECORDINGS_MODULE_TITLE],
  );
  if (found.rows[0]) return found.rows[0].id;
  const { rows } = await tx.query<{ id: string }>(
    `insert into course_modules (course_id, title, position)
     select $1, $2, coalesce(max(position), 0) + 1 from course_modules where course_id = $1
     returning id`,
    [courseId, RECORDINGS_MODULE_TITLE],
  );
  return rows[0]!.id;
}

/**
 * Recording a live class: the API decides who may (the course's instructor, or an admin), makes
 * the lesson the recording becomes, and signs a token naming the room, the lesson's video
 * version and its object key. The media service records and uploads to that key and queues the
 * transcode; until then the video row is `uploading` (the transcoder accepts it from there).
 */
export function recordingRoutes(app: OpenAPIHono, ctx: ApiContext, liveClasses: LiveClassService): void {
  const log = ctx.logger.child({ module: 'recordings' });

  app.openapi(startRecording, async (c) => {
    const { id } = c.req.valid('param');
    const user = currentUser(c);
    const { row, access } = await liveClasses.visible(user, id);
    if (access !== 'instructor' && access !== 'admin')
      throw new AppError('forbidden', 'only the class’s teacher may record it');
    if (row.canceled_at) throw new AppError('forbidden', 'this live class was canceled');
    const version = randomUUID();
    const day = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const title = `Recording: ${row.title} (${day} UTC)`.slice(0, 200);
    const created = await ctx.db.transaction(async (tx) => {
      // One course at a time: concurrent recordings must not make two "Recordings" modules.
      await tx.query('select 1 from courses where id = $1 for update', [row.course_id]);
      const moduleId = await recordingsModule(tx, row.course_id);
      const lesson = await tx.query<{ id: string }>(
        `insert into lessons (course_id, module_id, title, kind, position)
         select $1, $2, $3, 'video', coalesce(max(position), 0) + 1 from lessons where module_id = $2
         returning id`,
        [row.course_id, moduleId, title],
      );
      const lessonId = lesson.rows[0]!.id;
      const sourceKey = `lessons/${lessonId}/original/${version}`;
      await tx.query(
        `insert into lesson_videos (lesson_id, instructor_id, status, version, source_key)
         values ($1, $2, 'uploading', $3, $4)`,
        [lessonId, user.id, version, sourceKey],
      );
      return { lessonId, moduleId, sourceKey };
    });
    const ttl = ctx.config.auth.roomTokenTtlSeconds;
    const claims: RecordingTokenClaims = {
      typ: 'recording',
      sub: user.id,
      room: `live:${id}`,
      lessonId: created.lessonId,
      version,
      sourceKey: created.sourceKey,
    };
    log.info({ liveClassId: id, lessonId: created.lessonId, userId: user.id }, 'recording prepared');
    return c.json(
      {
        lessonId: created.lessonId,
        moduleId: created.moduleId,
        title,
        token: signToken(claims, ctx.config.jwtSecret, ttl),
        expiresAt: new Date(Date.now() + ttl * 1000).toISOString(),
      },
      201,
    );
  });
}
