import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withTimeout } from './lifecycle.js';

/** A rate: `capacity` at once, refilled evenly over `windowMs` (so `capacity` per window). */
export interface RateOptions {
  capacity: number;
  windowMs: number;
}

/**
 * Token buckets per key (a user, a socket, an address), in this process. Synchronous: for limits
 * that are per process by nature (events per socket), and the fallback of `redisRateLimit`.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #capacity: number;
  readonly #perMs: number;
  #takes = 0;

  constructor(
    options: RateOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.#capacity = options.capacity;
    this.#perMs = options.capacity / options.windowMs;
  }

  /** Takes one token; false when the bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, at: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (++this.#takes % 10_000 === 0) this.#sweep(now);
    const taken = bucket.tokens >= 1;
    if (taken) bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    return taken;
  }

  forget(key: string): void {
    this.#buckets.delete(key);
  }

  /** Full buckets carry no information: dropped so the map does not grow forever. */
  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
  }
}

/** A rate limit per key, the same on every process that shares its store. */
export interface RateLimit {
  /** Takes one token of `key`; false when its bucket is empty. */
  take(key: string): Promise<boolean>;
}

/** The limit of one process (one replica, or no Redis). */
export function memoryRateLimit(options: RateOptions): RateLimit {
  const buckets = new TokenBuckets(options);
  return { take: async (key) => buckets.take(key) };
}

/**
 * `TokenBuckets`' bucket, atomically in Redis: one hash per key with the tokens left and the
 * time they were counted (Redis's clock, so processes' clocks do not matter), expiring once a
 * full bucket carries no information. Returns 1 when a token was taken.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then tokens = capacity; at = now end
tokens = math.min(capacity, tokens + math.max(0, now - at) * capacity / window)
local taken = 0
if tokens >= 1 then tokens = tokens - 1; taken = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], window)
return taken`;

export interface RedisRateOptions extends RateOptions {
  /** Key prefix, e.g. `learnlive:api:sign-in:`. */
  prefix: string;
  logger: Logger;
  /** How long to wait for Redis before counting in this process instead. @default 250 */
  timeoutMs?: number;
}

/**
 * The limit shared by every process through Redis: a person spreading requests over N nodes
 * still gets one bucket. A limiter must not take its feature down with it: when Redis fails or
 * does not answer within `timeoutMs`, the take is counted in this process (limited per process
 * until Redis is back), and that is logged once per outage.
 */
export function redisRateLimit(redis: Redis, options: RedisRateOptions): RateLimit {
  const fallback = new TokenBuckets(options);
  // EVALSHA of a script loaded once per connection, instead of its text on every take.
  const client = redis as Redis & {
    learnliveRateTake?(key: string, capacity: number, windowMs: number): Promise<number>;
  };
  if (!client.learnliveRateTake) redis.defineCommand('learnliveRateTake', { numberOfKeys: 1, lua: TAKE });
  let warned = false;
  return {
    async take(key) {
      try {
        const taken = await withTimeout(
          client.learnliveRateTake!(options.prefix + key, options.capacity, options.windowMs),
          options.timeoutMs ?? 250,
          'redis timeout',
        );
        warned = false;
        return taken === 1;
      } catch (err) {
        if (!warned)
          options.logger.warn({ err: String(err) }, 'rate limit in Redis failed; limiting per process');
        warned = true;
        return fallback.take(key);
      }
    },
  };
}
