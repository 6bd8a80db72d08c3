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
  /**
   * The user's token generation when issued: the API refuses the token once it changed (sign-out
   * everywhere, password or role change, ban). @default 0
   */
  gen: z.number().int().min(0).optional(),
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
  /**
   * The user's token generation when issued (the access token's `gen`): the media service cuts
   * the peer once the API records a newer one (sign-out everywhere, password or role change,
   * ban). @default 0
   */
  gen: z.number().int().min(0).optional(),
});
export type RoomTokenClaims = z.infer<typeof RoomTokenClaimsSchema>;

/**
 * Claims of a recording token: the API checked that `sub` teaches the live class `room`, made
 * lesson `lessonId` with a video row awaiting its source, and names where the recording goes.
 * The media service records only for the same user in the same room, and writes only `sourceKey`.
 */
export const RecordingTokenClaimsSchema = z.object({
  typ: z.literal('recording'),
  sub: z.string().min(1),
  room: z.string().regex(/^live:[\w-]+$/, 'must be live:id'),
  lessonId: z.string().min(1),
  /** The lesson video's version (names the transcode job and the HLS prefix). */
  version: z.string().regex(/^[\w-]{1,64}$/),
  /** Object key the recorded file is uploaded to. */
  sourceKey: z.string().regex(/^lessons\/[\w-]+\/original\/[\w-]+$/),
});
export type RecordingTokenClaims = z.infer<typeof RecordingTokenClaimsSchema>;
