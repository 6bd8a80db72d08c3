import type { Logger } from '@learnlive/common';
import type { Redis } from 'ioredis';

/** Where a room's signalling must go: this process, or another media node's URL. */
export type Location = { here: true } | { here: false; url: string };

/**
 * Which media node hosts each room. A room lives in one process (its routers are there), so
 * with several media nodes every peer of a room must reach the same one. One node alone
 * places every room here.
 */
export interface Placement {
  readonly kind: 'single' | 'redis';
  /** Claims the room for the least-loaded live node if nobody holds it; says where it lives. */
  locate(roomId: string): Promise<Location>;
  close(): Promise<void>;
}

export const singleNode: Placement = {
  kind: 'single',
  locate: async () => ({ here: true }),
  close: async () => {},
};

export interface RedisPlacementOptions {
  /** The service's connection (`MediaRedis`): it closes it after the placement. */
  redis: Redis;
  /** This node's signalling URL as browsers reach it; also its identity. */
  publicUrl: string;
  /** The rooms open here and a load figure (lower is emptier), read at each heartbeat. */
  status(): Promise<{ rooms: string[]; load: number }>;
  /** A node silent this long is dead: its rooms go to live nodes. */
  nodeTtlMs?: number;
  prefix?: string;
}

/*
 * The owner of a room, unless it is dead (its heartbeat key expired) and not the caller's own
 * address (a restarted process at the same address takes its rooms back): then the chosen node.
 * KEYS[1] room key; ARGV: chosen URL, room TTL ms, node-key prefix, caller URL.
 */
const CLAIM = `
local owner = redis.call('GET', KEYS[1])
if owner and (owner == ARGV[4] or redis.call('EXISTS', ARGV[3] .. owner) == 1) then
  if owner == ARGV[4] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return owner
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;

/*
 * Keeps this node's rooms claimed. KEYS: room keys; ARGV: this URL, TTL ms. A room another node
 * took over meanwhile (we were presumed dead) is left to it.
 */
const REFRESH = `
for _, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if not owner or owner == ARGV[1] then redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) end
end
return 0`;

/** Forgets claims of this node (closing). KEYS: room keys; ARGV[1]: this URL. */
const RELEASE = `
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

/**
 * Room placement across media nodes in Redis: each node heartbeats its load under a key that
 * expires (`node:<url>`); a room's owner is `room:<id>` → URL, claimed atomically (Lua) for the
 * least-loaded live node by whichever node a first client reached, and refreshed by its owner
 * while the room is open. Claims expire with the owner, so a dead node's rooms move on.
 */
export class RedisPlacement implements Placement {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly nodeTtlMs: number;
  private readonly prefix: string;
  private readonly timer: NodeJS.Timeout;
  private beating: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: RedisPlacementOptions,
    private readonly logger: Logger,
  ) {
    this.redis = options.redis;
    // A node key and its room claims expire after three missed heartbeats (one every nodeTtlMs / 3).
    this.nodeTtlMs = options.nodeTtlMs ?? 6000;
    this.prefix = options.prefix ?? 'learnlive:media:';
    this.timer = setInterval(() => {
      this.beating = this.heartbeat().catch((err: unknown) =>
        this.logger.warn({ err }, 'media placement heartbeat failed'),
      );
    }, this.nodeTtlMs / 3);
    this.timer.unref();
  }

  static async start(options: RedisPlacementOptions, logger: Logger): Promise<RedisPlacement> {
    const placement = new RedisPlacement(options, logger);
    try {
      await placement.heartbeat();
    } catch (err) {
      await placement.close();
      throw err;
    }
    return placement;
  }

  private nodeKey(url: string): string {
    return `${this.prefix}node:${url}`;
  }

  private roomKey(roomId: string): string {
    return `${this.prefix}room:${roomId}`;
  }

  private async heartbeat(): Promise<void> {
    const { rooms, load } = await this.options.status();
    const { publicUrl } = this.options;
    const multi = this.redis
      .multi()
      .set(this.nodeKey(publicUrl), String(load), 'PX', this.nodeTtlMs)
      .sadd(`${this.prefix}nodes`, publicUrl);
    if (rooms.length)
      multi.eval(REFRESH, rooms.length, ...rooms.map((r) => this.roomKey(r)), publicUrl, this.nodeTtlMs);
    await multi.exec();
  }

  /** The live nodes and their load; dead ones are dropped from the set. */
  private async nodes(): Promise<Array<{ url: string; load: number }>> {
    const urls = await this.redis.smembers(`${this.prefix}nodes`);
    if (urls.length === 0) return [];
    const loads = await this.redis.mget(urls.map((u) => this.nodeKey(u)));
    const dead = urls.filter((_, i) => loads[i] === null);
    if (dead.length) await this.redis.srem(`${this.prefix}nodes`, ...dead);
    return urls.flatMap((url, i) => (loads[i] === null ? [] : [{ url, load: Number(loads[i]) }]));
  }

  async locate(roomId: string): Promise<Location> {
    try {
      return await this.claim(roomId);
    } catch (err) {
      // Redis unreachable: serving the room here beats refusing everyone.
      this.logger.warn({ err, roomId }, 'media placement unavailable: serving the room here');
      return { here: true };
    }
  }

  private async claim(roomId: string): Promise<Location> {
    const { publicUrl } = this.options;
    const live = await this.nodes();
    // Emptiest first; this node wins ties (no redirect when it does not matter).
    const chosen = live.reduce(
      (best, node) =>
        node.load < best.load || (node.load === best.load && node.url === publicUrl) ? node : best,
      { url: publicUrl, load: live.find((n) => n.url === publicUrl)?.load ?? Number.POSITIVE_INFINITY },
    );
    const owner = (await this.redis.eval(
      CLAIM,
      1,
      this.roomKey(roomId),
      chosen.url,
      this.nodeTtlMs,
      `${this.prefix}node:`,
      publicUrl,
    )) as string;
    return owner === publicUrl ? { here: true } : { here: false, url: owner };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.beating;
    try {
      const { rooms } = await this.options.status();
      const multi = this.redis.multi().del(this.nodeKey(this.options.publicUrl));
      if (rooms.length)
        multi.eval(RELEASE, rooms.length, ...rooms.map((r) => this.roomKey(r)), this.options.publicUrl);
      await multi.exec();
    } catch (err) {
      this.logger.warn({ err }, 'media placement: could not release rooms');
    }
  }
}
