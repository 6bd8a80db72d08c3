import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withTimeout } from './lifecycle.js';

/**
 * Users' token generations after a revocation, for services that cannot ask the API's database
 * (the realtime and media handshakes, media's periodic check of its peers). The API records a
 * user's new generation after the commit of every bump (sign-out everywhere, password or role
 * change, ban), kept for the access-token lifetime: after that every token of an older
 * generation has expired anyway. A user without a record had
 * no revocation within that time, so any valid token of theirs is current. Adapters: Redis
 * (separate processes) and memory (the all-in-one, which passes one instance to all three).
 */
export interface TokenGenerations {
  /** Keeps `generation` (if newer than the one kept) for `ttlSeconds`. */
  record(userId: string, generation: number, ttlSeconds: number): Promise<void>;
  /** The recorded generation, or undefined: no revocation within the access-token lifetime. */
  current(userId: string): Promise<number | undefined>;
  /**
   * The recorded generations of those of `userIds` that have one, in one round trip (the media
   * service checks every connected user each period).
   */
  currentMany(userIds: readonly string[]): Promise<Map<string, number>>;
}

/** How long a reader waits for recorded generations before it lets the tokens through. */
export const GENERATION_READ_TIMEOUT_MS = 1_000;

/**
 * Whether the API revoked `generation` of the user (a newer one is recorded): the realtime and
 * media handshakes refuse such a token. A store that fails or does not answer in time counts as
 * no (logged): the API still refuses the token on every request, and chat and media go on.
 */
export async function isRevoked(
  generations: TokenGenerations,
  userId: string,
  generation: number,
  log: Logger,
): Promise<boolean> {
  try {
    const current = await withTimeout(generations.current(userId), GENERATION_READ_TIMEOUT_MS);
    return current !== undefined && generation < current;
  } catch (err) {
    log.warn({ err: String(err), userId }, 'token generation check failed; token accepted');
    return false;
  }
}

/** The key prefix shared by the API (writer) and the realtime and media nodes (readers). */
export const TOKEN_GENERATION_PREFIX = 'learnlive:token-generation:';

// Two bumps committed close together may record out of order: never move backwards.
const RECORD = `local kept = tonumber(redis.call('GET', KEYS[1]) or '-1')
redis.call('SET', KEYS[1], math.max(kept, tonumber(ARGV[1])), 'EX', ARGV[2])`;

export function redisTokenGenerations(redis: Redis, prefix = TOKEN_GENERATION_PREFIX): TokenGenerations {
  return {
    async record(userId, generation, ttlSeconds) {
      await redis.eval(RECORD, 1, prefix + userId, generation, Math.max(1, Math.ceil(ttlSeconds)));
    },
    async current(userId) {
      const value = await redis.get(prefix + userId);
      return value === null ? undefined : Number(value);
    },
    async currentMany(userIds) {
      const found = new Map<string, number>();
      if (userIds.length === 0) return found;
      const values = await redis.mget(userIds.map((userId) => prefix + userId));
      values.forEach((value, i) => {
        if (value !== null) found.set(userIds[i]!, Number(value));
      });
      return found;
    },
  };
}

export function memoryTokenGenerations(now: () => number = Date.now): TokenGenerations {
  const kept = new Map<string, { generation: number; expiresAt: number }>();
  const live = (userId: string) => {
    const entry = kept.get(userId);
    if (entry && entry.expiresAt <= now()) kept.delete(userId);
    return entry && entry.expiresAt > now() ? entry : undefined;
  };
  return {
    record(userId, generation, ttlSeconds) {
      // bounded memory: drop what has expired when many are kept
      if (kept.size > 10_000) for (const id of [...kept.keys()]) live(id);
      const previous = live(userId)?.generation ?? -1;
      kept.set(userId, { generation: Math.max(previous, generation), expiresAt: now() + ttlSeconds * 1000 });
      return Promise.resolve();
    },
    current: (userId) => Promise.resolve(live(userId)?.generation),
    currentMany(userIds) {
      const found = new Map<string, number>();
      for (const userId of userIds) {
        const generation = live(userId)?.generation;
        if (generation !== undefined) found.set(userId, generation);
      }
      return Promise.resolve(found);
    },
  };
}
