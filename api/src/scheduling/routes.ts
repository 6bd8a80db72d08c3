import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiContext } from '../context.js';
import { roomResolvers } from '../rooms.js';
import { liveClassRoutes, liveRoomResolver } from './liveClasses.js';
import { mentorRoomResolver, mentoringRoutes } from './mentoring.js';
import { liveStreamRoutes } from './liveStreams.js';
import { recordingRoutes } from './recordings.js';

/**
 * Live classes and mentor sessions. Joining either goes through the one room-token endpoint
 * (`POST /api/rooms/{room}/token`): this module only decides who may join and as what.
 */
export function schedulingRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  roomResolvers.live = liveRoomResolver;
  roomResolvers.mentor = mentorRoomResolver;
  liveClassRoutes(app, ctx);
  mentoringRoutes(app, ctx);
  recordingRoutes(app, ctx);
  liveStreamRoutes(app, ctx);
}
