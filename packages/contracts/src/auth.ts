import { z } from 'zod';

export const USER_ROLES = ['learner', 'instructor', 'mentor', 'admin'] as const;
export const UserRoleSchema = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRoleSchema>;

/** Claims of the short-lived access token the API issues (HS256, `JWT_SECRET`). */
export const AccessTokenClaimsSchema = z.object({
  typ: z.literal('access'),
  /** User id. */
  sub: z.string().min(1),
  role: UserRoleSchema,
  name: z.string(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaimsSchema>;

export const ROOM_KINDS = ['course', 'live', 'mentor', 'dm'] as const;
export const RoomKindSchema = z.enum(ROOM_KINDS);
export type RoomKind = z.infer<typeof RoomKindSchema>;

/** What a person may do in one room (community, live class, mentor session, direct messages). */
export const ROOM_ROLES = [
  'member',
  'learner',
  'speaker',
  'teacher',
  'mentor',
  'mentee',
  'moderator',
] as const;
export const RoomRoleSchema = z.enum(ROOM_ROLES);
export type RoomRole = z.infer<typeof RoomRoleSchema>;

/**
 * Claims of a room token: the API decides entitlement once (enrolled, booked, instructor…)
 * and names the room and the role; the realtime and media layers trust only this token.
 * Room ids are `${kind}:${id}`, e.g. `live:8c1e…`.
 */
export const RoomTokenClaimsSchema = z.object({
  typ: z.literal('room'),
  sub: z.string().min(1),
  name: z.string(),
  room: z.string().regex(/^(course|live|mentor|dm):[\w-]+$/, 'must be kind:id'),
  kind: RoomKindSchema,
  role: RoomRoleSchema,
});
export type RoomTokenClaims = z.infer<typeof RoomTokenClaimsSchema>;
