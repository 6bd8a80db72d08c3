import { createHmac } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError, verifyRoomToken } from '@learnlive/common';
import { LiveStreamTicketSchema } from '@learnlive/contracts';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { jsonBody, jsonRequest, problems } from '../responses.js';
import { signPlayback, verifyPlayback } from '../video/playbackToken.js';

const PREFIX = '/api/live-streams/';
const FILE = /^(index\.m3u8|seg_\d{1,9}\.ts)$/;

const ticket = createRoute({
  method: 'post',
  path: '/api/live-streams',
  tags: ['scheduling'],
  summary:
    'Watch a live class as HLS (passive viewers): trade a live room token for a short-lived playlist URL',
  request: { body: jsonRequest(z.strictObject({ token: z.string().min(1).max(4096) })) },
  responses: {
    200: jsonBody(LiveStreamTicketSchema, 'The playlist URL'),
    400: problems[400],
    401: problems[401],
  },
});

/**
 * Live-to-HLS for passive viewers: the media service writes a class's stream to object storage
 * under `live/<liveClassId>/`; this serves it. Access takes a room token of that live class
 * (the API's entitlement decision, as for joining), traded for a ticket that sits in the path
 * so the playlist's relative segment names carry it.
 */
export function liveStreamRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const key = createHmac('sha256', ctx.config.jwtSecret).update('learnlive live stream v1').digest();
  const ttl = ctx.config.lessons.playbackTtlSeconds;
  const bucket = ctx.config.storage.bucket;

  app.openapi(ticket, async (c) => {
    const claims = verifyRoomToken(c.req.valid('json').token, ctx.config.jwtSecret);
    const id = claims.room.slice('live:'.length);
    if (claims.kind !== 'live' || !z.uuid().safeParse(id).success)
      throw new AppError('bad_request', 'only live classes are streamed');
    const expires = Math.floor(Date.now() / 1000) + ttl;
    const signed = signPlayback(key, { l: id, v: 'live', u: claims.sub, e: expires });
    return c.json(
      {
        playlistUrl: `${PREFIX}${signed}/index.m3u8`,
        expiresAt: new Date(expires * 1000).toISOString(),
      },
      200,
    );
  });

  app.get(`${PREFIX}:ticket/:file`, async (c) => {
    const claims = verifyPlayback(key, c.req.param('ticket'), Math.floor(Date.now() / 1000));
    if (!claims || claims.v !== 'live')
      throw new AppError('forbidden', 'the stream link is not valid or has expired');
    const file = c.req.param('file');
    if (!FILE.test(file)) throw new AppError('not_found', 'no such stream file');
    let object;
    try {
      object = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `live/${claims.l}/${file}` }));
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || status === 403) throw new AppError('not_found', 'the stream has not started');
      throw err;
    }
    const playlist = file.endsWith('.m3u8');
    return c.body(object.Body!.transformToWebStream(), 200, {
      'content-type': playlist ? 'application/vnd.apple.mpegurl' : 'video/mp2t',
      // The playlist slides every segment; segments never change. Never shared caches: the URL is a credential.
      'cache-control': playlist ? 'no-cache' : 'private, max-age=60',
    });
  });
}
