import { describe, expect, it } from 'vitest';
import { ConfigError } from '@learnlive/common';
import { TEST_JWT_SECRET } from '@learnlive/testing';
import { loadRealtimeConfig } from './config.js';

describe('realtime config', () => {
  it('has an explicit default for every limit', () => {
    const config = loadRealtimeConfig({ JWT_SECRET: TEST_JWT_SECRET });
    expect(config.limits).toEqual({
      maxPacketBytes: 16_384,
      chatRateMessages: 10,
      chatRateWindowMs: 10_000,
      chatCommitWindowMs: 0,
      chatCommitMaxBatch: 256,
      chatCommitPartitions: 4,
      socketEventsPerSecond: 30,
      typingThrottleMs: 2_000,
      maxRoomsPerSocket: 20,
      maxTextLength: 2_000,
      recentCacheSize: 500,
      catchupMax: 500,
    });
    expect(config.presence).toEqual({ heartbeatMs: 5_000, ttlMs: 15_000, listMax: 100 });
    expect(config.redisAdapter).toBe('pubsub');
    // a dead node's people vanish within TTL + one sweep: under the 30 s the issue allows
    expect(config.presence.ttlMs + config.presence.heartbeatMs).toBeLessThanOrEqual(30_000);
  });

  it('reads every limit from its variable and refuses nonsense', () => {
    const config = loadRealtimeConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      CHAT_RATE_MESSAGES: '5',
      CHAT_MAX_TEXT: '500',
      PRESENCE_LIST_MAX: '7',
      REALTIME_REDIS_ADAPTER: 'sharded',
    });
    expect(config.limits.chatRateMessages).toBe(5);
    expect(config.limits.maxTextLength).toBe(500);
    expect(config.presence.listMax).toBe(7);
    expect(config.redisAdapter).toBe('sharded');
    expect(() => loadRealtimeConfig({ JWT_SECRET: TEST_JWT_SECRET, CHAT_MAX_TEXT: '5000' })).toThrow(
      /CHAT_MAX_TEXT: must be at most 2000/,
    );
    expect(() =>
      loadRealtimeConfig({
        JWT_SECRET: TEST_JWT_SECRET,
        PRESENCE_TTL_MS: '1000',
        PRESENCE_HEARTBEAT_MS: '5000',
      }),
    ).toThrow(ConfigError);
    expect(() => loadRealtimeConfig({ JWT_SECRET: TEST_JWT_SECRET, CHAT_RATE_MESSAGES: '0' })).toThrow(
      /CHAT_RATE_MESSAGES/,
    );
  });
});
