import { describe, expect, it } from 'vitest';
import { AddressRateLimit } from './throttle.js';

describe('AddressRateLimit', () => {
  it('allows the limit per address per minute, then refuses until the window passes', () => {
    let now = 0;
    const limit = new AddressRateLimit(3, () => now);
    for (let i = 0; i < 3; i++) limit.hit('10.0.0.1');
    expect(() => limit.hit('10.0.0.1')).toThrow(expect.objectContaining({ code: 'rate_limited' }));
    // another address has its own window
    expect(() => limit.hit('10.0.0.2')).not.toThrow();
    now += 60_000;
    expect(() => limit.hit('10.0.0.1')).not.toThrow();
  });
});
