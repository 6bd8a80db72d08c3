import { describe, expect, it } from 'vitest';
import { Ops } from './readiness.js';
import { withTimeout } from './lifecycle.js';

describe('withTimeout', () => {
  it('passes an answer through, and rejects with its message when none comes in time', async () => {
    expect(await withTimeout(Promise.resolve(7), 50)).toBe(7);
    const never = new Promise<never>(() => {});
    await expect(withTimeout(never, 20, 'redis timeout')).rejects.toThrow('redis timeout');
    await expect(withTimeout(Promise.reject(new Error('refused')), 1000)).rejects.toThrow('refused');
  });

  it('a readiness check that hangs reports not ready instead of hanging the endpoint', async () => {
    const ops = new Ops('api', { database: async () => {}, redis: () => new Promise(() => {}) }, 30);
    expect(await ops.readiness()).toEqual({
      status: 'not_ready',
      service: 'api',
      checks: { database: { ok: true }, redis: { ok: false, error: 'no answer within 30 ms' } },
    });
  });
});
