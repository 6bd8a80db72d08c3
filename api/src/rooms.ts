import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, signToken, type Queryable } from '@learnlive/common';
import {
  RoomKindSchema,
  RoomTokenResponseSchema,
  type RoomKind,
  type RoomRole,
  type RoomTokenClaims,
} from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser, type AuthUser } from './auth/middleware.js';
import { authenticatedRoute } from './auth/authenticatedRoute.js';
import type { ApiContext } from './context.js';
import { courseAccess } from './entitlements.js';
import { jsonBody } from './responses.js';

/** What a resolver grants: the role in the room, and optionally a shorter token lifetime. */
export interface RoomGrant {
  role: RoomRole;
  /** Defaults to ROOM_TOKEN_TTL. */
  ttlSeconds?: number;
}

/**
 * Decides whether `user` may join room `${kind}:${id}` and with which role. Throws AppError
 * `not_found` (no such room, or not visible) or `forbidden` (visible, not entitled).
 */
export type RoomResolver = (user: AuthUser, id: string) => Promise<RoomGrant>;

/**
 * Who decides each kind of room, one entry per kind so a new kind does not compile without its
 * decision; null: the API issues no token for that kind (404). Built once at start-up from the
 * domains that own the rooms (`registerRoutes`) and passed to `roomRoutes`.
 */
export type RoomResolvers = { readonly [K in RoomKind]: RoomResolver | null };

/** `course:<courseId>`, the course's community: its learners as members, its instructor and admins moderate. */
export function courseRoomResolver(db: Queryable): RoomResolver {
  return async (user, courseId) => {
    const access = await courseAccess(db, user, courseId);
    if (access === 'none') throw new AppError('forbidden', 'enroll in this course to join its community');
    return { role: access === 'learner' ? 'member' : 'moderator' };
  };
}

const token = authenticatedRoute({
  method: 'post',
  path: '/api/rooms/{room}/token',
  tags: ['rooms'],
  summary: 'A short-lived token naming a realtime/media room and the caller’s role in it',
  request: { params: z.object({ room: z.string().regex(/^[a-z]+:[\w-]+$/, 'a room id like course:<id>') }) },
  responses: { 200: jsonBody(RoomTokenResponseSchema, 'Token') },
  errors: [403, 404],
});

export function roomRoutes(app: OpenAPIHono, ctx: ApiContext, resolvers: RoomResolvers): void {
  app.openapi(token, async (c) => {
    const { room } = c.req.valid('param');
    const user = currentUser(c);
    const separator = room.indexOf(':');
    const kind = RoomKindSchema.safeParse(room.slice(0, separator));
    const id = room.slice(separator + 1);
    const resolver = kind.success ? resolvers[kind.data] : null;
    if (!kind.success || !resolver) throw new AppError('not_found', 'no such kind of room');
    // course, live and mentor rooms are keyed by uuids; anything else cannot exist
    if (!z.uuid().safeParse(id).success) throw new AppError('not_found', 'no such room');
    const grant = await resolver(user, id);
    const ttl = grant.ttlSeconds ?? ctx.config.auth.roomTokenTtlSeconds;
    const claims: RoomTokenClaims = {
      typ: 'room',
      sub: user.id,
      name: user.name,
      room,
      kind: kind.data,
      role: grant.role,
      // The media service cuts the peer once the API records a newer generation (a revocation).
      gen: user.gen,
    };
    return c.json(
      {
        token: signToken(claims, ctx.config.jwtSecret, ttl),
        room,
        role: grant.role,
        expiresAt: new Date(Date.now() + ttl * 1000).toISOString(),
      },
      200,
    );
  });
}
