import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, parseEnv, storageConfigFrom, storageEnvShape, type Env } from '@learnlive/common';
import { z } from 'zod';

export const mediaEnvSchema = z.object({
  MEDIA_PORT: env.port(3002),
  MEDIA_HOST: env.host('0.0.0.0'),
  /** mediasoup workers (processes); default one per core. */
  MEDIA_WORKERS: env.int(availableParallelism(), 1, 64),
  /** Address the WebRTC servers bind to. */
  MEDIA_LISTEN_IP: z.ipv4({ error: 'must be an IPv4 address' }).or(z.ipv6()).default('0.0.0.0'),
  /** Address given to clients in ICE candidates (public IP or DNS name); default: the listen IP, or 127.0.0.1 for 0.0.0.0. */
  MEDIA_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
  /** First WebRtcServer port: worker i listens on UDP and TCP port MEDIA_RTC_PORT + i; 0 picks free ports. */
  MEDIA_RTC_PORT: env.port(40000),
  /** Unset: room state stays in this process. */
  REDIS_URL: env.url(['redis', 'rediss']).optional(),
  /**
   * This node's signalling URL as browsers reach it. Set on every media node (with REDIS_URL) to
   * run several: each room is placed on one node and clients reaching another are sent there.
   */
  MEDIA_PUBLIC_URL: env.url(['http', 'https']).optional(),
  /** A media node silent this long is presumed dead and its rooms go to live nodes. */
  MEDIA_PLACEMENT_TTL_MS: env.int(6000, 1000, 60_000),
  /**
   * How often connected peers are checked against the token generations the API records on a
   * revocation (sign-out everywhere, password or role change, ban): a revoked user's peer is cut
   * within this. Needs REDIS_URL (or the all-in-one's shared record). @default 10000
   */
  MEDIA_REVOCATION_CHECK_MS: env.int(10_000, 100, 600_000),
  JWT_SECRET: env.secret(),
  /** coturn `static-auth-secret`; unset: no TURN servers are handed out. */
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Comma-separated turn: / turns: URLs handed to clients with the credentials. */
  TURN_URLS: z.string().optional(),
  /** Lifetime of the TURN credentials handed out at join (coturn REST scheme). */
  MEDIA_TURN_TTL_SECONDS: env.int(6 * 3600, 60, 7 * 24 * 3600),
  /** Peers per live-class room (a mentor session is always two). */
  MEDIA_ROOM_CAPACITY: env.int(200, 2, 10_000),
  /** An empty room keeps its router (and its bans) this long before closing. */
  MEDIA_ROOM_EMPTY_GRACE_MS: env.int(30_000, 0, 3_600_000),
  MEDIA_MAX_TRANSPORTS_PER_PEER: env.int(4, 2, 16),
  MEDIA_MAX_PRODUCERS_PER_PEER: env.int(4, 1, 16),
  /** Viewers (receive transports) per router before a room spreads to another worker. */
  MEDIA_VIEWERS_PER_ROUTER: env.int(250, 1, 100_000),
  CORS_ORIGIN: z.string().default('*'),
  /**
   * Longest recording: it stops (and becomes a lesson) after this. The file goes to storage in
   * one PUT (5 GB at most on S3): 4 hours of a 2.5 Mbit/s camera stay below that. @default 10800000 (3 h)
   */
  MEDIA_RECORDING_MAX_MS: env.int(3 * 3600_000, 1000, 4 * 3600_000),
  /**
   * A recording whose teacher left (a reload, a dropped network) or whose sources all closed
   * waits this long for the same user to publish again, then goes on in a new part; 0 stops it
   * at once. @default 60000
   */
  MEDIA_RECORDING_REJOIN_MS: env.int(60_000, 0, 600_000),
  /** Where ffmpeg writes recordings before they are uploaded. */
  MEDIA_RECORDING_DIR: z.string().default(join(tmpdir(), 'learnlive-recordings')),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  /** Live-to-HLS: a class's stream stops when no viewer asked for it (`watchStream`) this long. */
  MEDIA_HLS_IDLE_MS: env.int(60_000, 1000, 3_600_000),
  /** Live-to-HLS segment length, seconds (latency is about three of them). */
  MEDIA_HLS_SEGMENT_SECONDS: env.int(2, 1, 10),
  /** Segments in the sliding live playlist. */
  MEDIA_HLS_LIST_SIZE: env.int(6, 3, 30),
  LOG_LEVEL: env.logLevel(),
  ...storageEnvShape,
});

export function loadMediaConfig(source: Env = process.env) {
  const e = parseEnv('media', mediaEnvSchema, source);
  return Object.freeze({
    port: e.MEDIA_PORT,
    host: e.MEDIA_HOST,
    workers: e.MEDIA_WORKERS,
    listenIp: e.MEDIA_LISTEN_IP,
    announcedAddress:
      e.MEDIA_ANNOUNCED_ADDRESS ?? (e.MEDIA_LISTEN_IP === '0.0.0.0' ? '127.0.0.1' : e.MEDIA_LISTEN_IP),
    rtcPort: e.MEDIA_RTC_PORT,
    redisUrl: e.REDIS_URL,
    publicUrl: e.MEDIA_PUBLIC_URL,
    placementTtlMs: e.MEDIA_PLACEMENT_TTL_MS,
    revocationCheckMs: e.MEDIA_REVOCATION_CHECK_MS,
    jwtSecret: e.JWT_SECRET,
    turnSecret: e.TURN_SECRET,
    turnTtlSeconds: e.MEDIA_TURN_TTL_SECONDS,
    limits: Object.freeze({
      roomCapacity: e.MEDIA_ROOM_CAPACITY,
      emptyRoomGraceMs: e.MEDIA_ROOM_EMPTY_GRACE_MS,
      transportsPerPeer: e.MEDIA_MAX_TRANSPORTS_PER_PEER,
      producersPerPeer: e.MEDIA_MAX_PRODUCERS_PER_PEER,
      recvTransportsPerRouter: e.MEDIA_VIEWERS_PER_ROUTER,
    }),
    turnUrls: e.TURN_URLS ? e.TURN_URLS.split(',').map((u) => u.trim()) : [],
    recording: Object.freeze({
      maxMs: e.MEDIA_RECORDING_MAX_MS,
      rejoinGraceMs: e.MEDIA_RECORDING_REJOIN_MS,
      dir: e.MEDIA_RECORDING_DIR,
      ffmpegPath: e.FFMPEG_PATH,
    }),
    hls: Object.freeze({
      idleMs: e.MEDIA_HLS_IDLE_MS,
      segmentSeconds: e.MEDIA_HLS_SEGMENT_SECONDS,
      listSize: e.MEDIA_HLS_LIST_SIZE,
    }),
    storage: storageConfigFrom(e),
    corsOrigin: e.CORS_ORIGIN === '*' ? true : e.CORS_ORIGIN.split(',').map((o) => o.trim()),
    logLevel: e.LOG_LEVEL,
  });
}
export type MediaConfig = ReturnType<typeof loadMediaConfig>;
