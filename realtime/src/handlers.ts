import { AppError, verifyAccessToken, verifyRoomToken, type Logger, type RateLimit } from '@learnlive/common';
import type { REALTIME_CLIENT_SCHEMAS } from '@learnlive/contracts';
import {
  courseStaffRoom,
  userRoom,
  type ChatMessage,
  type RealtimeClientEvent,
  type RealtimeClientToServer,
  type RealtimeInterServer,
  type RealtimeReplies,
  type RealtimeServerToClient,
  type RealtimeSocketData,
  type RemovalReason,
  type RoomRole,
} from '@learnlive/contracts';
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';
import type { MessageStore, SendInput, SendResult } from './MessageStore.js';
import type { ModerationStore } from './ModerationStore.js';
import type { GroupCommit } from './GroupCommit.js';
import type { RealtimeConfig } from './config.js';
import type { PresenceStore } from './Presence.js';
import type { RecentCache } from './RecentCache.js';

export type RealtimeServer = Server<
  RealtimeClientToServer,
  RealtimeServerToClient,
  RealtimeInterServer,
  RealtimeSocketData
>;
export type RealtimeSocket = Socket<
  RealtimeClientToServer,
  RealtimeServerToClient,
  RealtimeInterServer,
  RealtimeSocketData
>;

/** Everything a handler may use; one per node. */
export interface RealtimeContext {
  io: RealtimeServer;
  config: RealtimeConfig;
  messages: MessageStore;
  moderation: ModerationStore;
  /** Sends go through here: one transaction per room per batch (`MessageStore.sendBatch`). */
  sends: GroupCommit<SendInput, SendResult>;
  cache: RecentCache;
  presence: PresenceStore;
  /** Chat messages and reactions per person: in Redis across the cluster, else this node's. */
  chatLimiter: RateLimit;
  /** Last typing indicator relayed per `userId\nroom` (throttle). */
  typingAt: Map<string, number>;
  /** Whether other nodes exist to tell (serverSideEmit needs a cluster adapter). */
  clustered: boolean;
  /** Coalesces presence counts of big rooms into one event per room per second. */
  announceCount(room: string, count: number): void;
  /** (Re)arms the timer that disconnects the socket when its access token expires. */
  armExpiry(socket: RealtimeSocket): void;
  /** Whether the API revoked this token generation of the user (`TokenGenerations`). */
  isRevoked(userId: string, generation: number): Promise<boolean>;
  log: Logger;
}

type Input<K extends RealtimeClientEvent> = z.output<(typeof REALTIME_CLIENT_SCHEMAS)[K]>;
export type Handler<K extends RealtimeClientEvent> = (
  ctx: RealtimeContext,
  socket: RealtimeSocket,
  input: Input<K>,
) => Promise<RealtimeReplies[K]>;

/** Room roles that moderate their room (instructors in their course, mentors in their session). */
const MODERATOR_ROLES: ReadonlySet<RoomRole> = new Set(['moderator', 'teacher', 'mentor']);

function joinedRole(socket: RealtimeSocket, room: string): RoomRole {
  const role = socket.data.rooms[room];
  if (!role) throw new AppError('forbidden', 'join the room first');
  return role;
}

const isAdmin = (socket: RealtimeSocket) => socket.data.role === 'admin';

function isModerator(socket: RealtimeSocket, room: string): boolean {
  const role = socket.data.rooms[room];
  return isAdmin(socket) || (role !== undefined && MODERATOR_ROLES.has(role));
}

function requireModerator(socket: RealtimeSocket, room: string): void {
  if (!isModerator(socket, room)) throw new AppError('forbidden', 'only moderators of this room can do that');
}

/** Joined, or an admin (who may read and moderate any room from the console). */
function requireReader(socket: RealtimeSocket, room: string): void {
  if (!isAdmin(socket)) joinedRole(socket, room);
}

function moderatedRooms(socket: RealtimeSocket): string[] {
  return Object.keys(socket.data.rooms).filter((room) => isModerator(socket, room));
}

