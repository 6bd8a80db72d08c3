import type { Redis } from 'ioredis';

/** At most `limit` hits per key in each fixed window of `windowMs`. */
export interface WindowLimit {
  /** Counts one hit; false when the key is over its limit in the current window. */
  hit(key: string): Promise<boolean>;
}

export interface WindowLimitOptions {
  limit: number;
  windowMs: number;
}

/** Counts in this process (one replica, or the fallback when Redis does not answer). */
export class MemoryWindowLimit implements WindowLimit {
  #windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly options: WindowLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string): Promise<boolean> {
    return Promise.resolve(this.hitNow(key));
  }

  hitNow(key: string): boolean {
    const now = this.now();
    // bounded memory: forget every window at once when too many keys are tracked
    if (this.#windows.size > 10_000) this.#windows.clear();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.options.windowMs) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return window.count <= this.options.limit;
  }
}

// INCR and the expiry of a new window in one step: a crash between them cannot leave a key that
// never expires.
const HIT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * Counts in Redis, shared by every replica. A limiter must not take sign-in down with it: when
 * Redis does not answer within `timeoutMs` the hit is counted in this process instead.
 */
export class RedisWindowLimit implements WindowLimit {
  readonly #fallback: MemoryWindowLimit;
  constructor(
    private readonly redis: Redis,
    private readonly options: WindowLimitOptions & {
      /** Key prefix, e.g. `learnlive:sign-in:`. */
      prefix: string;
      /** @default 250 */
      timeoutMs?: number;
    },
  ) {
    this.#fallback = new MemoryWindowLimit(options);
  }

  async hit(key: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis timeout')), this.options.timeoutMs ?? 250);
    });
    try {
      const count = await Promise.race([
        this.redis.eval(HIT, 1, this.options.prefix + key, this.options.windowMs) as Promise<number>,
        timeout,
      ]);
      return Number(count) <= this.options.limit;
    } catch {
      return this.#fallback.hitNow(key);
    } finally {
      clearTimeout(timer);
    }
  }
}
