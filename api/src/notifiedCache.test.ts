import { describe, expect, it } from 'vitest';
import { NotifiedCache } from './notifiedCache.js';

const cacheOf = (ttlMs: number, now?: () => number) =>
  new NotifiedCache<string>({ ttlMs, maxEntries: 1000, ...(now ? { now } : {}) });

describe('NotifiedCache', () => {
  it('serves a value until its TTL, then loads again; forget() and clear() drop values', async () => {
    let now = 0;
    let loads = 0;
    const cache = cacheOf(1000, () => now);
    cache.listening();
    const load = async () => `v${++loads}`;
    expect(await cache.get('a', load)).toBe('v1');
    expect(cache.get('a', load)).toBe('v1'); // in memory: synchronous
    expect(await cache.get('b', load)).toBe('v2');
    now = 1001;
    expect(await cache.get('a', load)).toBe('v3');
    cache.forget('a');
    expect(await cache.get('a', load)).toBe('v4');
    cache.clear();
    expect(await cache.get('b', load)).toBe('v5');
  });

  it('with a TTL of 0, or while change notifications are not flowing, always loads', async () => {
    let loads = 0;
    const load = async () => `v${++loads}`;
    const off = cacheOf(0);
    off.listening();
    await off.get('a', load);
    await off.get('a', load);
    expect(loads).toBe(2);

    const deaf = cacheOf(60_000);
    await deaf.get('a', load);
    await deaf.get('a', load);
    expect(loads).toBe(4);
    deaf.listening();
    await deaf.get('a', load);
    await deaf.get('a', load);
    expect(loads).toBe(5);
    deaf.lost();
    await deaf.get('a', load);
    expect(loads).toBe(6);
  });

  it('shares one load between concurrent misses', async () => {
    let loads = 0;
    const cache = cacheOf(60_000);
    cache.listening();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => cache.get('a', async () => `v${++loads}`)),
    );
    expect(loads).toBe(1);
    expect(new Set(answers)).toEqual(new Set(['v1']));
  });

  it('never keeps a value loaded before a change that happened while it loaded', async () => {
    for (const change of ['clear', 'forget'] as const) {
      let loads = 0;
      const cache = cacheOf(60_000);
      cache.listening();
      let release!: () => void;
      const slow = cache.get('a', async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return `v${++loads}`;
      });
      await Promise.resolve();
      if (change === 'clear') cache.clear();
      else cache.forget('a'); // the change commits while the old read is in flight
      release();
      expect(await slow).toBe('v1'); // that caller gets what it read
      expect(await cache.get('a', async () => `v${++loads}`), change).toBe('v2'); // nobody else does
    }
  });

  it('stays bounded: past maxEntries it starts over', async () => {
    let loads = 0;
    const cache = new NotifiedCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    cache.listening();
    for (const key of ['a', 'b', 'c']) await cache.get(key, async () => `v${++loads}`);
    expect(await cache.get('c', async () => `v${++loads}`)).toBe('v3');
    expect(await cache.get('a', async () => `v${++loads}`)).toBe('v4');
  });
});
