import { z } from 'zod';
import type { LessonProgressEvent } from './lessons.js';
import type { AccessTokenClaims, RoomRole } from './auth.js';
import type { AckCallback } from './errors.js';
import type { ProgressUpdatedEvent } from './api.js';

/**
 * The realtime layer's socket.io contract (chat, presence, progress sync, moderation). The server
 * is `Server<RealtimeClientToServer, RealtimeServerToClient, RealtimeInterServer, RealtimeSocketData>`
 * and the browser `io<RealtimeServerToClient, RealtimeClientToServer>()`. Every client event
 * takes one payload object and an ack (`{ ok: true, data } | { ok: false, error }`).
 */

/** Limits the server enforces; also used by the browser to refuse early. */
export const CHAT_LIMITS = {
  /** Characters in one message. @default 2000 */
  maxTextLength: 2000,
  /** Characters in a report or moderation reason. @default 500 */
  maxReasonLength: 500,
  /** Messages per history page. @default 100 */
  maxHistoryPage: 100,
} as const;

export const RoomIdSchema = z.string().regex(/^(course|live|mentor|dm):[\w-]{1,100}$/, 'must be kind:id');
const MessageId = z.string().regex(/^\d{1,18}$/, 'must be a message id');
/**
 * A string the server stores: PostgreSQL's text and jsonb refuse the NUL character, and a send
 * that reached the database with one would fail its whole group-committed batch (other people's
 * messages too) instead of its own ack.
 */
const Stored = () => z.string().refine((s) => !s.includes('\u0000'), 'must not contain the NUL character');
const UserId = Stored().min(1).max(200);
const Reason = Stored().trim().max(CHAT_LIMITS.maxReasonLength);
/** One emoji or short shortcode, e.g. 👍 or :+1:. */
const Emoji = Stored().min(1).max(32);
const MessageText = Stored().trim().min(1, 'is empty').max(CHAT_LIMITS.maxTextLength);
/** Room offsets start at 1; 0 means "nothing yet". */
const Offset = z.number().int().min(0);

