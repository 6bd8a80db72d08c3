import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import {
  Ops,
  closeAll,
  counter,
  createMetrics,
  memoryRateLimit,
  migrate,
  once,
  openDatabase,
  opsRoutes,
  redisRateLimit,
  isRevoked,
  redisTokenGenerations,
  startSocketServer,
  TokenBuckets,
  type Db,
  type Logger,
  type SocketEngine,
  type TokenGenerations,
} from '@learnlive/common';
import { Server, type ServerOptions } from 'socket.io';
import type { RealtimeConfig } from './config.js';
import { handleConnection } from './connection.js';
import type { RealtimeContext, RealtimeServer } from './handlers.js';
import { handshake } from './handshake.js';
import { resyncAfterResubscribe, serveEvictions, startLoops } from './lifecycle.js';
import { MessageStore } from './MessageStore.js';
import { ModerationStore } from './ModerationStore.js';
import { memoryPresence, redisPresence } from './Presence.js';
import { bridgeEmitter } from './emitterBridge.js';
import { GroupCommit } from './GroupCommit.js';
import { noCache, redisRecentCache } from './RecentCache.js';
import { connectRedis, type RealtimeRedis } from './redisClients.js';
import { TokenExpiry } from './tokenExpiry.js';

export const REALTIME_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface RealtimeDeps {
  /** Shared database (the all-in-one passes its one PGlite); default: opened from the config. */
  db?: Db;
  /**
   * Users' token generations after a revocation (recorded by the API): a handshake with an older
   * token is refused. Default: Redis when REDIS_URL is set, else none (the all-in-one passes the
   * one its API writes).
   */
  generations?: TokenGenerations;
}

export interface RealtimeService {
  readonly port: number;
  readonly engine: SocketEngine;
  readonly adapter: 'redis' | 'redis-sharded' | 'in-memory';
  readonly io: RealtimeServer;
  /** This node's id in presence (tests and logs). */
  readonly nodeId: string;
  close(): Promise<void>;
}

/** socket.io's options: the Redis adapter with REDIS_URL, else in-memory with connection-state recovery. */
function serverFactory(config: RealtimeConfig, redis: RealtimeRedis | undefined) {
  return (opts: Partial<ServerOptions>): RealtimeServer => {
    const options: Partial<ServerOptions> = { ...opts, maxHttpBufferSize: config.limits.maxPacketBytes };
    if (redis) {
      options.adapter =
        config.redisAdapter === 'sharded'
          ? createShardedAdapter(redis.pub, redis.sub, { subscriptionMode: 'dynamic' })
          : createAdapter(redis.pub, redis.sub);
    } else if (config.connectionRecoveryMs > 0) {
      // Only the in-memory (and streams) adapters keep sessions; across nodes, clients catch
      // up by offset instead.
      options.connectionStateRecovery = {
        maxDisconnectionDuration: config.connectionRecoveryMs,
        skipMiddlewares: true,
      };
    }
    return new Server(options);
  };
}

/**
 * The realtime node: socket.io on uWebSockets.js; with REDIS_URL, the Redis adapter joins it
 * to every other node, and presence and the recent-message cache live in Redis.
 *
 * This function only wires (config → database, Redis, adapters → server → context); what the
 * node does lives in `handshake.ts`, `connection.ts` (with `dispatch.ts` and the handler table
 * in `handlers.ts`) and `lifecycle.ts`.
 */
