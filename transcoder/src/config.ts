import { env, parseEnv, storageConfigFrom, storageEnvShape, type Env } from '@learnlive/common';
import { z } from 'zod';

export const transcoderEnvSchema = z.object({
  /** Port of the operations endpoints (/healthz, /readyz, /metrics). */
  TRANSCODER_PORT: env.port(3003),
  TRANSCODER_HOST: env.host('0.0.0.0'),
  /** Jobs run at once by this worker (each is one ffmpeg process using several threads). */
  TRANSCODER_CONCURRENCY: env.int(1, 1, 16),
  DATABASE_URL: env.url(['postgres', 'postgresql', 'pglite']).default('pglite:./data/pglite'),
  /** Set: BullMQ on Redis (workers on any machine). Unset: the in-process queue. */
  REDIS_URL: env.url(['redis', 'rediss']).optional(),
  /** Scratch space for ffmpeg's output before upload. */
  TRANSCODER_WORK_DIR: z.string().default('./data/transcoder'),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  FFPROBE_PATH: z.string().default('ffprobe'),
  /** Longest accepted lesson video, in seconds. @default 14400 (4 hours) */
  TRANSCODER_MAX_DURATION_SECONDS: env.int(4 * 3600, 1),
  /** Largest accepted picture (long side x short side). @default 7680x4320 */
  TRANSCODER_MAX_WIDTH: env.int(7680, 16),
  TRANSCODER_MAX_HEIGHT: env.int(4320, 16),
  /** Objects uploaded to storage at once. */
  TRANSCODER_UPLOAD_CONCURRENCY: env.int(8, 1, 64),
  /** Tries per storage request (uploads, downloads). */
  TRANSCODER_STORAGE_ATTEMPTS: env.int(4, 1, 20),
  TRANSCODER_STORAGE_BACKOFF_MS: env.int(500, 0),
  /** How often a running job checks that its lesson still exists (deleted: ffmpeg is killed). */
  TRANSCODER_WATCH_INTERVAL_MS: env.int(2000, 50),
  /** How often deleted lessons' media is removed from object storage (0: never). @default 60000 */
  TRANSCODER_SWEEP_INTERVAL_MS: env.int(60_000, 0),
  LOG_LEVEL: env.logLevel(),
  ...storageEnvShape,
});

export function loadTranscoderConfig(source: Env = process.env) {
  const e = parseEnv('transcoder', transcoderEnvSchema, source);
  return Object.freeze({
    port: e.TRANSCODER_PORT,
    host: e.TRANSCODER_HOST,
    concurrency: e.TRANSCODER_CONCURRENCY,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    workDir: e.TRANSCODER_WORK_DIR,
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    limits: {
      maxDurationSeconds: e.TRANSCODER_MAX_DURATION_SECONDS,
      maxWidth: e.TRANSCODER_MAX_WIDTH,
      maxHeight: e.TRANSCODER_MAX_HEIGHT,
    },
    uploadConcurrency: e.TRANSCODER_UPLOAD_CONCURRENCY,
    storageAttempts: e.TRANSCODER_STORAGE_ATTEMPTS,
    storageBackoffMs: e.TRANSCODER_STORAGE_BACKOFF_MS,
    watchIntervalMs: e.TRANSCODER_WATCH_INTERVAL_MS,
    sweepIntervalMs: e.TRANSCODER_SWEEP_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
    storage: storageConfigFrom(e),
  });
}
export type TranscoderConfig = ReturnType<typeof loadTranscoderConfig>;
