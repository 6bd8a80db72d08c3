import type { Redis } from 'ioredis';
import type { Logger } from '@learnlive/common';
import type { Presence, PresenceUser } from '@learnlive/contracts';

/** What a change did to a room's set of people (one person may have several sockets). */
export interface PresenceChange {
  /** First socket of this person in the room (join) or their last one gone (leave). */
  changed: boolean;
  /** People in the room now. */
  count: number;
}

/** Somebody's sockets vanished with a dead node. */
export interface PresenceGone {
  room: string;
  userIds: string[];
  count: number;
}

export interface PresenceStore {
  add(room: string, socketId: string, user: PresenceUser): Promise<PresenceChange>;
  remove(room: string, socketId: string, userId: string): Promise<PresenceChange>;
  list(room: string, max: number): Promise<Presence>;
  /** Refreshes this node's entries and clears dead nodes' entries; returns who vanished. */
  heartbeat(): Promise<PresenceGone[]>;
  close(): Promise<void>;
}

/** One node, no Redis: presence is this process's sockets. */
export function memoryPresence(): PresenceStore {
  const rooms = new Map<string, Map<string, { user: PresenceUser; sockets: Set<string> }>>();
  return {
    async add(room, socketId, user) {
      const people = rooms.get(room) ?? new Map<string, { user: PresenceUser; sockets: Set<string> }>();
      rooms.set(room, people);
      const entry = people.get(user.userId) ?? { user, sockets: new Set<string>() };
      people.set(user.userId, entry);
      entry.sockets.add(socketId);
      return { changed: entry.sockets.size === 1, count: people.size };
    },
    async remove(room, socketId, userId) {
      const people = rooms.get(room);
      const entry = people?.get(userId);
      if (!people || !entry || !entry.sockets.delete(socketId))
        return { changed: false, count: people?.size ?? 0 };
      if (entry.sockets.size === 0) people.delete(userId);
      if (people.size === 0) rooms.delete(room);
      return { changed: entry.sockets.size === 0, count: people.size };
    },
    async list(room, max) {
      const people = rooms.get(room);
      const count = people?.size ?? 0;
      return count > max
        ? { room, count }
        : { room, count, users: [...(people?.values() ?? [])].map((e) => e.user) };
    },
    heartbeat: async () => [],
    close: async () => {},
  };
}

// Keys: rt:pz:{room} zset of `node\tsocket\tuser\tname` scored by expiry (ms); rt:pu:{room} hash
// user → socket count; rt:nodes zset node → expiry; rt:nr:{node} set of rooms the node serves.
const Z = (room: string) => `rt:pz:${room}`;
const U = (room: string) => `rt:pu:${room}`;
const NODES = 'rt:nodes';
const NR = (node: string) => `rt:nr:${node}`;

/** ZADD; when the entry is new, count the person's sockets up. Returns {socketsOfUser, people}. */
const ADD = `
local added = redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local n
if added == 1 then n = redis.call('HINCRBY', KEYS[2], ARGV[3], 1) else n = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0') end
return {added, n, redis.call('HLEN', KEYS[2])}`;
/** ZREM; when it was there, count down and drop the person at zero. Returns {gone, people}. */
const REMOVE = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local gone = 0
if removed == 1 then
  local n = redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
  if n <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]); gone = 1 end
