import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiContext } from './context.js';
import { authRoutes } from './auth/routes.js';
import { roomRoutes } from './rooms.js';
import { courseRoutes } from './courses/routes.js';
import { enrollmentRoutes } from './courses/enrollmentRoutes.js';
import { progressRoutes } from './progress/routes.js';
import { paymentRoutes } from './payments/routes.js';
import { videoRoutes } from './video/routes.js';
import { schedulingRoutes } from './scheduling/routes.js';

/** A feature's routes: registers them on the app. */
export type RouteModule = (app: OpenAPIHono, ctx: ApiContext) => void;

/** Every feature of the API, mounted in this order. Add one import and one entry per feature. */
export const routeModules: RouteModule[] = [
  authRoutes,
  roomRoutes,
  courseRoutes,
  enrollmentRoutes,
  progressRoutes,
  paymentRoutes,
  schedulingRoutes,
  videoRoutes,
];
