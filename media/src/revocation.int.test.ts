import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryTokenGenerations, redisTokenGenerations, type TokenGenerations } from '@learnlive/common';
import type { RoomRole } from '@learnlive/contracts';
import { startRedis, waitFor, type TestRedis } from '@learnlive/testing';
import { SignallingClient, errorOf } from '../test/signallingClient.js';
import { mediaUrl, roomToken, startTestMedia } from '../test/testMedia.js';
import type { MediaService } from './service.js';

const CHECK_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The API records a user's new token generation on a revocation; media refuses older room tokens
 * at the handshake and cuts connected peers of revoked users. Both adapters: the all-in-one's
 * shared memory record, and Redis (separate processes: the media service reads REDIS_URL).
 */
describe.each(['memory', 'redis'] as const)('media revocation (%s)', (kind) => {
  let redis: TestRedis | undefined;
  let reader: Redis | undefined;
  let media: MediaService;
  /** What the API writes on a revocation. */
  let api: TokenGenerations;
  const clients: SignallingClient[] = [];

  beforeAll(async () => {
    const env = { MEDIA_REVOCATION_CHECK_MS: String(CHECK_MS), MEDIA_ROOM_EMPTY_GRACE_MS: '200' };
    if (kind === 'memory') {
      api = memoryTokenGenerations();
      media = await startTestMedia(env, { generations: api }, 'media-revocation');
    } else {
      redis = await startRedis();
      reader = new Redis(redis.url);
      reader.on('error', () => {}); // the outage test kills Redis; ioredis reconnects
      api = redisTokenGenerations(reader);
      media = await startTestMedia({ ...env, REDIS_URL: redis.url }, {}, 'media-revocation');
    }
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await media?.close();
    reader?.disconnect();
    await redis?.stop();
  });

  async function joined(room: string, role: RoomRole, sub: string, gen?: number) {
    const client = await SignallingClient.connect(mediaUrl(media), roomToken(room, role, sub, gen));
    clients.push(client);
    return { client, join: await client.request('join', {}) };
  }

  it("cuts a revoked user's peer within the check period: told why, removed, disconnected; others stay", async () => {
    const room = `live:revoke-${kind}`;
    const { client: teacher, join: teacherJoin } = await joined(room, 'teacher', `teacher-${kind}`);
    const { client: learner, join } = await joined(room, 'learner', `learner-${kind}`, 0);
    await learner.request('createTransport', { direction: 'recv' });
    const open = (await media.rooms.list()).find((r) => r.id === room)!;
    const transport = [...open.peers.get(join.peerId)!.transports.values()][0]!;

    const told = learner.next('revoked');
    const disconnected = new Promise<string>((resolve) => learner.socket.once('disconnect', resolve));
    const left = teacher.next('peerLeft', (e) => e.peerId === join.peerId);
    await api.record(`learner-${kind}`, 1, 60);

    expect(await told).toEqual({ reason: 'access_revoked' });
    expect(await disconnected).toBe('io server disconnect');
    await left;
    expect(transport.closed).toBe(true);
    expect(open.peers.has(join.peerId)).toBe(false);
    expect(open.peers.has(teacherJoin.peerId)).toBe(true);
    expect(teacher.socket.connected).toBe(true);

    // A room token of the new generation joins and stays.
    const { join: again } = await joined(room, 'learner', `learner-${kind}`, 1);
    await sleep(CHECK_MS * 4);
    expect(open.peers.has(again.peerId)).toBe(true);
    expect(teacher.socket.connected).toBe(true);
  });

  it('refuses a handshake with a room token of an older generation with token_expired', async () => {
    await api.record(`old-${kind}`, 2, 60);
    const refused = await SignallingClient.connect(
      mediaUrl(media),
      roomToken(`live:old-${kind}`, 'learner', `old-${kind}`, 1),
    ).catch((err: { data?: unknown }) => err.data);
    expect(refused).toMatchObject({ code: 'token_expired' });
    const withoutGen = await SignallingClient.connect(
      mediaUrl(media),
      roomToken(`live:old-${kind}`, 'learner', `old-${kind}`),
    ).catch((err: { data?: unknown }) => err.data);
    expect(withoutGen).toMatchObject({ code: 'token_expired' });
    const { join } = await joined(`live:old-${kind}`, 'learner', `old-${kind}`, 2);
    expect(join.role).toBe('learner');
  });

  it.runIf(kind === 'redis')('cuts nobody while Redis is away, and catches up once it is back', async () => {
    const room = 'live:outage';
    const { client: learner, join } = await joined(room, 'learner', 'outage-learner');
    const open = (await media.rooms.list()).find((r) => r.id === room)!;
    await redis!.kill();
    // Several periods, and longer than a read may take before it counts as failed.
    await sleep(1_500);
    expect(open.peers.has(join.peerId)).toBe(true);
    expect(learner.socket.connected).toBe(true);
    await redis!.restart();
    const told = learner.next('revoked');
    await waitFor(() => reader!.status === 'ready', { what: 'writer reconnected' });
    await api.record('outage-learner', 1, 60);
    expect(await told).toEqual({ reason: 'access_revoked' });
    await waitFor(() => !open.peers.has(join.peerId), { what: 'peer removed' });
  });
});

describe('media revocation with a failing generations store', () => {
  let media: MediaService;
  const clients: SignallingClient[] = [];
  const broken: TokenGenerations = {
    record: () => Promise.reject(new Error('store down')),
    current: () => Promise.reject(new Error('store down')),
    currentMany: () => Promise.reject(new Error('store down')),
  };

  beforeAll(async () => {
    media = await startTestMedia(
      { MEDIA_REVOCATION_CHECK_MS: String(CHECK_MS) },
      { generations: broken },
      'media-revocation-broken',
    );
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await media?.close();
  });

  it('accepts handshakes and cuts nobody; the service keeps running', async () => {
    const joins = [];
    for (const [role, sub] of [
      ['teacher', 'broken-teacher'],
      ['learner', 'broken-learner'],
    ] as const) {
      const client = await SignallingClient.connect(mediaUrl(media), roomToken('live:broken', role, sub));
      clients.push(client);
      joins.push(await client.request('join', {}));
    }
    await sleep(CHECK_MS * 6);
    const open = (await media.rooms.list()).find((r) => r.id === 'live:broken')!;
    expect(joins.every((j) => open.peers.has(j.peerId))).toBe(true);
    expect(clients.every((c) => c.socket.connected)).toBe(true);
    expect(errorOf(await clients[1]!.ack('createTransport', { direction: 'recv' }))).toBeUndefined();
  });
});
