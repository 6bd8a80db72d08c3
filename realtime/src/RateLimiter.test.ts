import { describe, expect, it } from 'vitest';
import { RateLimiter } from './RateLimiter.js';

describe('RateLimiter', () => {
  it('allows `capacity` at once, then refills evenly over the window, per key', () => {
    let t = 0;
    const limiter = new RateLimiter(3, 3_000, () => t);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    expect(limiter.take('b')).toBe(true); // keys are independent
    t += 999;
    expect(limiter.take('a')).toBe(false);
    t += 1;
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    t += 60_000; // never more than capacity after a long pause
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
  });

  it('forgets a key', () => {
    const limiter = new RateLimiter(1, 1_000, () => 0);
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('a')).toBe(false);
    limiter.forget('a');
    expect(limiter.take('a')).toBe(true);
  });
});
