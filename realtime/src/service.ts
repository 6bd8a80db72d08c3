import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import {
  AppError,
  Ops,
  closeAll,
  counter,
  createMetrics,
  createRedis,
  memoryRateLimit,
  migrate,
  once,
  openDatabase,
  opsRoutes,
  redisRateLimit,
  isRevoked,
  redisTokenGenerations,
  startSocketServer,
  toAppError,
  TokenBuckets,
  toErrorBody,
  verifyAccessToken,
  type Db,
  type Logger,
  type SocketEngine,
  type TokenGenerations,
} from '@learnlive/common';
import { REALTIME_CLIENT_SCHEMAS, userRoom, type RealtimeClientEvent } from '@learnlive/contracts';
import { Server, type ServerOptions } from 'socket.io';
import { Redis } from 'ioredis';
import { MessageStore } from './MessageStore.js';
import { ModerationStore } from './ModerationStore.js';
import type { RealtimeConfig } from './config.js';
import {
  announceLeft,
  evictLocal,
  handlers,
  type RealtimeContext,
  type RealtimeServer,
  type RealtimeSocket,
} from './handlers.js';
import { memoryPresence, redisPresence } from './Presence.js';
import { bridgeEmitter } from './emitterBridge.js';
import { GroupCommit } from './GroupCommit.js';
import { noCache, redisRecentCache } from './RecentCache.js';

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