end
return {gone, redis.call('HLEN', KEYS[2])}`;
/**
 * Removes every entry of node ARGV[1] from room ARGV[2] and the room from the node's set, at once
 * (an entry the node adds afterwards puts the room back); returns the people gone, then the count.
 */
const SWEEP = `
local prefix = ARGV[1] .. '\\t'
local gone = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(member, 1, #prefix) == prefix then
    redis.call('ZREM', KEYS[1], member)
    local user = string.match(member, '^[^\\t]*\\t[^\\t]*\\t([^\\t]*)')
    local n = redis.call('HINCRBY', KEYS[2], user, -1)
    if n <= 0 then redis.call('HDEL', KEYS[2], user); table.insert(gone, user) end
  end
end
redis.call('SREM', KEYS[3], ARGV[2])
table.insert(gone, tostring(redis.call('HLEN', KEYS[2])))
return gone`;
/**
 * Forgets node ARGV[1] only if it is still expired (at ARGV[2]) and serves no room: a node that
 * was only late has refreshed its expiry or added a room meanwhile, and stays listed.
 */
const FORGET = `
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry or tonumber(expiry) > tonumber(ARGV[2]) or redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1`;

/**
 * Presence across nodes in Redis. Each node refreshes its own entries every heartbeat; a node
 * that stops refreshing is found dead by the others after the TTL, and whichever node claims it
 * first (ZREM on rt:nodes) removes its entries and announces who left.
 */
export function redisPresence(
  redis: Redis,
  options: { nodeId: string; ttlMs: number },
  logger: Logger,
): PresenceStore {
  const local = new Map<string, { room: string; member: string; userId: string }>();
  const member = (socketId: string, user: PresenceUser) =>
    `${options.nodeId}\t${socketId}\t${user.userId}\t${user.name.replace(/\t/g, ' ')}`;
  const localKey = (room: string, socketId: string) => `${room}\n${socketId}`;
  let closed = false;
  return {
    async add(room, socketId, user) {
      const m = member(socketId, user);
      local.set(localKey(room, socketId), { room, member: m, userId: user.userId });
      const expiry = Date.now() + options.ttlMs;
      // The node is listed with its room in the same step: a node swept while it was only late
      // (and forgotten) is listed again, so its entries are swept if it dies before its heartbeat.
      const [, sockets, people] = (await redis
        .multi()
        .zadd(NODES, 'GT', expiry, options.nodeId)
        .sadd(NR(options.nodeId), room)
        .eval(ADD, 2, Z(room), U(room), m, expiry, user.userId)
        .exec()
        .then((r) => r?.[2]?.[1])) as [number, number, number];
      return { changed: sockets === 1, count: people };
    },
    async remove(room, socketId, userId) {
      const entry = local.get(localKey(room, socketId));
      if (!entry) return { changed: false, count: 0 };
      local.delete(localKey(room, socketId));
      const [gone, people] = (await redis.eval(REMOVE, 2, Z(room), U(room), entry.member, userId)) as [
        number,
        number,
      ];
      return { changed: gone === 1, count: people };
    },
    async list(room, max) {
      const count = await redis.hlen(U(room));
      if (count > max) return { room, count };
      const members = await redis.zrangebyscore(Z(room), Date.now(), '+inf');
      const users = new Map<string, PresenceUser>();
      for (const m of members) {
        const [, , userId, name] = m.split('\t');
        if (userId && !users.has(userId)) users.set(userId, { userId, name: name ?? '' });
      }
      return { room, count, users: [...users.values()] };
    },
    async heartbeat() {
      if (closed) return [];
      const now = Date.now();
      const expiry = now + options.ttlMs;
      // Refresh: re-adding also restores everything after a Redis restart emptied it.
      const refresh = redis.multi().zadd(NODES, expiry, options.nodeId);
      for (const entry of local.values()) {
        refresh.sadd(NR(options.nodeId), entry.room);
        refresh.eval(ADD, 2, Z(entry.room), U(entry.room), entry.member, expiry, entry.userId);
      }
      await refresh.exec();
      const gone: PresenceGone[] = [];
      const dead = await redis.zrangebyscore(NODES, '-inf', now);
      for (const node of dead) {
        if (node === options.nodeId) continue; // starved past its own TTL: the refresh above revived it
        // Sweep first, forget the node last: a sweeper that fails half-way (a timeout under
        // load) leaves the node listed as dead, so the next heartbeat of any node finishes the
        // job. Claiming it first (ZREM) and then failing left its people online for ever.
        // Concurrent sweepers are safe: SWEEP's ZREM reports each entry to one of them only.
        // The node may be alive and only late (starved): a room it adds during the sweep stays
        // in its set (SWEEP removes each room with its entries, at once) and keeps it listed.
        try {
          const rooms = await redis.smembers(NR(node));
          for (const room of rooms) {
            const result = (await redis.eval(SWEEP, 3, Z(room), U(room), NR(node), node, room)) as string[];
            const count = Number(result.pop());
            if (result.length) gone.push({ room, userIds: result, count });
          }
          if ((await redis.eval(FORGET, 2, NODES, NR(node), node, now)) === 1)
            logger.info({ node, rooms: rooms.length }, 'dead node swept from presence');
        } catch (err) {
          logger.warn({ node, err: String(err) }, 'dead node sweep failed; the next heartbeat retries');
        }
      }
      return gone;
    },
    async close() {
      closed = true;
      // A clean stop removes its entries at once (the sockets' disconnects already did most).
      await redis.multi().zrem(NODES, options.nodeId).del(NR(options.nodeId)).exec();
    },
  };
}