/** Takes a socket out of a room (leave, kick, ban) and tells the room if a person left. */
export async function leaveRoom(
  ctx: RealtimeContext,
  socket: RealtimeSocket,
  room: string,
  removal?: RemovalReason,
): Promise<void> {
  const role = socket.data.rooms[room];
  if (!role) return;
  delete socket.data.rooms[room];
  void socket.leave(room);
  const course = /^course:(.+)$/.exec(room)?.[1];
  if (course && MODERATOR_ROLES.has(role)) void socket.leave(courseStaffRoom(course));
  if (removal) socket.emit('room:removed', { room, reason: removal });
  const change = await ctx.presence.remove(room, socket.id, socket.data.userId);
  if (change.changed) announceLeft(ctx, room, socket.data.userId, change.count);
}

export function announceLeft(ctx: RealtimeContext, room: string, userId: string, count: number): void {
  if (count >= ctx.config.presence.listMax) ctx.announceCount(room, count);
  else ctx.io.to(room).emit('presence:left', { room, userId, count });
}

/** Every local socket of `userId` leaves `room`; the other nodes do the same on their own. */
export async function evictLocal(
  ctx: RealtimeContext,
  room: string,
  userId: string,
  reason: RemovalReason,
): Promise<void> {
  const ids = ctx.io.of('/').adapter.rooms.get(userRoom(userId));
  for (const id of ids ?? []) {
    const socket = ctx.io.of('/').sockets.get(id);
    if (socket) await leaveRoom(ctx, socket, room, reason);
  }
}

async function evictEverywhere(ctx: RealtimeContext, room: string, userId: string, reason: RemovalReason) {
  if (ctx.clustered) ctx.io.serverSideEmit('moderation:evict', { room, userId, reason });
  await evictLocal(ctx, room, userId, reason);
}

function broadcastUpdate(ctx: RealtimeContext, message: ChatMessage): void {
  ctx.io.to(message.room).emit('chat:updated', message);
  ctx.cache.put(message);
}

