import { createAdapter } from '@socket.io/redis-adapter';
import {
  Ops,
  closeAll,
  counter,
  createMetrics,
  createRedis,
  once,
  opsRoutes,
  startSocketServer,
  type Logger,
  type SocketEngine,
} from '@learnlive/common';
import { Server } from 'socket.io';
import type { Redis } from 'ioredis';
import type { RealtimeConfig } from './config.js';

export interface RealtimeService {
  readonly port: number;
  readonly engine: SocketEngine;
  readonly adapter: 'redis' | 'in-memory';
  readonly io: Server;
  close(): Promise<void>;
}

/**
 * The realtime node: socket.io on uWebSockets.js; with REDIS_URL, the Redis adapter joins it
 * to every other node.
 */
export async function startRealtime(config: RealtimeConfig, logger: Logger): Promise<RealtimeService> {
  const log = logger.child({ module: 'realtime' });
  const metrics = createMetrics('realtime');
  const connections = counter(metrics, 'realtime_connections_total', 'Socket connections accepted');
  const redis: { pub: Redis; sub: Redis } | undefined = config.redisUrl
    ? { pub: createRedis(config.redisUrl, 'realtime-pub'), sub: createRedis(config.redisUrl, 'realtime-sub') }
    : undefined;
  const ops = new Ops('realtime', redis ? { redis: () => redis.pub.ping() } : {});
  try {
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
      (opts) => new Server(redis ? { ...opts, adapter: createAdapter(redis.pub, redis.sub) } : opts),
    );
    server.io.on('connection', () => connections.inc());
    const adapter = redis ? 'redis' : 'in-memory';
    log.info({ port: server.port, engine: server.engine, adapter }, 'realtime listening');
    return {
      port: server.port,
      engine: server.engine,
      adapter,
      io: server.io,
      close: once(() =>
        closeAll(log, [
          ['sockets', () => server.close()],
          ['redis', () => redis && Promise.all([redis.pub.quit(), redis.sub.quit()])],
        ]),
      ),
    };
  } catch (err) {
    redis?.pub.disconnect();
    redis?.sub.disconnect();
    throw err;
  }
}
