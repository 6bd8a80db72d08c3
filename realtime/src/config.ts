import { env, parseEnv, type Env } from '@learnlive/common';
import { z } from 'zod';

export const realtimeEnvSchema = z.object({
  REALTIME_PORT: env.port(3001),
  REALTIME_HOST: env.host('0.0.0.0'),
  DATABASE_URL: env.url(['postgres', 'postgresql', 'pglite']).default('pglite:./data/pglite'),
  /** Set: the Redis adapter joins every realtime node into one cluster. Unset: one node, in memory. */
  REDIS_URL: env.url(['redis', 'rediss']).optional(),
  JWT_SECRET: env.secret(),
  /** Origins allowed to open sockets (comma-separated); `*` for any. */
  CORS_ORIGIN: z.string().default('*'),
  /** `ws` forces socket.io's default engine (benchmarks). */
  SOCKET_ENGINE: z.enum(['auto', 'uWebSockets.js', 'ws']).default('auto'),
  LOG_LEVEL: env.logLevel(),
});

export function loadRealtimeConfig(source: Env = process.env) {
  const e = parseEnv('realtime', realtimeEnvSchema, source);
  return Object.freeze({
    port: e.REALTIME_PORT,
    host: e.REALTIME_HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    jwtSecret: e.JWT_SECRET,
    corsOrigin: e.CORS_ORIGIN === '*' ? true : e.CORS_ORIGIN.split(',').map((o) => o.trim()),
    engine: e.SOCKET_ENGINE,
    logLevel: e.LOG_LEVEL,
  });
}
export type RealtimeConfig = ReturnType<typeof loadRealtimeConfig>;