export async function startRealtime(
  config: RealtimeConfig,
  logger: Logger,
  deps: RealtimeDeps = {},
): Promise<RealtimeService> {
  const log = logger.child({ module: 'realtime' });
  const nodeId = randomUUID();
  const metrics = createMetrics('realtime');
  const connections = counter(metrics, 'realtime_connections_total', 'Socket connections accepted');
  const events = counter(metrics, 'realtime_events_total', 'Client events answered', ['event', 'outcome']);
  const ownDb = !deps.db;
  const db = deps.db ?? (await openDatabase(config.databaseUrl));
  const redis = connectRedis(config, log);
  let timers: NodeJS.Timeout[] = [];
  const closeResources = async () => {
    for (const t of timers) clearInterval(t);
    for (const client of redis?.all ?? []) client.disconnect();
    if (ownDb) await db.close();
  };
  try {
    const applied = await migrate(db, { dir: REALTIME_MIGRATIONS_DIR, table: 'realtime_migrations' });
    if (applied.length) log.info({ applied }, 'migrations applied');

    const ops = new Ops('realtime', {
      database: () => db.query('select 1'),
      ...(redis ? { redis: () => redis.pub.ping() } : {}),
    });
    const adapterKind = redis ? (config.redisAdapter === 'sharded' ? 'redis-sharded' : 'redis') : 'in-memory';
    const server = await startSocketServer(
      {
        service: 'realtime',
        host: config.host,
        port: config.port,
        portVariable: 'REALTIME_PORT',
        engine: config.engine,
        routes: opsRoutes(ops, metrics),
        socket: { cors: { origin: config.corsOrigin } },
        logger: log,
      },
      serverFactory(config, redis),
    );
    const io = server.io;
    if (redis?.emitterSub) await bridgeEmitter(io, redis.emitterSub, log);

    const generations = deps.generations ?? (redis ? redisTokenGenerations(redis.data) : undefined);
    const revoked = (userId: string, generation: number) =>
      generations ? isRevoked(generations, userId, generation, log) : Promise.resolve(false);
    const pendingCounts = new Map<string, number>();
    const expiry = new TokenExpiry();
    const messages = new MessageStore(db);
    const chatRate = { capacity: config.limits.chatRateMessages, windowMs: config.limits.chatRateWindowMs };
    const ctx: RealtimeContext = {
      io,
      config,
      messages,
      moderation: new ModerationStore(db, messages),
      sends: new GroupCommit((_partition, batch) => messages.sendBatch(batch), {
        windowMs: config.limits.chatCommitWindowMs,
        maxBatch: config.limits.chatCommitMaxBatch,
        partitions: config.limits.chatCommitPartitions,
      }),
      cache: redis ? redisRecentCache(redis.data, config.limits.recentCacheSize, log) : noCache,
      presence: redis
        ? redisPresence(redis.data, { nodeId, ttlMs: config.presence.ttlMs }, log)
        : memoryPresence(),
      chatLimiter: redis
        ? redisRateLimit(redis.data, { ...chatRate, prefix: 'rt:rate:chat:', logger: log })
        : memoryRateLimit(chatRate),
      typingAt: new Map(),
      clustered: !!redis,
      announceCount: (room, count) => pendingCounts.set(room, count),
      armExpiry: (socket) => expiry.arm(socket),
      isRevoked: revoked,
      log,
    };

    timers = startLoops(ctx, pendingCounts);
    if (redis) resyncAfterResubscribe(ctx, redis.sub);
    serveEvictions(ctx);
    io.use(handshake(config, revoked));
    const leaving = new Set<Promise<unknown>>();
    const eventLimiter = new TokenBuckets({
      capacity: config.limits.socketEventsPerSecond * 2,
      windowMs: 2_000,
    });
    io.on('connection', (socket) =>
      handleConnection({ ctx, expiry, eventLimiter, connections, events, leaving, log }, socket),
    );

    log.info(
      { port: server.port, engine: server.engine, adapter: adapterKind, nodeId },
      'realtime listening',
    );
    return {
      port: server.port,
      engine: server.engine,
      adapter: adapterKind,
      io,
      nodeId,
      close: once(() =>
        closeAll(log, [
          ['timers', () => timers.forEach((t) => clearInterval(t))],
          ['expiry', () => expiry.close()],
          ['sockets', () => server.close()],
          // Batches already in a transaction finish (their senders are gone; the rows stay).
          ['sends', () => Promise.race([ctx.sends.idle(), delay(5_000)])],
          // The disconnects above start presence removals and leave broadcasts; Redis must
          // outlive them, or their commands fail with nobody to handle it.
          ['leaving', () => Promise.race([Promise.allSettled(leaving), delay(2_000)])],
          ['presence', () => ctx.presence.close()],
          // disconnect, not quit: quit waits for a Redis that may be gone.
          ['redis', () => redis?.all.forEach((r) => r.disconnect())],
          ['database', () => (ownDb ? db.close() : undefined)],
        ]),
      ),
    };
  } catch (err) {
    await closeResources();
    throw err;
  }
}
