import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiContext } from './context.js';
import { authRoutes } from './auth/routes.js';
import { courseRoomResolver, roomRoutes, type RoomResolvers } from './rooms.js';
import { courseRoutes } from './courses/routes.js';
import { enrollmentRoutes } from './courses/enrollmentRoutes.js';
import { lessonRoutes } from './courses/lessonRoutes.js';
import { progressRoutes } from './progress/routes.js';
import { paymentRoutes } from './payments/routes.js';
import { videoRoutes } from './video/routes.js';
import { createScheduling } from './scheduling/routes.js';

/**
 * Mounts every feature of the API, in this order. A domain whose decisions another needs (who
 * may join which room) is built once here and handed to the routes that use it.
 */
export function registerRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const scheduling = createScheduling(ctx);
  const rooms: RoomResolvers = {
    course: courseRoomResolver(ctx.db),
    live: scheduling.rooms.live,
    mentor: scheduling.rooms.mentor,
    // Direct messages: no token from the API (404).
    dm: null,
  };
  authRoutes(app, ctx);
  roomRoutes(app, ctx, rooms);
  courseRoutes(app, ctx);
  enrollmentRoutes(app, ctx);
  lessonRoutes(app, ctx);
  progressRoutes(app, ctx);
  paymentRoutes(app, ctx);
  scheduling.register(app);
  videoRoutes(app, ctx);
}
