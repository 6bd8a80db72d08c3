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
    logLevel: e.LOG_LEVEL,
    storage: storageConfigFrom(e),
  });
}
export type TranscoderConfig = ReturnType<typeof loadTranscoderConfig>;
