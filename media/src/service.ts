import {
  Ops,
  closeAll,
  counter,
  createMetrics,
  once,
  opsRoutes,
  startSocketServer,
  type Logger,
  type SocketEngine,
} from '@learnlive/common';
import { Server } from 'socket.io';
import type { MediaConfig } from './config.js';
import { Rooms } from './Rooms.js';
import { MemoryRoomStateStore, RedisRoomStateStore } from './RoomState.js';
import { attachSignalling, type MediaServer } from './signalling.js';
import { turnCredentials } from './turn.js';
import { WorkerPool } from './WorkerPool.js';

export interface MediaService {
  readonly port: number;
  readonly engine: SocketEngine;
  readonly pool: WorkerPool;
  readonly rooms: Rooms;
  /** Where bans and speaking grants live: `memory` or `redis`. */
  readonly roomState: 'memory' | 'redis';
  close(): Promise<void>;
}

/** The SFU: a pool of mediasoup workers and the socket.io signalling that drives them. */
export async function startMedia(config: MediaConfig, logger: Logger): Promise<MediaService> {
  const log = logger.child({ module: 'media' });
  const metrics = createMetrics('media');
  const workerDeaths = counter(metrics, 'media_worker_deaths_total', 'mediasoup workers that died');
  const pool = await WorkerPool.start(
    {
      workers: config.workers,
      listenIp: config.listenIp,
      announcedAddress: config.announcedAddress,
      rtcPort: config.rtcPort,
    },
    log,
  );
  pool.on('workerdied', () => workerDeaths.inc());
  const requests = counter(metrics, 'media_requests_total', 'signalling requests answered', [
    'request',
    'ok',
  ]);
  const store = config.redisUrl ? new RedisRoomStateStore(config.redisUrl, log) : new MemoryRoomStateStore();
  const rooms = new Rooms(pool, config.limits, log, store);
  const ops = new Ops('media', {
    workers: async () => {
      await Promise.all(pool.workers.map((slot) => slot.worker.getResourceUsage()));
    },
  });
  try {
    const server = await startSocketServer(
      {
        service: 'media',
        host: config.host,
        port: config.port,
        portVariable: 'MEDIA_PORT',
        routes: opsRoutes(ops, metrics),
        // Signalling messages are small (RTP parameters are a few KB): larger frames are refused.
        socket: { cors: { origin: config.corsOrigin }, maxHttpBufferSize: 256 * 1024 },
        logger: log,
      },
      (opts): MediaServer => new Server(opts),
    );
    const turn = { secret: config.turnSecret, urls: config.turnUrls, ttlSeconds: config.turnTtlSeconds };
    attachSignalling(server.io, {
      jwtSecret: config.jwtSecret,
      rooms,
      iceServers: (userId) => turnCredentials(turn, userId),
      logger: log,
      onRequest: (name, ok) => requests.inc({ request: name, ok: String(ok) }),
    });
    log.info({ port: server.port, engine: server.engine, workers: pool.size }, 'media listening');
    return {
      port: server.port,
      engine: server.engine,
      pool,
      rooms,
      roomState: store.kind,
      close: once(() =>
        closeAll(log, [
          ['rooms', () => rooms.close()],
          ['signalling', () => server.close()],
          ['workers', () => pool.close()],
        ]),
      ),
    };
  } catch (err) {
    await store.close();
    await pool.close();
    throw err;
  }
}
