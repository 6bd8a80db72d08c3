import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { env, parseEnv, type Env } from '@learnlive/common';
import { z } from 'zod';

/**
 * The all-in-one process: every service in one process on embedded defaults. It reads only
 * what composing needs; each service still parses its own variables with its own module.
 */
export const allInOneEnvSchema = z.object({
  /** Where PGlite, object storage (s3rver) and the generated secret live. */
  DATA_DIR: z.string().default('./data'),
  API_PORT: env.port(3000),
  REALTIME_PORT: env.port(3001),
  MEDIA_PORT: env.port(3002),
  TRANSCODER_PORT: env.port(3003),
  /** Port of the embedded S3 endpoint (when S3_ENDPOINT is unset). */
  S3_PORT: env.port(3004),
  /** Host name the browser uses for every service. */
  PUBLIC_HOST: z.string().min(1).default('localhost'),
  S3_ENDPOINT: env.url(['http', 'https']).optional(),
  DATABASE_URL: env.url(['postgres', 'postgresql', 'pglite']).optional(),
  /** Unset: generated once and kept in DATA_DIR/jwt-secret. */
  JWT_SECRET: env.secret().optional(),
  /**
   * The built client the API serves. @default client/dist when built (the browser tests point
   * at their own build, e2e/dist/client, which exposes test hooks)
   */
  CLIENT_DIST_DIR: z.string().min(1).optional(),
  LOG_LEVEL: env.logLevel(),
});

export function loadAllInOneConfig(source: Env = process.env) {
  const e = parseEnv('all-in-one', allInOneEnvSchema, source);
  const dataDir = resolve(e.DATA_DIR);
  return Object.freeze({
    dataDir,
    ports: {
      api: e.API_PORT,
      realtime: e.REALTIME_PORT,
      media: e.MEDIA_PORT,
      transcoder: e.TRANSCODER_PORT,
      s3: e.S3_PORT,
    },
    publicHost: e.PUBLIC_HOST,
    s3Endpoint: e.S3_ENDPOINT,
    databaseUrl: e.DATABASE_URL ?? `pglite:${join(dataDir, 'pglite')}`,
    jwtSecret: e.JWT_SECRET,
    clientDistDir: e.CLIENT_DIST_DIR === undefined ? undefined : resolve(e.CLIENT_DIST_DIR),
    logLevel: e.LOG_LEVEL,
    /** Everything else, handed to the services' own config modules. */
    env: source,
  });
}
export type AllInOneConfig = ReturnType<typeof loadAllInOneConfig>;

/** The embedded default secret: random, made once, kept with the data it protects. */
export async function embeddedSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'jwt-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(() => {});
    return (await readFile(file, 'utf8')).trim();
  }
}
