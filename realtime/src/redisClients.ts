import { createRedis, type Logger } from '@learnlive/common';
import { Redis } from 'ioredis';
import type { RealtimeConfig } from './config.js';

/** The Redis connections of one node (REDIS_URL). */
export interface RealtimeRedis {
  /** The adapter's publisher and subscriber. */
  pub: Redis;
  sub: Redis;
  /** The sharded adapter cannot hear @socket.io/redis-emitter: a classic subscription does. */
  emitterSub: Redis | undefined;
  /** Presence, the recent cache, rate limits, token generations. */
  data: Redis;
  /** Every connection above, to close. */
  all: Redis[];
}

/**
 * The adapter's clients queue while Redis is away (nothing published is lost on a blip); the
 * data client fails fast instead, so a chat message never waits on the cache or presence.
 */
export function connectRedis(config: RealtimeConfig, log: Logger): RealtimeRedis | undefined {
  if (!config.redisUrl) return undefined;
  const pub = createRedis(config.redisUrl, 'realtime-pub');
  const sub = createRedis(config.redisUrl, 'realtime-sub');
  const emitterSub =
    config.redisAdapter === 'sharded' ? createRedis(config.redisUrl, 'realtime-emitter-sub') : undefined;
  const data = new Redis(config.redisUrl, {
    connectionName: 'realtime-data',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
  });
  const all = [pub, sub, data, ...(emitterSub ? [emitterSub] : [])];
  for (const client of all) {
    client.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
  }
  return { pub, sub, emitterSub, data, all };
}
