/**
 * Token buckets per key (a user, a socket): `capacity` tokens, refilled evenly over `windowMs`.
 * Per process: each node limits what it accepts; a person spreading sockets over N nodes gets at
 * most N times the rate, which the per-room slow mode (in PostgreSQL) does not allow.
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