const EVENTS = new Set(Object.keys(REALTIME_CLIENT_SCHEMAS));
const isEvent = (name: unknown): name is RealtimeClientEvent => typeof name === 'string' && EVENTS.has(name);
/** setTimeout's largest delay; longer-lived tokens are re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The realtime node: socket.io on uWebSockets.js; with REDIS_URL, the Redis adapter joins it
 * to every other node, and presence and the recent-message cache live in Redis.
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
  // The adapter's clients queue while Redis is away (nothing published is lost on a blip); the
  // data client fails fast instead, so a chat message never waits on the cache or presence.
  const redis = config.redisUrl
    ? {
        pub: createRedis(config.redisUrl, 'realtime-pub'),
        sub: createRedis(config.redisUrl, 'realtime-sub'),
        // the sharded adapter cannot hear @socket.io/redis-emitter: a classic subscription does
        emitterSub:
          config.redisAdapter === 'sharded'
            ? createRedis(config.redisUrl, 'realtime-emitter-sub')
            : undefined,
        data: new Redis(config.redisUrl, {
          connectionName: 'realtime-data',
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: 2_000,
        }),
      }
    : undefined;
  const redisClients = redis
    ? [redis.pub, redis.sub, redis.data, ...(redis.emitterSub ? [redis.emitterSub] : [])]
    : [];
  for (const client of redisClients) {
    client.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
  }
  const timers: NodeJS.Timeout[] = [];
  /** Presence removals (and leave broadcasts) of sockets that disconnected, until they settle. */
  const leaving = new Set<Promise<unknown>>();
  const closeResources = async () => {
    for (const t of timers) clearInterval(t);
    for (const client of redisClients) client.disconnect();
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
    const makeServer = (opts: Partial<ServerOptions>): RealtimeServer => {
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
      makeServer,
    );
    const io = server.io;
    if (redis?.emitterSub) await bridgeEmitter(io, redis.emitterSub, log);

    const generations = deps.generations ?? (redis ? redisTokenGenerations(redis.data) : undefined);
    const revoked = (userId: string, generation: number) =>
      generations ? isRevoked(generations, userId, generation, log) : Promise.resolve(false);

    const pendingCounts = new Map<string, number>();
    const expiryTimers = new Map<string, NodeJS.Timeout>();
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
      armExpiry(socket) {
        clearTimeout(expiryTimers.get(socket.id));
        const ms = socket.data.exp * 1000 - Date.now();
        expiryTimers.set(
          socket.id,
          setTimeout(
            () => {
              if (socket.data.exp * 1000 > Date.now()) return ctx.armExpiry(socket);
              socket.emit('auth:expired', { reason: 'token_expired' });
              socket.disconnect(true);
            },
            Math.max(0, Math.min(ms, MAX_TIMER_MS)),
          ),
        );
      },
      isRevoked: revoked,
      log,
    };

    /** Refreshes this node's presence; the people of dead nodes it swept are announced gone. */
    const heartbeat = () =>
      void ctx.presence.heartbeat().then(
        (gone) => {
          for (const g of gone) for (const userId of g.userIds) announceLeft(ctx, g.room, userId, g.count);
        },
        (err: unknown) => log.warn({ err: String(err) }, 'presence heartbeat failed'),
      );
    timers.push(
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
    );
    heartbeat(); // lists this node at once; it may also sweep a dead one, announced as any other

    // Broadcasts published while this node's subscription was down are lost to its clients:
    // once it is back, tell each local room its last offset so clients behind catch up.
    let subscriberLost = false;
    redis?.sub.on('end', () => (subscriberLost = true));
    redis?.sub.on('close', () => (subscriberLost = true));
    redis?.sub.on('ready', () => {
      if (!subscriberLost) return;
      subscriberLost = false;
      setTimeout(() => void syncLocalRooms(), config.resyncDelayMs).unref();
    });
    const syncLocalRooms = async () => {
      for (const room of io.of('/').adapter.rooms.keys()) {
        if (!/^(course|live|mentor|dm):/.test(room)) continue;
        try {
          const { lastOffset, lastRev } = await ctx.messages.roomState(room);
          io.local.to(room).emit('room:sync', { room, lastOffset, lastRev });
        } catch (err) {
          log.warn({ err: String(err), room }, 'room sync failed');
        }
      }
    };

    io.on('moderation:evict', ({ room, userId, reason }) => {
      evictLocal(ctx, room, userId, reason).catch((err: unknown) =>
        log.error({ err, room, userId }, 'eviction failed'),
      );
    });

    io.use((socket, next) => {
      const token: unknown = socket.handshake.auth?.token;
      const refuse = (err: unknown) => {
        const appError = toAppError(err);
        next(Object.assign(new Error(appError.message), { data: toErrorBody(appError) }));
      };
      try {
        if (typeof token !== 'string' || token.length > 4096)
          throw new AppError('unauthenticated', 'an access token is required (auth: { token })');
        const claims = verifyAccessToken(token, config.jwtSecret);
        const gen = claims.gen ?? 0;
        revoked(claims.sub, gen).then((isRevoked) => {
          if (isRevoked) {
            return refuse(
              new AppError('token_expired', 'this access token was revoked; refresh the session'),
            );
          }
          socket.data = {
            userId: claims.sub,
            name: claims.name,
            role: claims.role,
            exp: claims.exp,
            gen,
            rooms: {},
          };
          next();
        }, refuse);
      } catch (err) {
        refuse(err);
      }
    });

    const eventLimiter = new TokenBuckets({
      capacity: config.limits.socketEventsPerSecond * 2,
      windowMs: 2_000,
    });

    io.on('connection', (socket: RealtimeSocket) => {
      connections.inc();
      const slog = log.child({ socketId: socket.id, userId: socket.data.userId });
      if (socket.recovered) {
        // A recovered socket skipped the handshake check: its token may have been revoked while
        // it was away (the cut only reaches connected sockets).
        void revoked(socket.data.userId, socket.data.gen).then((isRevoked) => {
          if (!isRevoked) return;
          socket.emit('auth:expired', { reason: 'token_expired' });
          socket.disconnect(true);
        });
        // socket.io 4.8 on uWebSockets.js: a recovered socket no longer receives room broadcasts
        // until it joins its rooms again (socket.io issue 4810; BUILD-NOTES).
        void socket.join([...socket.rooms]);
        for (const room of Object.keys(socket.data.rooms)) {
          void ctx.presence.add(room, socket.id, { userId: socket.data.userId, name: socket.data.name });
        }
      }
      void socket.join(userRoom(socket.data.userId));
      ctx.armExpiry(socket);

      // Before any handler: floods and unknown events are answered here, never reach a handler.
      socket.use(([event, ...args], next) => {
        const ack = args[args.length - 1];
        const reply = (code: 'rate_limited' | 'bad_request', message: string) => {
          events.inc({ event: 'invalid', outcome: code });
          if (typeof ack === 'function')
            (ack as (r: unknown) => void)({ ok: false, error: { code, message } });
        };
        if (!eventLimiter.take(socket.id)) return reply('rate_limited', 'too many events; slow down');
        if (!isEvent(event)) return reply('bad_request', `unknown event ${String(event).slice(0, 64)}`);
        next();
      });

      for (const event of Object.keys(handlers) as RealtimeClientEvent[]) {
        socket.on(event, (...args: unknown[]) => {
          // The ack is always last: `emit(event, ack)` without a payload is a malformed call.
          const ack = args.at(-1);
          const payload = args.length > 1 ? args[0] : undefined;
          if (typeof ack !== 'function') {
            // Without an ack we cannot answer; doing the work silently would hide errors.
            events.inc({ event, outcome: 'no_ack' });
            return;
          }
          const reply = ack as (r: unknown) => void;
          const parsed = REALTIME_CLIENT_SCHEMAS[event].safeParse(payload);
          if (!parsed.success) {
            const tooBig = parsed.error.issues.some((i) => i.code === 'too_big' && i.path[0] === 'text');
            const code = tooBig ? 'payload_too_large' : 'validation_failed';
            events.inc({ event, outcome: code });
            reply({
              ok: false,
              error: {
                code,
                message: parsed.error.issues
                  .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
                  .join('; '),
              },
            });
            return;
          }
          const handler = handlers[event] as (
            c: RealtimeContext,
            s: RealtimeSocket,
            i: unknown,
          ) => Promise<unknown>;
          handler(ctx, socket, parsed.data).then(
            (data) => {
              events.inc({ event, outcome: 'ok' });
              reply({ ok: true, data });
            },
            (err: unknown) => {
              const appError = toAppError(err);
              if (appError.code === 'internal') slog.error({ err, event }, 'handler failed');
              events.inc({ event, outcome: appError.code });
              reply({ ok: false, error: toErrorBody(appError) });
            },
          );
        });
      }

      socket.on('disconnect', () => {
        clearTimeout(expiryTimers.get(socket.id));
        expiryTimers.delete(socket.id);
        eventLimiter.forget(socket.id);
        for (const room of Object.keys(socket.data.rooms)) {
          // Keep socket.data.rooms for connection-state recovery: leaveRoom would clear it.
          const removal = ctx.presence
            .remove(room, socket.id, socket.data.userId)
            .then(
              (change) => change.changed && announceLeft(ctx, room, socket.data.userId, change.count),
              (err: unknown) => slog.debug({ err: String(err) }, 'presence removal failed'),
            )
            .finally(() => leaving.delete(removal));
          leaving.add(removal);
        }
      });
    });

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
          ['expiry', () => expiryTimers.forEach((t) => clearTimeout(t))],
          ['sockets', () => server.close()],
          // Batches already in a transaction finish (their senders are gone; the rows stay).
          ['sends', () => Promise.race([ctx.sends.idle(), delay(5_000)])],
          // The disconnects above start presence removals and leave broadcasts; Redis must
          // outlive them, or their commands fail with nobody to handle it.
          ['leaving', () => Promise.race([Promise.allSettled(leaving), delay(2_000)])],
          ['presence', () => ctx.presence.close()],
          // disconnect, not quit: quit waits for a Redis that may be gone.
          ['redis', () => redisClients.forEach((r) => r.disconnect())],
          ['database', () => (ownDb ? db.close() : undefined)],
        ]),
      ),
    };
  } catch (err) {
    await closeResources();
    throw err;
  }
}
