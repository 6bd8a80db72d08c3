import { env, parseEnv, storageConfigFrom, storageEnvShape, type Env } from '@learnlive/common';
import { z } from 'zod';
import { TrustProxySchema } from './auth/clientAddress.js';

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
  /** Lifetime of access tokens, seconds (revoked at once anyway by sign-out everywhere, password or role change, ban). */
  ACCESS_TOKEN_TTL: env.int(600, 30, 3600),
  /** How long each process may trust a user's token generation without asking the database, ms (changes are pushed at once). */
  TOKEN_CHECK_CACHE_MS: env.int(2000, 0, 60_000),
  /** Lifetime of a refresh token family's tokens, seconds (30 days). */
  REFRESH_TOKEN_TTL: env.int(30 * 24 * 3600, 60),
  /** A just-used refresh token presented again within this many seconds gets the same successor (two tabs refreshing at once) instead of revoking the session; 0: never. */
  REFRESH_REUSE_GRACE: env.int(10, 0, 60),
  /** Lifetime of room tokens (realtime/media joins), seconds. */
  ROOM_TOKEN_TTL: env.int(300, 10, 3600),
  /** Failed sign-ins of one account within SIGN_IN_WINDOW before it is locked. */
  SIGN_IN_MAX_FAILURES: env.int(5, 1),
  SIGN_IN_WINDOW: env.int(15 * 60, 1),
  /** How long a locked account refuses sign-ins, seconds. */
  SIGN_IN_LOCKOUT: env.int(15 * 60, 1),
  /** Sign-in attempts per client address per minute (shared through Redis when REDIS_URL is set). */
  SIGN_IN_RATE_PER_MINUTE: env.int(30, 1),
  /** Proxies believed about X-Forwarded-For: false, a number of hops, or addresses/CIDRs (comma-separated). */
  TRUST_PROXY: TrustProxySchema,
  /** Largest request body, bytes (413 above it). */
  API_BODY_LIMIT: env.int(1024 * 1024, 1024),
  /** Comma-separated emails that become admins when they sign up. */
  ADMIN_EMAILS: z.string().default(''),
  /** How long a catalog page may be served from memory, ms (0: never). Any change clears it at once (NOTIFY). */
  CATALOG_CACHE_MS: env.int(10_000, 0, 60_000),
  /** Stripe secret key (sk_…). Unset: payments answer 503 `unavailable`. */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^sk_(test|live)_\w+$/, 'must be a Stripe secret key (sk_…)')
    .optional(),
  /** Signing secret of the webhook endpoint (whsec_…); required for webhooks to be accepted. */
  STRIPE_WEBHOOK_SECRET: z.string().min(8).optional(),
  /** Stripe API base URL; only tests change it (a local fake). */
  STRIPE_API_URL: env.url(['http', 'https']).default('https://api.stripe.com'),
  /** Accepted age of a webhook signature, seconds (Stripe's default tolerance). */
  STRIPE_WEBHOOK_TOLERANCE: env.int(300, 1, 3600),
  /** Bookings cannot be canceled or moved less than this many hours before they start. */
  BOOKING_CHANGE_MIN_HOURS: env.int(24, 0, 24 * 30),
  /** Largest lesson video upload, bytes. @default 5 GiB */
  LESSON_UPLOAD_MAX_BYTES: env.int(5 * 1024 ** 3, 1024),
  /** Accepted upload media types (comma-separated); ffprobe decides the rest. */
  LESSON_UPLOAD_TYPES: z
    .string()
    .default('video/mp4,video/quicktime,video/webm,video/x-matroska,video/x-msvideo,video/mpeg,video/ogg'),
  /** Where resumable uploads are assembled before they go to object storage. */
  LESSON_UPLOAD_DIR: z.string().default('./data/uploads'),
  /** Lifetime of signed playback URLs, seconds (the player renews them while playing). */
  PLAYBACK_URL_TTL: env.int(600, 10, 24 * 3600),
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
    auth: Object.freeze({
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL,
      refreshReuseGraceMs: e.REFRESH_REUSE_GRACE * 1000,
      tokenCheckCacheMs: e.TOKEN_CHECK_CACHE_MS,
      roomTokenTtlSeconds: e.ROOM_TOKEN_TTL,
      signInMaxFailures: e.SIGN_IN_MAX_FAILURES,
      signInWindowMs: e.SIGN_IN_WINDOW * 1000,
      signInLockoutMs: e.SIGN_IN_LOCKOUT * 1000,
      signInRatePerMinute: e.SIGN_IN_RATE_PER_MINUTE,
      trustProxy: e.TRUST_PROXY,
      adminEmails: e.ADMIN_EMAILS.split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
      secureCookies: e.PUBLIC_URL.startsWith('https:'),
    }),
    bodyLimitBytes: e.API_BODY_LIMIT,
    catalogCacheMs: e.CATALOG_CACHE_MS,
    stripe: Object.freeze({
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      host: new URL(e.STRIPE_API_URL).hostname,
      port: Number(new URL(e.STRIPE_API_URL).port) || (e.STRIPE_API_URL.startsWith('https:') ? 443 : 80),
      protocol: new URL(e.STRIPE_API_URL).protocol === 'http:' ? ('http' as const) : ('https' as const),
      webhookToleranceSeconds: e.STRIPE_WEBHOOK_TOLERANCE,
    }),
    scheduling: Object.freeze({ bookingChangeMinMs: e.BOOKING_CHANGE_MIN_HOURS * 3600_000 }),
    lessons: Object.freeze({
      uploadMaxBytes: e.LESSON_UPLOAD_MAX_BYTES,
      uploadTypes: e.LESSON_UPLOAD_TYPES.split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
      uploadDir: e.LESSON_UPLOAD_DIR,
      playbackTtlSeconds: e.PLAYBACK_URL_TTL,
    }),
    storage: storageConfigFrom(e),
  });
}
export type ApiConfig = ReturnType<typeof loadApiConfig>;
