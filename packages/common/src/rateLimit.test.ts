import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rateLimit.js';

describe('TokenBuckets', () => {
  it('allows `capacity` at once, then refills evenly over the window, per key', () => {
    let t = 0;
    const buckets = new TokenBuckets({ capacity: 3, windowMs: 3_000 }, () => t);
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
    expect(buckets.take('b')).toBe(true); // keys are independent
    t += 999;
    expect(buckets.take('a')).toBe(false);
    t += 1;
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    t += 60_000; // never more than capacity after a long pause
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
  });

  it('forgets a key', () => {
    const buckets = new TokenBuckets({ capacity: 1, windowMs: 1_000 }, () => 0);
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    buckets.forget('a');
    expect(buckets.take('a')).toBe(true);
  });
});
