import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '@learnlive/testing';
import { memoryTokenGenerations, redisTokenGenerations, type TokenGenerations } from './tokenGenerations.js';

/** One suite for both adapters: memory (the all-in-one) and Redis (separate processes). */
describe.each([
  ['memory', 'memory'],
  ['redis', 'redis'],
] as const)('TokenGenerations (%s)', (_name, kind) => {
  let server: TestRedis | undefined;
  const clients: Redis[] = [];
  let open: () => TokenGenerations;
  beforeAll(async () => {
    if (kind === 'memory') {
      const shared = memoryTokenGenerations();
      open = () => shared;
      return;
    }
    server = await startRedis();
    open = () => {
      const client = new Redis(server!.url);
      clients.push(client);
      return redisTokenGenerations(client, 'test:gen:');
    };
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.stop();
  });

  it('what the writer records the reader sees; unknown users have none; it never moves backwards', async () => {
    const [writer, reader] = [open(), open()];
    expect(await reader.current('nobody')).toBeUndefined();
    await writer.record('u1', 3, 60);
    expect(await reader.current('u1')).toBe(3);
    await writer.record('u1', 2, 60); // an older bump recorded late
    expect(await reader.current('u1')).toBe(3);
    await writer.record('u1', 4, 60);
    expect(await reader.current('u1')).toBe(4);
    expect(await reader.current('u2')).toBeUndefined();
  });

  it('reads many users at once: only those with a record', async () => {
    const [writer, reader] = [open(), open()];
    await writer.record('many-1', 2, 60);
    await writer.record('many-3', 5, 60);
    expect(await reader.currentMany([])).toEqual(new Map());
    expect(await reader.currentMany(['many-1', 'many-2', 'many-3'])).toEqual(
      new Map([
        ['many-1', 2],
        ['many-3', 5],
      ]),
    );
  });

  it('forgets a record after its lifetime (every older token has expired by then)', async () => {
    const [writer, reader] = [open(), open()];
    await writer.record('short', 1, 1);
    expect(await reader.current('short')).toBe(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await reader.current('short')).toBeUndefined();
  });
});
