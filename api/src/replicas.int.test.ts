import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisTokenGenerations } from '@learnlive/common';
import { CoursePageSchema, ProblemSchema, SessionResponseSchema, userRoom } from '@learnlive/contracts';
import {
  DATABASE_ADAPTERS,
  startRedis,
  testLogger,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@learnlive/testing';
import { startApi, type ApiService } from './service.js';
import { callApi, testApiConfig, type CallOptions } from './call.test-support.js';

/**
 * Two API replicas on one database (and one Redis): what one replica changes, the other must
 * honour at once, though both cache (catalog pages, token generations) for a minute here.
 */
describe.each(DATABASE_ADAPTERS)('two API replicas on %s', (name, create) => {
  let database: TestDatabase;
  let redis: TestRedis;
  const apis: ApiService[] = [];
  const urls: string[] = [];
  beforeAll(async () => {
    database = await create();
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      const api = await startApi(
        testApiConfig(database.url, {
          REDIS_URL: redis.url,
          ADMIN_EMAILS: 'root@example.org',
          CATALOG_CACHE_MS: '60000',
          TOKEN_CHECK_CACHE_MS: '60000',
          SIGN_IN_RATE_PER_MINUTE: '3',
          TRUST_PROXY: '1',
        }),
        testLogger('api'),
        // PostgreSQL: each replica its own pool, as separate processes would have. PGlite (one
        // connection, in memory) can only be shared.
        name === 'pglite' ? { db: database.db } : {},
      );
      apis.push(api);
      urls.push(`http://127.0.0.1:${api.port}`);
    }
  });
  afterAll(async () => {
    for (const api of apis) await api.close();
    await database?.drop();
    await redis?.stop();
  });

  const call = (replica: 0 | 1, method: string, path: string, options?: CallOptions) =>
    callApi(urls[replica]!, method, path, options);
  const register = async (email: string, role: 'learner' | 'instructor' = 'learner') => {
    const res = await call(0, 'POST', '/api/auth/register', {
      body: { email, password: 'correct horse battery', displayName: email.split('@')[0], role },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return SessionResponseSchema.parse(res.body);
  };
  const code = (body: unknown) => ProblemSchema.parse(body).code;

  it('a sign-out everywhere on one replica ends the access token on the other at once', async () => {
    const s = await register('kim@example.org');
    // the other replica has the token's state cached (for a minute, in this configuration)
    expect((await call(1, 'GET', '/api/me', { token: s.accessToken })).status).toBe(200);
    expect((await call(0, 'POST', '/api/auth/sign-out-everywhere', { token: s.accessToken })).status).toBe(
      204,
    );
    const started = Date.now();
    await waitFor(async () => (await call(1, 'GET', '/api/me', { token: s.accessToken })).status === 401, {
      what: 'the other replica refusing the token',
      timeoutMs: 5000,
      intervalMs: 20,
    });
    // pushed by NOTIFY, not waited out: far below the minute the cache may keep it
    expect(Date.now() - started).toBeLessThan(5000);
    expect(code((await call(1, 'GET', '/api/me', { token: s.accessToken })).body)).toBe('token_expired');
  });

  it('a revocation tells the user’s realtime sockets why, then cuts them on every node (Redis emitter)', async () => {
    // What the realtime nodes hear: the emitter's broadcast (msgpack, one room: its own channel)
    // and its disconnectSockets request (JSON). realtime/src/*.int.test.ts show nodes acting on it.
    const wire = createRedis(redis.url, 'test-wire');
    const reader = createRedis(redis.url, 'test-reader');
    // what a realtime handshake reads: the user's new generation (a token of an older one is refused)
    const recorded = (userId: string) => redisTokenGenerations(reader).current(userId);
    const heard: Array<{ channel: string; text: string }> = [];
    const hear = (channel: Buffer, message: Buffer) =>
      heard.push({ channel: channel.toString(), text: message.toString('latin1') });
    wire.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) => hear(channel, message));
    wire.on('messageBuffer', hear);
    try {
      await wire.psubscribe('socket.io#/#*');
      await wire.subscribe('socket.io-request#/#');
      const root = await register('root@example.org'); // an admin (ADMIN_EMAILS)
      const quinn = await register('quinn@example.org');
      const rita = await register('rita@example.org');
      const sam = await register('sam@example.org');
      const cut = (userId: string, reason: string) => [
        {
          channel: `socket.io#/#${userRoom(userId)}#`,
          text: expect.stringMatching(new RegExp(`auth:revoked.*${reason}`)) as unknown as string,
        },
        {
          channel: 'socket.io-request#/#',
          text: JSON.stringify({ type: 4, opts: { rooms: [userRoom(userId)], except: [] }, close: true }),
        },
      ];
      const settle = async (count: number) => {
        await waitFor(() => heard.length >= count, { what: `${count} emitter messages`, timeoutMs: 5000 });
        await new Promise((r) => setTimeout(r, 100)); // and nothing more
        return heard.splice(0);
      };

      expect(
        (await call(0, 'POST', '/api/auth/sign-out-everywhere', { token: quinn.accessToken })).status,
      ).toBe(204);
      expect(await settle(2)).toEqual(cut(quinn.user.id, 'signed_out_everywhere'));
      expect(await recorded(quinn.user.id)).toBe(1);

      expect(
        (await call(1, 'POST', `/api/users/${rita.user.id}/ban`, { token: root.accessToken })).status,
      ).toBe(204);
      expect(await settle(2)).toEqual(cut(rita.user.id, 'suspended'));
      expect(await recorded(rita.user.id)).toBe(1);

      // a role change cuts only when the role (and so the generation) changed
      const setRole = (role: string) =>
        call(0, 'PUT', `/api/users/${sam.user.id}/role`, { token: root.accessToken, body: { role } });
      expect((await setRole('learner')).status).toBe(200);
      expect(await recorded(sam.user.id)).toBeUndefined();
      expect((await setRole('mentor')).status).toBe(200);
      expect(await settle(2)).toEqual(cut(sam.user.id, 'role_changed'));
      expect(await recorded(sam.user.id)).toBe(1);
    } finally {
      wire.disconnect();
      reader.disconnect();
    }
  });

  it('a course published or renamed anywhere shows in the other replica’s cached catalog at once', async () => {
    const teacher = await register('tess@example.org', 'instructor');
    const created = await call(0, 'POST', '/api/courses', {
      token: teacher.accessToken,
      body: { title: 'Replicated knitting', price: { kind: 'free', amount: 0, currency: 'usd' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const courseId = (created.body as { id: string }).id;
    const module = await call(0, 'POST', `/api/courses/${courseId}/modules`, {
      token: teacher.accessToken,
      body: { title: 'One' },
    });
    await call(0, 'POST', `/api/modules/${(module.body as { id: string }).id}/lessons`, {
      token: teacher.accessToken,
      body: { title: 'Casting on', kind: 'text', body: 'Loop, pull, repeat.' },
    });
    const titles = async () =>
      CoursePageSchema.parse((await call(1, 'GET', '/api/courses?limit=50')).body).items.map((c) => c.title);
    expect(await titles()).not.toContain('Replicated knitting'); // now cached on replica 1

    expect(
      (await call(0, 'POST', `/api/courses/${courseId}/publish`, { token: teacher.accessToken })).status,
    ).toBe(200);
    await waitFor(async () => (await titles()).includes('Replicated knitting'), {
      what: 'the published course on the other replica',
      timeoutMs: 5000,
      intervalMs: 20,
    });

    // a change made outside the API (an operator's SQL) reaches both caches too
    expect((await call(0, 'GET', '/api/courses?limit=50')).status).toBe(200);
    await database.db.query(`update courses set title = 'Replicated crochet' where id = $1`, [courseId]);
    for (const replica of [0, 1] as const) {
      await waitFor(
        async () =>
          CoursePageSchema.parse((await call(replica, 'GET', '/api/courses?limit=50')).body).items.some(
            (c) => c.title === 'Replicated crochet',
          ),
        { what: `the renamed course on replica ${replica}`, timeoutMs: 5000, intervalMs: 20 },
      );
    }
    // the lesson count is kept up by the database
    const page = CoursePageSchema.parse((await call(1, 'GET', '/api/courses?limit=50')).body);
    expect(page.items.find((c) => c.id === courseId)?.lessonCount).toBe(1);
  });

  it('counts sign-in attempts per client address across replicas (Redis), by the trusted proxy’s header', async () => {
    await register('lee@example.org');
    const attempt = (replica: 0 | 1, forwardedFor: string) =>
      call(replica, 'POST', '/api/auth/sign-in', {
        body: { email: 'lee@example.org', password: 'wrong password!' },
        headers: { 'x-forwarded-for': forwardedFor },
      });
    expect((await attempt(0, '198.51.100.1')).status).toBe(401);
    expect((await attempt(1, '198.51.100.1')).status).toBe(401);
    expect((await attempt(0, '198.51.100.1')).status).toBe(401);
    const fourth = await attempt(1, '198.51.100.1');
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('content-type')).toContain('application/problem+json');
    expect(code(fourth.body)).toBe('rate_limited');
    // what a client prepends to the header does not change its address (one trusted hop)
    expect((await attempt(0, '203.0.113.7, 198.51.100.1')).status).toBe(429);
    // another address has its own count
    expect((await attempt(0, '198.51.100.2')).status).toBe(401);
  });
});

describe('sign-in rate limit without trusted proxies', () => {
  let database: TestDatabase;
  let api: ApiService;
  let url = '';
  beforeAll(async () => {
    database = await DATABASE_ADAPTERS[1]![1]();
    api = await startApi(testApiConfig(database.url, { SIGN_IN_RATE_PER_MINUTE: '2' }), testLogger('api'), {
      db: database.db,
    });
    url = `http://127.0.0.1:${api.port}`;
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  it('ignores X-Forwarded-For: a client cannot get a fresh window by inventing addresses', async () => {
    const statuses = [];
    for (const forwardedFor of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      const res = await callApi(url, 'POST', '/api/auth/sign-in', {
        body: { email: 'nobody@example.org', password: 'wrong password!' },
        headers: { 'x-forwarded-for': forwardedFor },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});
