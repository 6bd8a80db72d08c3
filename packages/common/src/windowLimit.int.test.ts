import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '@learnlive/testing';
import { MemoryWindowLimit, RedisWindowLimit } from './windowLimit.js';

describe('MemoryWindowLimit', () => {
  it('allows the limit per key per window, then refuses until the window passes', async () => {
    let now = 0;
    const limit = new MemoryWindowLimit({ limit: 3, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) expect(await limit.hit('10.0.0.1')).toBe(true);
    expect(await limit.hit('10.0.0.1')).toBe(false);
    expect(await limit.hit('10.0.0.2')).toBe(true); // its own window
    now += 60_000;
    expect(await limit.hit('10.0.0.1')).toBe(true);
  });
});

describe('RedisWindowLimit', () => {
  let server: TestRedis;
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(server.url, { maxRetriesPerRequest: null });
    client.on('error', () => {}); // refused while the test has Redis down
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });

  it('shares one count between processes (two connections), per key, per window', async () => {
    const options = { limit: 4, windowMs: 1500, prefix: 'test:shared:' };
    const a = new RedisWindowLimit(connect(), options);
    const b = new RedisWindowLimit(connect(), options);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await a.hit('203.0.113.9'), await b.hit('203.0.113.9'));
    // 6 hits on one key across both: the first 4 pass, whichever replica took them
    expect(answers).toEqual([true, true, true, true, false, false]);
    expect(await b.hit('203.0.113.10')).toBe(true);
    // the key expires with its window
    const ttl = await clients[0]!.pttl('test:shared:203.0.113.9');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1500);
    await new Promise((resolve) => setTimeout(resolve, ttl + 50));
    expect(await a.hit('203.0.113.9')).toBe(true);
  });

  it('counts in the process when Redis does not answer, instead of failing or hanging', async () => {
    const client = connect();
    const limit = new RedisWindowLimit(client, {
      limit: 2,
      windowMs: 60_000,
      prefix: 'test:down:',
      timeoutMs: 100,
    });
    await server.kill();
    try {
      const started = Date.now();
      expect(await limit.hit('198.51.100.1')).toBe(true);
      expect(await limit.hit('198.51.100.1')).toBe(true);
      expect(await limit.hit('198.51.100.1')).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await server.restart();
    }
  });
});
