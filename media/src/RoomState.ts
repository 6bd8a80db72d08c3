import type { Redis } from 'ioredis';

/** What must survive a media process restart: who was removed and who may speak, per room. */
export interface RoomStateSnapshot {
  banned: string[];
  granted: string[];
}

/**
 * Where room state lives: in this process by default, in Redis when REDIS_URL is set (then a
 * restarted or replacement media process keeps bans and speaking grants).
 */
export interface RoomStateStore {
  readonly kind: 'memory' | 'redis';
  load(roomId: string): Promise<RoomStateSnapshot>;
  ban(roomId: string, userId: string): Promise<void>;
  setGranted(roomId: string, userId: string, granted: boolean): Promise<void>;
  close(): Promise<void>;
}

export class MemoryRoomStateStore implements RoomStateStore {
  readonly kind = 'memory';
  private readonly rooms = new Map<string, { banned: Set<string>; granted: Set<string> }>();

  private room(roomId: string) {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { banned: new Set(), granted: new Set() }));
    return room;
  }

  async load(roomId: string): Promise<RoomStateSnapshot> {
    const room = this.rooms.get(roomId);
    return { banned: [...(room?.banned ?? [])], granted: [...(room?.granted ?? [])] };
  }

  async ban(roomId: string, userId: string): Promise<void> {
    this.room(roomId).banned.add(userId);
  }

  async setGranted(roomId: string, userId: string, granted: boolean): Promise<void> {
    if (granted) this.room(roomId).granted.add(userId);
    else this.room(roomId).granted.delete(userId);
  }

  /** Drops a closed room's state (in memory only: Redis keys expire by themselves). */
  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }
}

/**
 * Two sets per room, expiring a day after the last change (a class does not last longer). The
 * connection is the service's (`MediaRedis`), and so is closing it.
 */
export class RedisRoomStateStore implements RoomStateStore {
  readonly kind = 'redis';

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = 24 * 3600,
  ) {}

  private key(roomId: string, set: 'banned' | 'granted'): string {
    return `learnlive:media:room:{${roomId}}:${set}`;
  }

  async load(roomId: string): Promise<RoomStateSnapshot> {
    const [banned, granted] = await Promise.all([
      this.redis.smembers(this.key(roomId, 'banned')),
      this.redis.smembers(this.key(roomId, 'granted')),
    ]);
    return { banned, granted };
  }

  async ban(roomId: string, userId: string): Promise<void> {
    const key = this.key(roomId, 'banned');
    await this.redis
      .multi()
      .sadd(key, userId)
      .expire(key, this.ttlSeconds)
      .srem(this.key(roomId, 'granted'), userId)
      .exec();
  }

  async setGranted(roomId: string, userId: string, granted: boolean): Promise<void> {
    const key = this.key(roomId, 'granted');
    if (granted) await this.redis.multi().sadd(key, userId).expire(key, this.ttlSeconds).exec();
    else await this.redis.srem(key, userId);
  }

  async close(): Promise<void> {}
}