/** Every client event's handler: a new event in the contract does not compile without one. */
export const handlers: { [K in RealtimeClientEvent]: Handler<K> } = {
  async 'room:join'(ctx, socket, { token, since, sinceRev }) {
    const claims = verifyRoomToken(token, ctx.config.jwtSecret);
    if (claims.sub !== socket.data.userId)
      throw new AppError('forbidden', 'this room token was issued to somebody else');
    const { room } = claims;
    const already = socket.data.rooms[room] !== undefined;
    if (!already && Object.keys(socket.data.rooms).length >= ctx.config.limits.maxRoomsPerSocket)
      throw new AppError(
        'rate_limited',
        `at most ${ctx.config.limits.maxRoomsPerSocket} rooms per connection`,
      );
    const ban = await ctx.moderation.ban(room, socket.data.userId);
    if (ban)
      throw new AppError(
        'forbidden',
        ban.until ? `you are banned from this room until ${ban.until}` : 'you are banned from this room',
      );
    // Join before reading the last offset: anything later arrives live, anything up to it is in
    // `missed`; the overlap (both) is resolved by the client by offset.
    await socket.join(room);
    socket.data.rooms[room] = claims.role;
    const course = /^course:(.+)$/.exec(room)?.[1];
    if (course && MODERATOR_ROLES.has(claims.role)) await socket.join(courseStaffRoom(course));
    const state = await ctx.messages.roomState(room);
    if (!already) {
      // Presence is best-effort (Redis may be away): the join itself must not fail for it.
      const change = await ctx.presence
        .add(room, socket.id, { userId: socket.data.userId, name: socket.data.name })
        .catch(() => ({ changed: false, count: 0 }));
      if (change.changed) {
        if (change.count > ctx.config.presence.listMax) ctx.announceCount(room, change.count);
        else
          socket.to(room).emit('presence:joined', {
            room,
            user: { userId: socket.data.userId, name: socket.data.name },
            count: change.count,
          });
      }
    }
    let missed: ChatMessage[] = [];
    let truncated = false;
    let source: 'cache' | 'database' | 'none' = 'none';
    if (since !== undefined && since < state.lastOffset) {
      const max = ctx.config.limits.catchupMax;
      // The cache holds each message as last put; when changes happened after the client's
      // revision (more revisions than new messages), PostgreSQL has the current versions.
      const onlyNewMessages = sinceRev === undefined || state.lastRev - sinceRev === state.lastOffset - since;
      const cached = onlyNewMessages ? await ctx.cache.after(room, since, state.lastOffset, max) : undefined;
      if (cached) {
        missed = cached;
        source = 'cache';
      } else {
        const page = await ctx.messages.history(room, { after: since, limit: max });
        missed = page.messages;
        truncated = page.hasMore;
        source = 'database';
      }
    }
    // Edits, reactions and deletions of messages the client already holds, after its revision.
    let changed: ChatMessage[] = [];
    let changesTruncated = false;
    let lastRev = state.lastRev;
    if (since !== undefined && sinceRev !== undefined && sinceRev < state.lastRev) {
      const page = await ctx.messages.changedSince(room, since, sinceRev, ctx.config.limits.catchupMax);
      changed = page.messages;
      changesTruncated = page.hasMore;
      if (page.hasMore) lastRev = page.messages.at(-1)!.rev;
    }
    return {
      room,
      role: claims.role,
      lastOffset: state.lastOffset,
      missed,
      truncated,
      source,
      changed,
      changesTruncated,
      lastRev,
      presence: await ctx.presence.list(room, ctx.config.presence.listMax).catch(() => ({ room, count: 0 })),
      state: { room, slowModeSeconds: state.slowModeSeconds, locked: state.locked },
    };
  },

  async 'room:leave'(ctx, socket, { room }) {
    joinedRole(socket, room);
    await leaveRoom(ctx, socket, room);
    return { room };
  },

  async 'chat:send'(ctx, socket, { room, text, replyTo, clientId }) {
    joinedRole(socket, room);
    if (text.length > ctx.config.limits.maxTextLength)
      throw new AppError(
        'payload_too_large',
        `messages are at most ${ctx.config.limits.maxTextLength} characters`,
      );
    if (!(await ctx.chatLimiter.take(socket.data.userId)))
      throw new AppError('rate_limited', 'you are sending messages too fast');
    const { message, duplicate } = await ctx.sends.submit(room, {
      room,
      author: { userId: socket.data.userId, name: socket.data.name, moderator: isModerator(socket, room) },
      text,
      replyTo,
      clientId,
    });
    if (!duplicate) {
      ctx.io.to(room).emit('chat:message', message);
      ctx.cache.put(message);
    }
    return { id: message.id, offset: message.offset, createdAt: message.createdAt };
  },

  async 'chat:edit'(ctx, socket, { room, id, text }) {
    joinedRole(socket, room);
    if (text.length > ctx.config.limits.maxTextLength)
      throw new AppError(
        'payload_too_large',
        `messages are at most ${ctx.config.limits.maxTextLength} characters`,
      );
    const message = await ctx.messages.edit(room, id, socket.data.userId, text);
    broadcastUpdate(ctx, message);
    return message;
  },

  async 'chat:delete'(ctx, socket, { room, id, reason }) {
    requireReader(socket, room);
    const moderator = isModerator(socket, room);
    const message = await ctx.messages.delete(room, id, socket.data.userId, moderator);
    ctx.io.to(room).emit('chat:deleted', { room, id, offset: message.offset, rev: message.rev });
    ctx.cache.put(message);
    if (message.userId !== socket.data.userId)
      await ctx.moderation.auditDelete(socket.data.userId, message, reason ?? '');
    return { id };
  },

  async 'chat:react'(ctx, socket, { room, id, emoji, on }) {
    joinedRole(socket, room);
    if (!(await ctx.chatLimiter.take(socket.data.userId)))
      throw new AppError('rate_limited', 'you are reacting too fast');
    const message = await ctx.messages.react(room, id, socket.data.userId, emoji, on);
    broadcastUpdate(ctx, message);
    return message;
  },

  async 'chat:typing'(ctx, socket, { room }) {
    joinedRole(socket, room);
    const key = `${socket.data.userId}\n${room}`;
    const now = Date.now();
    if (now - (ctx.typingAt.get(key) ?? 0) < ctx.config.limits.typingThrottleMs) return { sent: false };
    ctx.typingAt.set(key, now);
    socket.to(room).emit('chat:typing', { room, userId: socket.data.userId, name: socket.data.name });
    return { sent: true };
  },

  async 'chat:history'(ctx, socket, { room, before, after, limit }) {
    requireReader(socket, room);
    return ctx.messages.history(room, { before, after, limit });
  },

  async 'chat:report'(ctx, socket, { room, id, reason }) {
    joinedRole(socket, room);
    return { reportId: await ctx.moderation.report(room, id, socket.data.userId, reason) };
  },

  async 'presence:list'(ctx, socket, { room }) {
    requireReader(socket, room);
    return ctx.presence.list(room, ctx.config.presence.listMax);
  },

  async 'auth:refresh'(ctx, socket, { token }) {
    const claims = verifyAccessToken(token, ctx.config.jwtSecret);
    if (claims.sub !== socket.data.userId)
      throw new AppError('forbidden', 'the new token belongs to somebody else');
    // An older token of the same user may carry a role the API has since taken away.
    if (await ctx.isRevoked(claims.sub, claims.gen ?? 0))
      throw new AppError('token_expired', 'this access token was revoked; refresh the session');
    socket.data.exp = claims.exp;
    socket.data.gen = claims.gen ?? 0;
    socket.data.role = claims.role;
    ctx.armExpiry(socket);
    return { expiresAt: claims.exp };
  },

  async 'mod:mute'(ctx, socket, { room, userId, seconds, reason }) {
    requireModerator(socket, room);
    const until = await ctx.moderation.mute(socket.data.userId, room, userId, seconds, reason);
    ctx.io.to(userRoom(userId)).emit('moderation:notice', { room, action: 'mute', until, reason });
    return { until };
  },

  async 'mod:unmute'(ctx, socket, { room, userId, reason }) {
    requireModerator(socket, room);
    await ctx.moderation.unmute(socket.data.userId, room, userId, reason);
    ctx.io.to(userRoom(userId)).emit('moderation:notice', { room, action: 'unmute', until: null, reason });
    return { userId };
  },

  async 'mod:kick'(ctx, socket, { room, userId, reason }) {
    requireModerator(socket, room);
    await ctx.moderation.auditKick(socket.data.userId, room, userId, reason);
    ctx.io.to(userRoom(userId)).emit('moderation:notice', { room, action: 'kick', until: null, reason });
    await evictEverywhere(ctx, room, userId, 'kicked');
    return { userId };
  },

  async 'mod:ban'(ctx, socket, { room, userId, seconds, reason }) {
    requireModerator(socket, room);
    const until = await ctx.moderation.addBan(socket.data.userId, room, userId, seconds, reason);
    ctx.io.to(userRoom(userId)).emit('moderation:notice', { room, action: 'ban', until, reason });
    await evictEverywhere(ctx, room, userId, 'banned');
    return { until };
  },

  async 'mod:unban'(ctx, socket, { room, userId, reason }) {
    requireModerator(socket, room);
    await ctx.moderation.unban(socket.data.userId, room, userId, reason);
    return { userId };
  },

  async 'mod:slowMode'(ctx, socket, { room, seconds, reason }) {
    requireModerator(socket, room);
    const state = await ctx.moderation.setRoom(
      socket.data.userId,
      room,
      { slowModeSeconds: seconds },
      reason,
    );
    ctx.io.to(room).emit('room:state', state);
    return state;
  },

  async 'mod:lock'(ctx, socket, { room, locked, reason }) {
    requireModerator(socket, room);
    const state = await ctx.moderation.setRoom(socket.data.userId, room, { locked }, reason);
    ctx.io.to(room).emit('room:state', state);
    return state;
  },

  async 'mod:state'(ctx, socket, { room }) {
    requireModerator(socket, room);
    return ctx.moderation.moderationState(room);
  },

  async 'mod:reports'(ctx, socket, { room, status, limit }) {
    if (room) requireModerator(socket, room);
    const rooms = room ? [room] : isAdmin(socket) ? undefined : moderatedRooms(socket);
    if (rooms && rooms.length === 0) throw new AppError('forbidden', 'you moderate no room');
    return { reports: await ctx.moderation.reports(rooms, status, limit) };
  },

  async 'mod:resolveReport'(ctx, socket, { reportId, status, reason }) {
    const rooms = isAdmin(socket) ? undefined : moderatedRooms(socket);
    if (rooms && rooms.length === 0) throw new AppError('forbidden', 'you moderate no room');
    await ctx.moderation.resolveReport(socket.data.userId, reportId, status, reason, rooms);
    return { reportId };
  },

  async 'mod:audit'(ctx, socket, query) {
    if (!isAdmin(socket)) throw new AppError('forbidden', 'only admins can read the audit log');
    return { entries: await ctx.moderation.auditLog(query) };
  },
};
