import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiContext } from '../context.js';
import { roomResolvers } from '../rooms.js';
import { liveClassRoutes } from './liveClasses/routes.js';
import { LiveClassService } from './liveClasses/service.js';
import { mentoringRoutes } from './mentoring/routes.js';
import { MentoringService } from './mentoring/service.js';
import { liveStreamRoutes } from './liveStreams.js';
import { recordingRoutes } from './recordings.js';

/**
 * Live classes and mentor sessions. Joining either goes through the one room-token endpoint
 * (`POST /api/rooms/{room}/token`): this module only decides who may join and as what.
 */
export function schedulingRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const logger = ctx.logger.child({ module: 'scheduling' });
  const liveClasses = new LiveClassService({
    db: ctx.db,
    logger,
    secret: ctx.config.jwtSecret,
    publicUrl: ctx.config.publicUrl,
  });
  const mentoring = new MentoringService({
    db: ctx.db,
    logger,
    secret: ctx.config.jwtSecret,
    minNoticeMs: ctx.config.scheduling.bookingChangeMinMs,
    publicUrl: ctx.config.publicUrl,
  });
  roomResolvers.live = (_ctx, user, id) => liveClasses.roomGrant(user, id);
  roomResolvers.mentor = (_ctx, user, id) => mentoring.roomGrant(user, id);
  liveClassRoutes(app, liveClasses);
  mentoringRoutes(app, mentoring);
  recordingRoutes(app, ctx, liveClasses);
  liveStreamRoutes(app, ctx);
}
