import type { Redis } from 'ioredis';
import type { Logger } from '@learnlive/common';
import type { ChatMessage } from '@learnlive/contracts';

/**
 * The last N messages of each room in Redis (a sorted set scored by offset), so a reconnecting
 * client's catch-up rarely touches PostgreSQL. The cache is best-effort: a write can be lost
 * (Redis down or restarted), so a read is trusted only when it is gapless from `since + 1` up
 * to the room's last offset as PostgreSQL knows it; anything else falls back to PostgreSQL.
 */
export interface RecentCache {
  put(message: ChatMessage): void;
  /** Messages after `since`, or undefined when the cache cannot prove it holds all of them. */
  after(room: string, since: number, lastOffset: number, max: number): Promise<ChatMessage[] | undefined>;
}

export const noCache: RecentCache = {
  put: () => {},
  after: async () => undefined,
};

const key = (room: string) => `rt:recent:${room}`;

export function redisRecentCache(redis: Redis, size: number, logger: Logger): RecentCache {
  if (size <= 0) return noCache;
  const failed = (err: unknown) => logger.debug({ err }, 'recent cache write failed');
  return {
    put(message) {
      // Edits, reactions and deletions replace the entry at the same offset.
      redis
        .multi()
        .zremrangebyscore(key(message.room), message.offset, message.offset)
        .zadd(key(message.room), message.offset, JSON.stringify(message))
        .zremrangebyrank(key(message.room), 0, -(size + 1))
        .exec()
        .catch(failed);
    },
    async after(room, since, lastOffset, max) {
      if (lastOffset <= since) return [];
      if (lastOffset - since > max) return undefined;
      let raw: string[];
      try {
        raw = await redis.zrangebyscore(key(room), `(${since}`, lastOffset);
      } catch {
        return undefined;
      }
      const messages = raw.map((entry) => JSON.parse(entry) as ChatMessage);
      const gapless = messages.every((m, i) => m.offset === since + 1 + i);
      return gapless && messages.length === lastOffset - since ? messages : undefined;
    },
  };
}
