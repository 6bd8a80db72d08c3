import { ConfigError, env, parseEnv, type Env } from '@learnlive/common';
import { CHAT_LIMITS } from '@learnlive/contracts';
import { z } from 'zod';

export const realtimeEnvSchema = z.object({
  REALTIME_PORT: env.port(3001),
  REALTIME_HOST: env.host('0.0.0.0'),
  DATABASE_URL: env.url(['postgres', 'postgresql', 'pglite']).default('pglite:./data/pglite'),
  /** Set: the Redis adapter joins every realtime node into one cluster. Unset: one node, in memory. */
  REDIS_URL: env.url(['redis', 'rediss']).optional(),
  /**
   * `pubsub`: classic PUBLISH/PSUBSCRIBE (what the API's `@socket.io/redis-emitter` talks to).
   * `sharded`: Redis 7 SPUBLISH/SSUBSCRIBE with one channel per room, so a node only receives
   * chat traffic for rooms it serves; the emitter's broadcasts (progress events) reach it through
   * one extra classic subscription per node (`src/emitterBridge.ts`).
   */
  REALTIME_REDIS_ADAPTER: z.enum(['pubsub', 'sharded']).default('pubsub'),
  JWT_SECRET: env.secret(),
  /** Origins allowed to open sockets (comma-separated); `*` for any. */
  CORS_ORIGIN: z.string().default('*'),
  /** `ws` forces socket.io's default engine (benchmarks). */
  SOCKET_ENGINE: z.enum(['auto', 'uWebSockets.js', 'ws']).default('auto'),
  /** Largest socket.io packet accepted; bigger ones close the connection (bytes). */
  REALTIME_MAX_PACKET_BYTES: env.int(16 * 1024, 1024, 1024 * 1024),
  /** Chat messages one person may send per window, across all their sockets (all nodes with Redis). */
  CHAT_RATE_MESSAGES: env.int(10, 1),
  CHAT_RATE_WINDOW_MS: env.int(10_000, 100),
  /**
   * Group commit: how long the first message for an idle room waits for others before its
   * transaction starts (ms). Messages arriving while a room's transaction runs go in its next
   * one anyway, so 0 batches under load without delaying a lone message.
   */
  CHAT_COMMIT_WINDOW_MS: env.int(0, 0, 1_000),
  /** Most messages stored in one transaction. */
  CHAT_COMMIT_MAX_BATCH: env.int(256, 1, 10_000),
  /**
   * Rooms share this many commit queues (by a hash of the room): one transaction then stores
   * the pending messages of several rooms, at most this many transactions of sends at once per
   * node. 0: a queue per room.
   */
  CHAT_COMMIT_PARTITIONS: env.int(4, 0, 64),
  /** Events of any kind one socket may send per second (burst of twice that) before errors. */
  SOCKET_EVENTS_PER_SECOND: env.int(30, 1),
  /** One typing indicator per person and room per this many ms is relayed. */
  TYPING_THROTTLE_MS: env.int(2_000, 0),
  /** Rooms one socket may be in at once. */
  MAX_ROOMS_PER_SOCKET: env.int(20, 1),
  /** Characters in a message (at most the contract's maximum). */
  CHAT_MAX_TEXT: env.int(CHAT_LIMITS.maxTextLength, 1, CHAT_LIMITS.maxTextLength),
  /** Messages per room kept in the Redis recent cache for catch-up. */
  RECENT_CACHE_SIZE: env.int(500, 0),
  /** Most messages a reconnecting client receives in its join ack; it pages the rest. */
  CATCHUP_MAX: env.int(500, 1, 5_000),
  /** Presence heartbeat period and entry lifetime: a dead node's people vanish within TTL + period. */
  PRESENCE_HEARTBEAT_MS: env.int(5_000, 100),
  PRESENCE_TTL_MS: env.int(15_000, 300),
  /** Above this many people, presence sends counts only (no names, no join/leave per person). */
  PRESENCE_LIST_MAX: env.int(100, 1),
  /** socket.io connection-state recovery window (in-memory adapter only; 0: off). */
  CONNECTION_RECOVERY_MS: env.int(120_000, 0),
  /** After the Redis subscription comes back, wait this long before telling rooms to resync. */
  REALTIME_RESYNC_DELAY_MS: env.int(500, 0),
  LOG_LEVEL: env.logLevel(),
});

export function loadRealtimeConfig(source: Env = process.env) {
  const e = parseEnv('realtime', realtimeEnvSchema, source);
  if (e.PRESENCE_TTL_MS <= e.PRESENCE_HEARTBEAT_MS) {
    throw new ConfigError('realtime', [
      { variable: 'PRESENCE_TTL_MS', message: 'must exceed PRESENCE_HEARTBEAT_MS' },
    ]);
  }
  return Object.freeze({
    port: e.REALTIME_PORT,
    host: e.REALTIME_HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisAdapter: e.REALTIME_REDIS_ADAPTER,
    jwtSecret: e.JWT_SECRET,
    corsOrigin: e.CORS_ORIGIN === '*' ? true : e.CORS_ORIGIN.split(',').map((o) => o.trim()),
    engine: e.SOCKET_ENGINE,
    logLevel: e.LOG_LEVEL,
    limits: Object.freeze({
      maxPacketBytes: e.REALTIME_MAX_PACKET_BYTES,
      chatRateMessages: e.CHAT_RATE_MESSAGES,
      chatRateWindowMs: e.CHAT_RATE_WINDOW_MS,
      chatCommitWindowMs: e.CHAT_COMMIT_WINDOW_MS,
      chatCommitMaxBatch: e.CHAT_COMMIT_MAX_BATCH,
      chatCommitPartitions: e.CHAT_COMMIT_PARTITIONS,
      socketEventsPerSecond: e.SOCKET_EVENTS_PER_SECOND,
      typingThrottleMs: e.TYPING_THROTTLE_MS,
      maxRoomsPerSocket: e.MAX_ROOMS_PER_SOCKET,
      maxTextLength: e.CHAT_MAX_TEXT,
      recentCacheSize: e.RECENT_CACHE_SIZE,
      catchupMax: e.CATCHUP_MAX,
    }),
    presence: Object.freeze({
      heartbeatMs: e.PRESENCE_HEARTBEAT_MS,
      ttlMs: e.PRESENCE_TTL_MS,
      listMax: e.PRESENCE_LIST_MAX,
    }),
    connectionRecoveryMs: e.CONNECTION_RECOVERY_MS,
    resyncDelayMs: e.REALTIME_RESYNC_DELAY_MS,
  });
}
export type RealtimeConfig = ReturnType<typeof loadRealtimeConfig>;