export const ChatMessageSchema = z.object({
  id: MessageId,
  room: z.string(),
  /** Monotonically increasing per room, without gaps: clients detect loss and duplicates with it. */
  offset: z.number().int().min(1),
  /**
   * The room revision of this message's latest change (its creation, an edit, a reaction, its
   * deletion). Every change in a room takes the room's next revision, gapless and in commit
   * order: a client that holds every revision up to N and rejoins with `sinceRev: N` gets all
   * it missed, edits and reactions included.
   */
  rev: z.number().int().min(1),
  userId: z.string(),
  name: z.string(),
  /** Empty once deleted. */
  text: z.string(),
  /** The message this one answers (one level: replies to replies are refused). */
  replyTo: MessageId.nullable(),
  /** Emoji → ids of the people who reacted. */
  reactions: z.record(z.string(), z.array(z.string())),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deleted: z.boolean(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const PresenceUserSchema = z.object({ userId: z.string(), name: z.string() });
export type PresenceUser = z.infer<typeof PresenceUserSchema>;
/** `users` is omitted above the configured room size: only the count is sent then. */
export const PresenceSchema = z.object({
  room: z.string(),
  count: z.number().int(),
  users: z.array(PresenceUserSchema).optional(),
});
export type Presence = z.infer<typeof PresenceSchema>;

export const RoomStateSchema = z.object({
  room: z.string(),
  /** Seconds a person waits between two messages (0: off). */
  slowModeSeconds: z.number().int().min(0),
  /** Locked: only moderators speak. */
  locked: z.boolean(),
});
export type RoomState = z.infer<typeof RoomStateSchema>;

// ---------------------------------------------------------------- client → server payloads

export const JoinRoomSchema = z.strictObject({
  /** Room token from the API (`POST /api/rooms/{room}/token`). */
  token: z.string().min(1).max(4096),
  /** The last offset the client holds: the ack carries every later message (catch-up). */
  since: Offset.optional(),
  /**
   * The last revision up to which the client holds every change (see `ChatMessage.rev`): the ack
   * also carries the messages at or before `since` that changed after it (edits, reactions,
   * deletions), so a client that rejoins ends up where one that never left is.
   */
  sinceRev: Offset.optional(),
});
export const LeaveRoomSchema = z.strictObject({ room: RoomIdSchema });
export const SendMessageSchema = z.strictObject({
  room: RoomIdSchema,
  text: MessageText,
  replyTo: MessageId.optional(),
  /** Makes a retried send idempotent: the same clientId gets the same id and offset back. */
  clientId: Stored().min(1).max(64).optional(),
});
export const EditMessageSchema = z.strictObject({
  room: RoomIdSchema,
  id: MessageId,
  text: MessageText,
});
export const DeleteMessageSchema = z.strictObject({
  room: RoomIdSchema,
  id: MessageId,
  reason: Reason.optional(),
});
export const ReactSchema = z.strictObject({
  room: RoomIdSchema,
  id: MessageId,
  emoji: Emoji,
  on: z.boolean(),
});
export const TypingSchema = z.strictObject({ room: RoomIdSchema });
export const HistorySchema = z.strictObject({
  room: RoomIdSchema,
  /** Older than this offset (infinite scroll); omitted: the newest page. */
  before: z.number().int().min(1).optional(),
  /** Newer than this offset (catch-up). */
  after: Offset.optional(),
  limit: z.number().int().min(1).max(CHAT_LIMITS.maxHistoryPage).default(50),
});
export const ReportSchema = z.strictObject({ room: RoomIdSchema, id: MessageId, reason: Reason.min(1) });
export const PresenceListSchema = z.strictObject({ room: RoomIdSchema });
export const RefreshSchema = z.strictObject({ token: z.string().min(1).max(4096) });

export const MuteSchema = z.strictObject({
  room: RoomIdSchema,
  userId: UserId,
  seconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600),
  reason: Reason.default(''),
});
export const UnmuteSchema = z.strictObject({
  room: RoomIdSchema,
  userId: UserId,
  reason: Reason.default(''),
});
export const KickSchema = z.strictObject({ room: RoomIdSchema, userId: UserId, reason: Reason.default('') });
export const BanSchema = z.strictObject({
  room: RoomIdSchema,
  userId: UserId,
  /** Omitted: permanent. */
  seconds: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3600)
    .optional(),
  reason: Reason.default(''),
});
export const UnbanSchema = UnmuteSchema;
export const SlowModeSchema = z.strictObject({
  room: RoomIdSchema,
  seconds: z.number().int().min(0).max(3600),
  reason: Reason.default(''),
});
export const LockSchema = z.strictObject({
  room: RoomIdSchema,
  locked: z.boolean(),
  reason: Reason.default(''),
});
export const ModStateSchema = z.strictObject({ room: RoomIdSchema });
export const ReportsQuerySchema = z.strictObject({
  room: RoomIdSchema.optional(),
  status: z.enum(['open', 'resolved', 'dismissed']).default('open'),
  limit: z.number().int().min(1).max(100).default(50),
});
export const ResolveReportSchema = z.strictObject({
  reportId: MessageId,
  status: z.enum(['resolved', 'dismissed']),
  reason: Reason.default(''),
});
export const AuditQuerySchema = z.strictObject({
  room: RoomIdSchema.optional(),
  actorId: UserId.optional(),
  targetId: UserId.optional(),
  /** Entries older than this id (paging). */
  before: MessageId.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const MODERATION_ACTIONS = [
  'mute',
  'unmute',
  'kick',
  'ban',
  'unban',
  'delete',
  'slow_mode',
  'lock',
  'unlock',
  'resolve_report',
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

export const ReportEntrySchema = z.object({
  id: z.string(),
  room: z.string(),
  messageId: z.string(),
  reporterId: z.string(),
  reason: z.string(),
  status: z.enum(['open', 'resolved', 'dismissed']),
  createdAt: z.string(),
  /** The reported message as it is now (deleted: empty text). */
  message: ChatMessageSchema.nullable(),
});
export type ReportEntry = z.infer<typeof ReportEntrySchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  room: z.string(),
  actorId: z.string(),
  action: z.enum(MODERATION_ACTIONS),
  targetId: z.string().nullable(),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
  at: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const ModerationStateSchema = RoomStateSchema.extend({
  mutes: z.array(z.object({ userId: z.string(), until: z.string() })),
  bans: z.array(z.object({ userId: z.string(), until: z.string().nullable(), reason: z.string() })),
});
export type ModerationState = z.infer<typeof ModerationStateSchema>;

/** The schema of each client event's payload: the server validates with these, nothing else. */
export const REALTIME_CLIENT_SCHEMAS = {
  'room:join': JoinRoomSchema,
  'room:leave': LeaveRoomSchema,
  'chat:send': SendMessageSchema,
  'chat:edit': EditMessageSchema,
  'chat:delete': DeleteMessageSchema,
  'chat:react': ReactSchema,
  'chat:typing': TypingSchema,
  'chat:history': HistorySchema,
  'chat:report': ReportSchema,
  'presence:list': PresenceListSchema,
  'auth:refresh': RefreshSchema,
  'mod:mute': MuteSchema,
  'mod:unmute': UnmuteSchema,
  'mod:kick': KickSchema,
  'mod:ban': BanSchema,
  'mod:unban': UnbanSchema,
  'mod:slowMode': SlowModeSchema,
  'mod:lock': LockSchema,
  'mod:state': ModStateSchema,
  'mod:reports': ReportsQuerySchema,
  'mod:resolveReport': ResolveReportSchema,
  'mod:audit': AuditQuerySchema,
} as const;
export type RealtimeClientEvent = keyof typeof REALTIME_CLIENT_SCHEMAS;

export interface JoinReply {
  room: string;
  role: RoomRole;
  /** The room's last offset now. */
  lastOffset: number;
  /** Messages after `since` (when given), in order; `truncated`: more were missed than fit. */
  missed: ChatMessage[];
  truncated: boolean;
  /** Where `missed` came from: the Redis recent cache or PostgreSQL. */
  source: 'cache' | 'database' | 'none';
  /**
   * With `sinceRev`: messages at or before `since` changed after `sinceRev`, as they are now,
   * in revision order; `changesTruncated`: more changed than fit (rejoin from `lastRev`).
   */
  changed: ChatMessage[];
  changesTruncated: boolean;
  /**
   * Once `missed` and `changed` are applied, the client holds every change up to this revision
   * (the room's last one, or the last change included when `changesTruncated`).
   */
  lastRev: number;
  presence: Presence;
  state: RoomState;
}

/** What each client event's ack receives on success. */
export interface RealtimeReplies {
  'room:join': JoinReply;
  'room:leave': { room: string };
  'chat:send': { id: string; offset: number; createdAt: string };
  'chat:edit': ChatMessage;
  'chat:delete': { id: string };
  'chat:react': ChatMessage;
  'chat:typing': { sent: boolean };
  'chat:history': { messages: ChatMessage[]; hasMore: boolean };
  'chat:report': { reportId: string };
  'presence:list': Presence;
  'auth:refresh': { expiresAt: number };
  'mod:mute': { until: string };
  'mod:unmute': { userId: string };
  'mod:kick': { userId: string };
  'mod:ban': { until: string | null };
  'mod:unban': { userId: string };
  'mod:slowMode': RoomState;
  'mod:lock': RoomState;
  'mod:state': ModerationState;
  'mod:reports': { reports: ReportEntry[] };
  'mod:resolveReport': { reportId: string };
  'mod:audit': { entries: AuditEntry[] };
}

export type RealtimePayload<K extends RealtimeClientEvent> = z.input<(typeof REALTIME_CLIENT_SCHEMAS)[K]>;

export type RealtimeClientToServer = {
  [K in RealtimeClientEvent]: (payload: RealtimePayload<K>, ack: AckCallback<RealtimeReplies[K]>) => void;
};

/** Why the server removed a person from a room or closed the connection. */
export type RemovalReason = 'kicked' | 'banned';

/**
 * Why the API ended every access token of an account (it bumped the token generation): the
 * client tries a refresh, which works after a role change and fails after the others.
 */
export type AccessRevocationReason =
  'signed_out_everywhere' | 'password_changed' | 'role_changed' | 'suspended';

export interface RealtimeServerToClient {
  'chat:message': (message: ChatMessage) => void;
  /** An edit or a reaction changed a message. */
  'chat:updated': (message: ChatMessage) => void;
  /** Remove it from view: a moderator or its author deleted it. */
  'chat:deleted': (event: { room: string; id: string; offset: number; rev: number }) => void;
  'chat:typing': (event: { room: string; userId: string; name: string }) => void;
  'presence:joined': (event: { room: string; user: PresenceUser; count: number }) => void;
  'presence:left': (event: { room: string; userId: string; count: number }) => void;
  /** Sent instead of joined/left above the configured room size. */
  'presence:count': (event: { room: string; count: number }) => void;
  'room:state': (state: RoomState) => void;
  /**
   * The room's last offset, sent by a node whose link to the cluster came back (Redis
   * restart): a client behind it catches up (`room:join { since, sinceRev }`, or
   * `chat:history { after }` for messages only).
   */
  'room:sync': (event: { room: string; lastOffset: number; lastRev: number }) => void;
  /** You were muted, unmuted, kicked or banned. */
  'moderation:notice': (event: {
    room: string;
    action: 'mute' | 'unmute' | 'kick' | 'ban';
    until: string | null;
    reason: string;
  }) => void;
  /** The server took this socket out of a room. */
  'room:removed': (event: { room: string; reason: RemovalReason }) => void;
  /** Sent just before the server disconnects a socket whose access token expired. */
  'auth:expired': (event: { reason: 'token_expired' }) => void;
  /**
   * From the API (RealtimePublisher), to `user:<id>`, just before every socket of the account
   * is disconnected on every node: its access tokens were revoked.
   */
  'auth:revoked': (event: { reason: AccessRevocationReason }) => void;
  /** From the API (RealtimePublisher), to `user:<id>` and `course-staff:<courseId>`. */
  'progress:updated': (event: ProgressUpdatedEvent) => void;
  /** From the transcoder (RealtimePublisher), to `user:<instructorId>`: a lesson video's processing stage. */
  'lesson:progress': (event: LessonProgressEvent) => void;
}

/** Between realtime nodes (`io.serverSideEmit`): cluster-wide moderation. */
export interface RealtimeInterServer {
  /** Take every local socket of `userId` out of `room` (kick, ban). */
  'moderation:evict': (event: { room: string; userId: string; reason: RemovalReason }) => void;
}

export interface RealtimeSocketData {
  userId: string;
  name: string;
  role: AccessTokenClaims['role'];
  /** Access token expiry, epoch seconds. */
  exp: number;
  /** The access token's generation (`gen`; 0 when absent): refused once the API revoked it. */
  gen: number;
  /** Rooms joined through a room token, and the role it gave. */
  rooms: Record<string, RoomRole>;
}

/** Rooms every socket of a user is in, and instructors' dashboards. */
export const userRoom = (userId: string) => `user:${userId}`;
export const courseStaffRoom = (courseId: string) => `course-staff:${courseId}`;
