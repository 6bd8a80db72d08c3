import { env, parseEnv, storageConfigFrom, storageEnvShape, type Env } from '@learnlive/common';
import { z } from 'zod';

export const apiEnvSchema = z.object({
  API_PORT: env.port(3000),
  API_HOST: env.host('0.0.0.0'),
  /** Where people reach the API and the client, e.g. https://learn.example.org. */
  PUBLIC_URL: env.url(['http', 'https']).default('http://localhost:3000'),
  /** Browser-facing socket.io URLs of the realtime and media services. */
  PUBLIC_REALTIME_URL: env.url(['http', 'https']).default('http://localhost:3001'),
  PUBLIC_MEDIA_URL: env.url(['http', 'https']).default('http://localhost:3002'),
  DATABASE_URL: env.url(['postgres', 'postgresql', 'pglite']).default('pglite:./data/pglite'),
  /** Unset: progress events stay in this process. */
  REDIS_URL: env.url(['redis', 'rediss']).optional(),
  JWT_SECRET: env.secret(),
  /** The built client to serve at `/` (unset: the API serves only `/api`). */
  CLIENT_DIST_DIR: z.string().optional(),
  LOG_LEVEL: env.logLevel(),
  ...storageEnvShape,
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;

export function loadApiConfig(source: Env = process.env) {
  const e = parseEnv('api', apiEnvSchema, source);
  return Object.freeze({
    port: e.API_PORT,
    host: e.API_HOST,
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    publicRealtimeUrl: e.PUBLIC_REALTIME_URL.replace(/\/$/, ''),
    publicMediaUrl: e.PUBLIC_MEDIA_URL.replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    jwtSecret: e.JWT_SECRET,
    clientDistDir: e.CLIENT_DIST_DIR,
    logLevel: e.LOG_LEVEL,
    storage: storageConfigFrom(e),
  });
}
export type ApiConfig = ReturnType<typeof loadApiConfig>;
