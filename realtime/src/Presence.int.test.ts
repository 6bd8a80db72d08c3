import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, testLogger, type TestRedis } from '@learnlive/testing';
import { redisPresence } from './Presence.js';

/** Presence's Redis store on a private Redis: two nodes' stores, heartbeats called by hand. */
describe('redis presence: a dead node’s people are swept once, a late node is not lost', () => {
  let server: TestRedis;
  let redis: Redis;
  const TTL_MS = 200;
  const log = testLogger('presence');
  /** A node's store, registered as a starting node registers itself (its first heartbeat). */
  const node = async (nodeId: string) => {
    const store = redisPresence(redis, { nodeId, ttlMs: TTL_MS }, log);
    await store.heartbeat();
    return store;
  };
  const user = (userId: string) => ({ userId, name: userId });

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  beforeEach(() => redis.flushall()); // each test's nodes alone
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('a node that stops heartbeating is swept by another, its people announced gone once', async () => {
    const dead = await node('dead-1');
    const alive = await node('alive-1');
    expect(await dead.add('course:a', 's1', user('ann'))).toEqual({ changed: true, count: 1 });
    expect(await alive.add('course:a', 's2', user('bob'))).toEqual({ changed: true, count: 2 });
    expect(await alive.add('course:a', 's3', user('bob'))).toEqual({ changed: false, count: 2 });
    expect((await alive.list('course:a', 10)).users?.map((u) => u.userId).sort()).toEqual(['ann', 'bob']);
    await delay(TTL_MS + 50);
    const gone = await alive.heartbeat();
    expect(gone).toEqual([{ room: 'course:a', userIds: ['ann'], count: 1 }]);
    expect(await alive.heartbeat()).toEqual([]);
    expect((await alive.list('course:a', 10)).users?.map((u) => u.userId)).toEqual(['bob']);
    expect(await redis.zscore('rt:nodes', 'dead-1')).toBeNull();
  });

  it('a node swept while only late, which then adds a room and dies before its heartbeat, is swept again', async () => {
    const late = await node('late-1');
    const sweeper = await node('sweeper-1');
    await late.add('course:b', 's1', user('cat'));
    await delay(TTL_MS + 50);
    // taken for dead (it missed its heartbeats) and forgotten
    expect(await sweeper.heartbeat()).toEqual([{ room: 'course:b', userIds: ['cat'], count: 0 }]);
    // it was alive: a person joins another room on it, then it dies before any heartbeat
    await late.add('course:c', 's2', user('dan'));
    await delay(TTL_MS + 50);
    // without the node listed again by that join, dan stayed online for ever
    expect(await sweeper.heartbeat()).toEqual([{ room: 'course:c', userIds: ['dan'], count: 0 }]);
    expect((await sweeper.list('course:c', 10)).users).toEqual([]);
  });

  it('a late node that refreshes is not forgotten, and its people come back with its heartbeat', async () => {
    const late = await node('late-2');
    const sweeper = await node('sweeper-2');
    await late.add('course:d', 's1', user('eve'));
    await delay(TTL_MS + 50);
    await sweeper.heartbeat(); // swept while late
    await late.heartbeat(); // it was alive: its refresh lists it and its people again
    expect((await sweeper.list('course:d', 10)).users?.map((u) => u.userId)).toEqual(['eve']);
    await delay(TTL_MS + 50);
    expect(await sweeper.heartbeat()).toEqual([{ room: 'course:d', userIds: ['eve'], count: 0 }]);
  });
});
