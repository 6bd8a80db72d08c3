import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomRole } from '@learnlive/contracts';
import { freePort, startRedis, testLogger, waitFor, type TestRedis } from '@learnlive/testing';
import { SignallingClient } from '../test/signallingClient.js';
import { roomToken, startTestMedia } from '../test/testMedia.js';
import { RedisPlacement } from './Placement.js';
import { MediaRedis } from './redisClients.js';
import type { MediaService } from './service.js';

/** Two media nodes sharing a Redis: each room lives on one, and clients are sent to it. */
describe('room placement across media nodes', () => {
  let redis: TestRedis;
  const nodes: Array<{ media: MediaService; url: string }> = [];
  const clients: SignallingClient[] = [];

  async function startNode() {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const media = await startTestMedia(
      {
        MEDIA_PORT: String(port),
        MEDIA_ROOM_EMPTY_GRACE_MS: '200',
        REDIS_URL: redis.url,
        MEDIA_PUBLIC_URL: url,
        MEDIA_PLACEMENT_TTL_MS: '1500',
      },
      {},
      'media-placement',
    );
    const node = { media, url };
    nodes.push(node);
    return node;
  }

  let seq = 0;
  const token = (room: string, role: RoomRole = 'learner') => {
    const sub = `user-${++seq}`;
    return roomToken(room, role, sub);
  };
  /** Connects (following no redirect): the client, or the handshake error's data. */
  async function connect(url: string, room: string) {
    try {
      const client = await SignallingClient.connect(url, token(room));
      clients.push(client);
      return { client };
    } catch (err) {
      return { refused: (err as { data?: { code?: string; location?: string } }).data };
    }
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const { media } of nodes) await media.close();
    await redis?.stop();
  });

  it('sends a client that reached the wrong node to the one that hosts the room', async () => {
    const [a, b] = [await startNode(), await startNode()];
    expect(a.media.placement).toBe('redis');
    const room = 'live:placed';
    const first = await connect(a.url, room);
    await first.client!.request('join', {});
    // B does not host the room: the handshake says where to go, with a typed error.
    const wrong = await connect(b.url, room);
    expect(wrong.refused).toEqual({
      code: 'moved',
      message: 'this room is hosted by another media node',
      location: a.url,
    });
    const second = await connect(wrong.refused!.location!, room);
    const joined = await second.client!.request('join', {});
    expect(joined.peers.map((p) => p.peerId)).toHaveLength(1);
    expect(await b.media.rooms.find(room)).toBeUndefined();

    // A new room goes to the emptier node, whichever node the first client reached.
    await waitFor(
      async () => {
        const { refused } = await connect(a.url, `live:fresh-${++seq}`);
        return refused?.location === b.url;
      },
      { timeoutMs: 10_000, what: 'a busy node sends new rooms to the idle one' },
    );

    // A node that shuts down gives its rooms up: their clients land on the other node.
    await a.media.close();
    const moved = await connect(b.url, room);
    expect(moved.refused).toBeUndefined();
    await moved.client!.request('join', {});
    expect(await b.media.rooms.find(room)).toBeDefined();
  });

  it('moves the rooms of a node that died (stopped heartbeating), and the old node lets them go', async () => {
    const logger = testLogger('media-placement');
    const status = (rooms: string[]) => async () => ({ rooms, load: 0 });
    const connections = new MediaRedis(redis.url, logger);
    const dead = await RedisPlacement.start(
      {
        redis: connections.connect('placement-dead'),
        publicUrl: 'http://dead:1',
        nodeTtlMs: 1500,
        status: status(['r1']),
      },
      logger,
    );
    const live = await RedisPlacement.start(
      {
        redis: connections.connect('placement-live'),
        publicUrl: 'http://live:1',
        nodeTtlMs: 1500,
        status: status([]),
      },
      logger,
    );
    try {
      // Ties go to the node asked, so each claims what reaches it first.
      expect(await dead.locate('r1')).toEqual({ here: true });
      expect(await live.locate('r1')).toEqual({ here: false, url: 'http://dead:1' });
      // The dead node's heartbeat key is gone (what expiry does when it stops beating).
      const admin = new Redis(redis.url);
      await admin.del('learnlive:media:node:http://dead:1');
      expect(await live.locate('r1')).toEqual({ here: true });
      // Back from a pause, the old owner does not take the room back at its next heartbeat.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(await admin.get('learnlive:media:room:r1')).toBe('http://live:1');
      expect(await dead.locate('r1')).toEqual({ here: false, url: 'http://live:1' });
      admin.disconnect();
    } finally {
      await dead.close();
      await live.close();
      await connections.close();
    }
  });

  it('serves a room itself while Redis does not answer, and claims rooms again once it is back', async () => {
    const logger = testLogger('media-placement');
    const connections = new MediaRedis(redis.url, logger);
    const placement = await RedisPlacement.start(
      {
        redis: connections.connect('placement-outage'),
        publicUrl: 'http://alone:1',
        nodeTtlMs: 1500,
        status: async () => ({ rooms: [], load: 0 }),
      },
      logger,
    );
    try {
      await redis.kill();
      // The claim fails after the command timeout (media's Redis policy) instead of waiting for Redis.
      expect(await placement.locate('r-outage')).toEqual({ here: true });
      await redis.restart();
      const admin = new Redis(redis.url);
      try {
        await waitFor(
          async () =>
            (await placement.locate('r-outage')).here &&
            (await admin.get('learnlive:media:room:r-outage')) === 'http://alone:1',
          { timeoutMs: 30_000, intervalMs: 200, what: 'the room claimed once Redis is back' },
        );
      } finally {
        admin.disconnect();
      }
    } finally {
      await placement.close();
      await connections.close();
    }
  }, 60_000);
});
