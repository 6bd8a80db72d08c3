import type { Redis } from 'ioredis';
import type { Logger } from '@learnlive/common';

/**
 * Token buckets per key (a user, a socket): `capacity` tokens, refilled evenly over `windowMs`.
 * Per process: each node limits what it accepts (events per socket; chat per person without
 * Redis). The chat limit across nodes is `redisRateLimiter` below.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private sweeps = 0;

  constructor(
    private readonly capacity: number,
    windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = capacity / windowMs;
  }

  /** Takes one token; false when the bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    if (++this.sweeps % 10_000 === 0) this.sweep(now);
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return true;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** Full buckets carry no information: drop them so the map does not grow forever. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.capacity) this.buckets.delete(key);
    }
  }
}

/** The per-person chat limit: the same bucket on every node with Redis, this node's without. */
export interface ChatRateLimiter {
  /** Takes one token of `key`; false when its bucket is empty. */
  take(key: string): Promise<boolean>;
}

export function memoryRateLimiter(capacity: number, windowMs: number): ChatRateLimiter {
  const local = new RateLimiter(capacity, windowMs);
  return { take: async (key) => local.take(key) };
}

/**
 * The token bucket above, atomically in Redis: one hash per key with the tokens left and the
 * time they were counted (Redis's clock, so nodes' clocks do not matter), expiring once a full
 * bucket carries no information. Returns 1 when a token was taken.
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

/**
 * The chat limit shared by every node: a person spreading sockets over N nodes still gets one
 * bucket. When Redis does not answer (down, restarting), the node falls back to its own bucket
 * so chat keeps working, limited per node until Redis is back.
 */
export function redisRateLimiter(
  redis: Redis,
  capacity: number,
  windowMs: number,
  logger: Logger,
  prefix = 'rt:rate:chat:',
): ChatRateLimiter {
  const fallback = new RateLimiter(capacity, windowMs);
  // EVALSHA with the script loaded once per connection, instead of its text on every message.
  const client = redis as Redis & {
    rtRateTake?(key: string, capacity: number, windowMs: number): Promise<number>;
  };
  if (!client.rtRateTake) redis.defineCommand('rtRateTake', { numberOfKeys: 1, lua: TAKE });
  let warned = false;
  return {
    async take(key) {
      try {
        const taken = await client.rtRateTake!(prefix + key, capacity, windowMs);
        warned = false;
        return taken === 1;
      } catch (err) {
        if (!warned) logger.warn({ err: String(err) }, 'chat rate limit in Redis failed; limiting per node');
        warned = true;
        return fallback.take(key);
      }
    },
  };
}
