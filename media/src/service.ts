import {
  Ops,
  bucketReachable,
  closeAll,
  createQueue,
  counter,
  createS3Client,
  createMetrics,
  once,
  opsRoutes,
  redisTokenGenerations,
  startSocketServer,
  type JobQueue,
  type Logger,
  type SocketEngine,
  type TokenGenerations,
} from '@learnlive/common';
import { Server } from 'socket.io';
import type { MediaConfig } from './config.js';
import { LiveStreams } from './liveHls.js';
import { Recorder } from './recording.js';
import { RevocationCheck } from './revocation.js';
import { RedisPlacement, singleNode, type Placement } from './Placement.js';
import { MediaRedis } from './redisClients.js';
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
  /** `redis`: rooms are placed across the media nodes (MEDIA_PUBLIC_URL + REDIS_URL). */
  readonly placement: 'single' | 'redis';
  /** Recordings of live classes; off without a job queue (no `REDIS_URL`, none shared). */
  readonly recorder: Recorder;
  readonly recording: 'on' | 'off';
  /** Live-to-HLS streams of live classes, for passive viewers. */
  readonly streams: LiveStreams;
  close(): Promise<void>;
}

export interface MediaDeps {
  /**
   * Where finished recordings' transcode jobs go. Default: BullMQ when `REDIS_URL` is set; the
   * all-in-one shares its in-process queue. Neither: recording is off (nobody would consume an
   * in-process queue of this process).
   */
  queue?: JobQueue;
  /**
   * Users' token generations after a revocation (recorded by the API): a handshake with an older
   * room token is refused and connected peers are checked every MEDIA_REVOCATION_CHECK_MS.
   * Default: Redis when REDIS_URL is set; the all-in-one passes the one its API writes.
   */
  generations?: TokenGenerations;
}

/** The SFU: a pool of mediasoup workers and the socket.io signalling that drives them. */
export async function startMedia(
  config: MediaConfig,
  logger: Logger,
  deps: MediaDeps = {},
): Promise<MediaService> {
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
  // Every Redis connection of the service, one policy (retries, timeouts, error logging).
  const redis = config.redisUrl ? new MediaRedis(config.redisUrl, log) : undefined;
  const store = redis ? new RedisRoomStateStore(redis.connect('room-state')) : new MemoryRoomStateStore();
  const rooms = new Rooms(pool, config.limits, log, store);
  const ownQueue =
    !deps.queue && redis
      ? await createQueue(
          { redisUrl: redis.url, connection: redis.connect('jobs') },
          log.child({ module: 'queue' }),
        )
      : undefined;
  const queue = deps.queue ?? ownQueue;
  const s3 = createS3Client(config.storage);
  const recorder = new Recorder(
    queue && {
      jwtSecret: config.jwtSecret,
      s3,
      bucket: config.storage.bucket,
      queue,
      maxMs: config.recording.maxMs,
      rejoinGraceMs: config.recording.rejoinGraceMs,
      dir: config.recording.dir,
      ffmpegPath: config.recording.ffmpegPath,
    },
    log.child({ module: 'recording' }),
  );
  const streams = new LiveStreams(
    {
      s3,
      bucket: config.storage.bucket,
      dir: config.recording.dir,
      ffmpegPath: config.recording.ffmpegPath,
      ...config.hls,
    },
    log.child({ module: 'live-hls' }),
  );
  if (!queue) log.warn('recording is off: set REDIS_URL (the transcoder consumes its jobs there)');
  // Media alone without Redis (embedded) has no record of the API's revocations: nothing to check,
  // so no handshake is refused and no peer is cut for that (the room token's 5 minutes still apply).
  const generations =
    deps.generations ?? (redis && redisTokenGenerations(redis.connect('token-generations')));
  const revocation =
    generations &&
    new RevocationCheck(generations, config.revocationCheckMs, log.child({ module: 'revocation' }));
  // Load for placement: peers per worker (a worker is a core).
  const placementStatus = async () => {
    const open = await rooms.list();
    const peers = open.reduce((n, room) => n + room.peers.size, 0);
    return { rooms: open.map((room) => room.id), load: (peers + open.length) / pool.size };
  };
  // Ready: the workers answer, and so does every configured dependency (object storage always:
  // live streams and recordings write there).
  const ops = new Ops('media', {
    workers: async () => {
      await Promise.all(pool.workers.map((slot) => slot.worker.getResourceUsage()));
    },
    storage: () => bucketReachable(s3, config.storage.bucket),
    ...(redis ? { redis: () => redis.ping() } : {}),
    ...(queue ? { queue: () => queue.ping() } : {}),
  });
  let placement: Placement = singleNode;
  try {
    if (config.publicUrl && redis)
      placement = await RedisPlacement.start(
        {
          redis: redis.connect('placement'),
          publicUrl: config.publicUrl,
          nodeTtlMs: config.placementTtlMs,
          status: placementStatus,
        },
        log.child({ module: 'placement' }),
      );
    else if (config.publicUrl) log.warn('MEDIA_PUBLIC_URL is set without REDIS_URL: rooms are not placed');
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
      placement,
      recorder,
      streams,
      iceServers: (userId) => turnCredentials(turn, userId),
      revocation,
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
      placement: placement.kind,
      recorder,
      recording: queue ? 'on' : 'off',
      streams,
      close: once(() =>
        closeAll(log, [
          ['revocation check', () => revocation?.close()],
          // Recordings first: their files are finalized, uploaded and queued before rooms go.
          ['recordings', () => recorder.close()],
          ['live streams', () => streams.close()],
          // Claims go before the rooms, so their clients reconnect to a node that takes them.
          ['placement', () => placement.close()],
          ['rooms', () => rooms.close()],
          ['signalling', () => server.close()],
          ['workers', () => pool.close()],
          ['queue', () => ownQueue?.close()],
          ['redis', () => redis?.close()],
          ['storage', () => s3.destroy()],
        ]),
      ),
    };
  } catch (err) {
    revocation?.close();
    await placement.close();
    await store.close();
    await ownQueue?.close();
    await redis?.close();
    s3.destroy();
    await pool.close();
    throw err;
  }
}
