import type { Redis } from 'ioredis';
import { announceLeft, evictLocal, type RealtimeContext } from './handlers.js';

/**
 * What a node does on its own while it runs: presence heartbeats (announcing the people of
 * dead nodes it sweeps), coalesced presence counts, the typing throttle's cleanup, evictions
 * asked by other nodes, and a resync of its rooms after its Redis subscription comes back.
 */

/**
 * Starts the node's timers; `pendingCounts` is what `ctx.announceCount` collects (one
 * `presence:count` per big room per second). Returns them for `close`.
 */
export function startLoops(ctx: RealtimeContext, pendingCounts: Map<string, number>): NodeJS.Timeout[] {
  const { io, config, log } = ctx;
  /** Refreshes this node's presence; the people of dead nodes it swept are announced gone. */
  const heartbeat = () =>
    void ctx.presence.heartbeat().then(
      (gone) => {
        for (const g of gone) for (const userId of g.userIds) announceLeft(ctx, g.room, userId, g.count);
      },
      (err: unknown) => log.warn({ err: String(err) }, 'presence heartbeat failed'),
    );
  const timers = [
    setInterval(() => {
      for (const [room, count] of pendingCounts) io.to(room).emit('presence:count', { room, count });
      pendingCounts.clear();
    }, 1_000),
    setInterval(() => {
      heartbeat();
      // Typing throttle entries are only useful for one throttle period.
      const stale = Date.now() - config.limits.typingThrottleMs;
      for (const [key, at] of ctx.typingAt) if (at < stale) ctx.typingAt.delete(key);
    }, config.presence.heartbeatMs),
  ];
  heartbeat(); // lists this node at once; it may also sweep a dead one, announced as any other
  return timers;
}

/**
 * Broadcasts published while this node's subscription was down are lost to its clients: once
 * it is back, tell each local room its last offset and revision so clients behind catch up.
 */
export function resyncAfterResubscribe(ctx: RealtimeContext, sub: Redis): void {
  let subscriberLost = false;
  sub.on('end', () => (subscriberLost = true));
  sub.on('close', () => (subscriberLost = true));
  sub.on('ready', () => {
    if (!subscriberLost) return;
    subscriberLost = false;
    setTimeout(() => void syncLocalRooms(ctx), ctx.config.resyncDelayMs).unref();
  });
}

async function syncLocalRooms(ctx: RealtimeContext): Promise<void> {
  for (const room of ctx.io.of('/').adapter.rooms.keys()) {
    if (!/^(course|live|mentor|dm):/.test(room)) continue;
    try {
      const { lastOffset, lastRev } = await ctx.messages.roomState(room);
      ctx.io.local.to(room).emit('room:sync', { room, lastOffset, lastRev });
    } catch (err) {
      ctx.log.warn({ err: String(err), room }, 'room sync failed');
    }
  }
}

/** A kick or ban on another node: this node's sockets of that person leave the room too. */
export function serveEvictions(ctx: RealtimeContext): void {
  ctx.io.on('moderation:evict', ({ room, userId, reason }) => {
    evictLocal(ctx, room, userId, reason).catch((err: unknown) =>
      ctx.log.error({ err, room, userId }, 'eviction failed'),
    );
  });
}
