import { describe, expect, it } from 'vitest';
import type { CoursePage } from '@learnlive/contracts';
import { CatalogCache } from './catalog.js';

const page = (n: number): CoursePage => ({ items: [], nextCursor: String(n) });

describe('CatalogCache', () => {
  it('serves a page until its TTL, then loads again; clear() forgets everything', async () => {
    let now = 0;
    let loads = 0;
    const cache = new CatalogCache(1000, () => now);
    const load = async () => page(++loads);
    expect(await cache.get('a', load)).toEqual(page(1));
    expect(await cache.get('a', load)).toEqual(page(1));
    expect(await cache.get('b', load)).toEqual(page(2));
    now = 1001;
    expect(await cache.get('a', load)).toEqual(page(3));
    cache.clear();
    expect(await cache.get('a', load)).toEqual(page(4));
  });

  it('with a TTL of 0 always loads', async () => {
    let loads = 0;
    const cache = new CatalogCache(0);
    await cache.get('a', async () => page(++loads));
    await cache.get('a', async () => page(++loads));
    expect(loads).toBe(2);
  });
});
