import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiContext } from '../context.js';
import type { RoomResolver } from '../rooms.js';
import { liveClassRoutes } from './liveClasses/routes.js';
import { LiveClassService } from './liveClasses/service.js';
import { mentoringRoutes } from './mentoring/routes.js';
import { MentoringService } from './mentoring/service.js';
import { liveStreamRoutes } from './liveStreams.js';
import { recordingRoutes } from './recordings.js';

/** Scheduling, built once: its routes, and who may join its rooms and as what. */
export interface Scheduling {
  register(app: OpenAPIHono): void;
  /** `live:<liveClassId>` and `mentor:<bookingId>`, for the room-token endpoint. */
  rooms: { live: RoomResolver; mentor: RoomResolver };
}

/**
 * Live classes and mentor sessions. Joining either goes through the one room-token endpoint
 * (`POST /api/rooms/{room}/token`): this module only decides who may join and as what.
 */
export function createScheduling(ctx: ApiContext): Scheduling {
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
  return {
    register(app) {
      liveClassRoutes(app, liveClasses);
      mentoringRoutes(app, mentoring);
      recordingRoutes(app, ctx, liveClasses);
      liveStreamRoutes(app, ctx);
    },
    rooms: {
      live: (user, id) => liveClasses.roomGrant(user, id),
      mentor: (user, id) => mentoring.roomGrant(user, id),
    },
  };
}
