import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, testLogger, type TestRedis } from '@learnlive/testing';
import { redisRateLimit } from './rateLimit.js';

const logger = testLogger('rate-limit');

describe('redisRateLimit', () => {
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

  it('shares one bucket between processes (two connections), per key, refilled over the window', async () => {
    const options = { capacity: 4, windowMs: 1500, prefix: 'test:shared:', logger };
    const a = redisRateLimit(connect(), options);
    const b = redisRateLimit(connect(), options);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await a.take('203.0.113.9'), await b.take('203.0.113.9'));
    // 6 takes on one key across both: the first 4 pass, whichever process took them
    expect(answers).toEqual([true, true, true, true, false, false]);
    expect(await b.take('203.0.113.10')).toBe(true);
    // the key expires once its bucket would be full again
    const ttl = await clients[0]!.pttl('test:shared:203.0.113.9');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1500);
    await new Promise((resolve) => setTimeout(resolve, 1500 / 4 + 50));
    expect(await a.take('203.0.113.9')).toBe(true); // one token back after a quarter window
    expect(await a.take('203.0.113.9')).toBe(false);
  });

  it('counts in the process when Redis does not answer, instead of failing or hanging', async () => {
    const client = connect();
    const limit = redisRateLimit(client, {
      capacity: 2,
      windowMs: 60_000,
      prefix: 'test:down:',
      logger,
      timeoutMs: 100,
    });
    await server.kill();
    try {
      const started = Date.now();
      expect(await limit.take('198.51.100.1')).toBe(true);
      expect(await limit.take('198.51.100.1')).toBe(true);
      expect(await limit.take('198.51.100.1')).toBe(false);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await server.restart();
    }
  });
});
