import { afterEach, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { inProcessPublisher, memoryTokenGenerations, redisPublisher } from '@learnlive/common';
import { Redis } from 'ioredis';
import type { ChatMessage } from '@learnlive/contracts';
import {
  DATABASE_ADAPTERS,
  createPgliteDatabase,
  createPostgresDatabase,
  startRedis,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@learnlive/testing';
import type { RealtimeService } from './service.js';
import {
  connectSocket,
  connected,
  nextEvent,
  request,
  type RealtimeClientSocket,
} from './testkit/ChatClient.js';
import { accessToken, nodeEnv, roomToken, startNode } from './testkit/nodes.js';
import { expectUserCut } from './testkit/revocation.js';

const url = (node: { port: number }) => `http://127.0.0.1:${node.port}`;
/** A socket that reconnects at once after its transport drops (connection-state recovery). */
const recoveringSocket = (nodeUrl: string, token: string) =>
  connect(nodeUrl, {
    transports: ['websocket'],
    auth: { token },
    reconnectionDelay: 100,
    reconnectionDelayMax: 200,
  }) as RealtimeClientSocket;

// Limits per wait only catch hangs; on a loaded machine a PGlite test took 40 s, so each test
// gets room for that.
const SLOW_MACHINE = { timeout: 180_000 };

describe.each(DATABASE_ADAPTERS)(
  'one realtime node on %s (in-memory adapter)',
  SLOW_MACHINE,
  (_name, create) => {
    let database: TestDatabase | undefined;
    let node: RealtimeService | undefined;
    const sockets: RealtimeClientSocket[] = [];
    afterEach(async () => {
      for (const s of sockets.splice(0)) s.close();
      await node?.close();
      await database?.drop();
      node = undefined;
      database = undefined;
    });

    it('chat round trip: send, edit, react, delete, history; offsets without gaps', async () => {
      database = await create();
      node = await startNode(nodeEnv(database.url, undefined), database.db);
      expect(node.adapter).toBe('in-memory');
      const room = 'dm:pair';
      const [a, b] = [connectSocket(url(node), accessToken('a')), connectSocket(url(node), accessToken('b'))];
      sockets.push(a, b);
      await Promise.all([connected(a), connected(b)]);
      await request(a, 'room:join', { token: roomToken('a', room) });
      await request(b, 'room:join', { token: roomToken('b', room) });
      const got: ChatMessage[] = [];
      b.on('chat:message', (m) => got.push(m));
      const sent = [];
      for (let i = 0; i < 3; i++) {
        const r = await request(a, 'chat:send', { room, text: `m${i}`, clientId: `c${i}` });
        expect(r.ok).toBe(true);
        if (r.ok) sent.push(r.data);
      }
      expect(sent.map((s) => s.offset)).toEqual([1, 2, 3]);
      // a retried send (same clientId) returns the first result and is not broadcast again
      const retry = await request(a, 'chat:send', { room, text: 'm0', clientId: 'c0' });
      expect(retry.ok && retry.data).toEqual(sent[0]);
      await waitFor(() => got.length === 3, { what: 'three messages' });
      expect((await request(a, 'chat:edit', { room, id: sent[0]!.id, text: 'm0!' })).ok).toBe(true);
      expect((await request(b, 'chat:react', { room, id: sent[1]!.id, emoji: '🎉', on: true })).ok).toBe(
        true,
      );
      expect((await request(a, 'chat:delete', { room, id: sent[2]!.id })).ok).toBe(true);
      const history = await request(b, 'chat:history', { room, limit: 10 });
      expect(history.ok && history.data.messages.map((m) => [m.offset, m.text, m.deleted])).toEqual([
        [1, 'm0!', false],
        [2, 'm1', false],
        [3, '', true],
      ]);
      expect(history.ok && history.data.messages[1]!.reactions).toEqual({ '🎉': ['b'] });
      const catchUp = await request(b, 'room:join', { token: roomToken('b', room), since: 1 });
      expect(catchUp.ok && catchUp.data.missed.map((m) => m.offset)).toEqual([2, 3]);
      expect(catchUp.ok && catchUp.data.source).toBe('database');
    });

    it('group commit: a batch whose transaction fails fails every ack in it, stores none, leaves no gap', async () => {
      database = await create();
      node = await startNode(nodeEnv(database.url, undefined, { CHAT_COMMIT_WINDOW_MS: '20' }), database.db);
      // A constraint the handlers do not check: a message saying "boom" fails its transaction.
      await database.db.query(`alter table rt_messages add constraint test_no_boom check (text <> 'boom')`);
      const room = 'course:gc-fail';
      const s = connectSocket(url(node), accessToken('g'));
      sockets.push(s);
      await connected(s);
      await request(s, 'room:join', { token: roomToken('g', room) });
      // sent together, they wait out the 20 ms window and are stored in one transaction
      const replies = await Promise.all(
        ['a', 'b', 'boom', 'c'].map((text) => request(s, 'chat:send', { room, text, clientId: `k-${text}` })),
      );
      expect(replies.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
        'internal',
        'internal',
        'internal',
        'internal',
      ]);
      const stored = await database.db.query('select 1 from rt_messages where room = $1', [room]);
      expect(stored.rows).toHaveLength(0);
      // the retries (same clientIds) and later sends are stored with offsets from 1, no gap
      const retried = await Promise.all(
        ['a', 'b', 'c'].map((text) => request(s, 'chat:send', { room, text, clientId: `k-${text}` })),
      );
      expect(retried.map((r) => r.ok && r.data.offset)).toEqual([1, 2, 3]);
      const again = await request(s, 'chat:send', { room, text: 'a', clientId: 'k-a' });
      expect(again.ok && again.data).toEqual(retried[0]!.ok && retried[0]!.data); // a retry, not a new one
    });

    it('a NUL character (PostgreSQL text refuses it) is a validation error, not a failed batch for others', async () => {
      database = await create();
      node = await startNode(nodeEnv(database.url, undefined, { CHAT_COMMIT_WINDOW_MS: '20' }), database.db);
      const room = 'course:nul';
      const [bad, good] = ['nul-bad', 'nul-good'].map((user) => connectSocket(url(node!), accessToken(user)));
      sockets.push(bad!, good!);
      for (const [s, user] of [
        [bad!, 'nul-bad'],
        [good!, 'nul-good'],
      ] as const) {
        await connected(s);
        expect((await request(s, 'room:join', { token: roomToken(user, room) })).ok).toBe(true);
      }
      // sent together: without validation both would share one transaction and fail together
      const [refused, refusedKey, stored] = await Promise.all([
        request(bad!, 'chat:send', { room, text: 'a\u0000b' }),
        request(bad!, 'chat:send', { room, text: 'fine', clientId: 'k\u0000' }),
        request(good!, 'chat:send', { room, text: 'hello' }),
      ]);
      expect(refused.ok ? 'ok' : refused.error.code).toBe('validation_failed');
      expect(refusedKey.ok ? 'ok' : refusedKey.error.code).toBe('validation_failed');
      expect(stored.ok && stored.data.offset).toBe(1);
      const reason = await request(bad!, 'chat:report', {
        room,
        id: stored.ok ? stored.data.id : '1',
        reason: '\u0000',
      });
      expect(reason.ok ? 'ok' : reason.error.code).toBe('validation_failed');
    });

    it('group commit by partition: sends to several rooms share one transaction, each room its own offsets', async () => {
      database = await create();
      node = await startNode(
        nodeEnv(database.url, undefined, { CHAT_COMMIT_WINDOW_MS: '20', CHAT_COMMIT_PARTITIONS: '1' }),
        database.db,
      );
      const rooms = ['course:p1', 'live:p2', 'dm:p3'];
      const s = connectSocket(url(node), accessToken('p'));
      sockets.push(s);
      await connected(s);
      for (const room of rooms) await request(s, 'room:join', { token: roomToken('p', room) });
      const replies = await Promise.all(
        rooms.flatMap((room) => [1, 2].map((i) => request(s, 'chat:send', { room, text: `${room} ${i}` }))),
      );
      expect(replies.map((r) => r.ok && r.data.offset)).toEqual([1, 2, 1, 2, 1, 2]);
      const stored = await database.db.query<{ tx: string }>(
        'select distinct xmin::text as tx from rt_messages where room = any($1::text[])',
        [rooms],
      );
      expect(stored.rows).toHaveLength(1);

      // one batch over the three rooms: a retried send (same clientId) answers its twin, a reply to
      // another room's message is refused alone, the rest are stored
      const parent = replies[0]!.ok ? replies[0]!.data.id : '';
      const second = await Promise.all([
        request(s, 'chat:send', { room: 'course:p1', text: 'once', clientId: 'c1' }),
        request(s, 'chat:send', { room: 'live:p2', text: 'wrong thread', replyTo: parent }),
        request(s, 'chat:send', { room: 'course:p1', text: 'once', clientId: 'c1' }),
        request(s, 'chat:send', { room: 'dm:p3', text: 'three' }),
      ]);
      expect(second.map((r) => (r.ok ? r.data.offset : r.error.code))).toEqual([3, 'not_found', 3, 3]);
      expect(second[0]!.ok && second[2]!.ok && second[0]!.data.id === second[2]!.data.id).toBe(true);
      const batch = await database.db.query<{ room: string; offset: number; tx: string }>(
        `select room, "offset", xmin::text as tx from rt_messages where room = any($1::text[]) and "offset" = 3`,
        [rooms],
      );
      expect(batch.rows.map((r) => r.room).sort()).toEqual(['course:p1', 'dm:p3']);
      expect(new Set(batch.rows.map((r) => r.tx)).size).toBe(1);
    });
  },
);

describe('presence above the configured room size', SLOW_MACHINE, () => {
  let database: TestDatabase | undefined;
  let node: RealtimeService | undefined;
  const sockets: RealtimeClientSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await node?.close();
    await database?.drop();
  });

  it('sends counts only (no names, no per-person events), coalesced', async () => {
    database = await createPgliteDatabase();
    node = await startNode(nodeEnv(database.url, undefined, { PRESENCE_LIST_MAX: '2' }), database.db);
    const room = 'live:big';
    const people = ['p1', 'p2', 'p3', 'p4'];
    const socketsOf = people.map((p) => connectSocket(url(node!), accessToken(p)));
    sockets.push(...socketsOf);
    await Promise.all(socketsOf.map((s) => connected(s)));
    const first = socketsOf[0]!;
    const joined: unknown[] = [];
    const counts: number[] = [];
    first.on('presence:joined', (e) => joined.push(e));
    first.on('presence:count', (e) => counts.push(e.count));
    await request(first, 'room:join', { token: roomToken('p1', room) });
    const second = await request(socketsOf[1]!, 'room:join', { token: roomToken('p2', room) });
    expect(second.ok && second.data.presence.users?.length).toBe(2);
    await waitFor(() => joined.length === 1, { what: 'joined event below the limit' });
    const third = await request(socketsOf[2]!, 'room:join', { token: roomToken('p3', room) });
    await request(socketsOf[3]!, 'room:join', { token: roomToken('p4', room) });
    expect(third.ok && third.data.presence).toEqual({ room, count: 3 });
    await waitFor(() => counts.at(-1) === 4, { what: 'a count event' });
    expect(joined).toHaveLength(1);
    expect(counts.length).toBeLessThanOrEqual(2); // one per second per room at most
    const list = await request(first, 'presence:list', { room });
    expect(list.ok && list.data).toEqual({ room, count: 4 });
  });
});

describe('connection-state recovery on uWebSockets.js (socket.io #4810 workaround)', SLOW_MACHINE, () => {
  let database: TestDatabase | undefined;
  const nodes: RealtimeService[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.close();
    await database?.drop();
  });

  it('a recovered socket gets the packets it missed and still receives room broadcasts', async () => {
    database = await createPgliteDatabase();
    const node = await startNode(nodeEnv(database.url, undefined), database.db);
    nodes.push(node);
    expect(node.engine).toBe('uWebSockets.js');
    const room = 'live:recover';
    const listener = recoveringSocket(url(node), accessToken('lis'));
    const talker = connectSocket(url(node), accessToken('tal'));
    try {
      await Promise.all([connected(listener), connected(talker)]);
      await request(listener, 'room:join', { token: roomToken('lis', room) });
      await request(talker, 'room:join', { token: roomToken('tal', room) });
      const texts: string[] = [];
      listener.on('chat:message', (m) => texts.push(m.text));
      await request(talker, 'chat:send', { room, text: 'before' });
      await waitFor(() => texts.length === 1, { what: 'first message' });

      // the transport drops (not a clean disconnect): socket.io reconnects and recovers
      const reconnected = new Promise<void>((resolve) => listener.io.once('reconnect', () => resolve()));
      (listener.io.engine as unknown as { close(): void }).close();
      await request(talker, 'chat:send', { room, text: 'while away' });
      await reconnected;
      await waitFor(() => listener.connected, { what: 'reconnected' });
      expect(listener.recovered).toBe(true);
      await waitFor(() => texts.includes('while away'), { what: 'missed packet replayed' });

      // issue 4810: without re-joining, broadcasts would no longer reach the recovered socket
      await request(talker, 'chat:send', { room, text: 'after' });
      await waitFor(() => texts.includes('after'), { what: 'broadcast after recovery' });
      expect(texts).toEqual(['before', 'while away', 'after']);
      // and it is still a member for the server: it may speak
      expect((await request(listener, 'chat:send', { room, text: 'me again' })).ok).toBe(true);
    } finally {
      listener.close();
      talker.close();
    }
  });

  it('progress events from the in-process publisher (all-in-one) reach the user’s sockets', async () => {
    database = await createPgliteDatabase();
    const node = await startNode(nodeEnv(database.url, undefined), database.db);
    nodes.push(node);
    const s = connectSocket(url(node), accessToken('learner-1'));
    try {
      await connected(s);
      const got = new Promise<unknown>((resolve) => s.once('progress:updated', resolve));
      const event = { userId: 'learner-1', courseId: 'c1', coursePercent: 50 };
      inProcessPublisher(node.io).publish(['user:learner-1'], 'progress:updated', event);
      expect(await got).toEqual(event);
    } finally {
      s.close();
    }
  });

  it('the in-process publisher (all-in-one) tells a revoked user’s sockets why and cuts them', async () => {
    database = await createPgliteDatabase();
    const node = await startNode(nodeEnv(database.url, undefined), database.db);
    nodes.push(node);
    const sockets = [accessToken('rev'), accessToken('rev'), accessToken('stay')].map((t) =>
      connectSocket(url(node), t),
    );
    try {
      await Promise.all(sockets.map((s) => connected(s)));
      const [first, second, bystander] = sockets as [
        RealtimeClientSocket,
        RealtimeClientSocket,
        RealtimeClientSocket,
      ];
      await expectUserCut(inProcessPublisher(node.io), 'rev', [first, second], {
        socket: bystander,
        userId: 'stay',
      });
    } finally {
      for (const s of sockets) s.close();
    }
  });

  it('refuses a handshake with a token older than the generation recorded in process (all-in-one)', async () => {
    database = await createPgliteDatabase();
    const generations = memoryTokenGenerations();
    const node = await startNode(nodeEnv(database.url, undefined), database.db, { generations });
    nodes.push(node);
    await generations.record('rev', 1, 60);
    const old = connectSocket(url(node), accessToken('rev')); // no gen: generation 0
    const current = connectSocket(url(node), accessToken('rev', { gen: 1 }));
    const away = recoveringSocket(url(node), accessToken('away'));
    try {
      await expect(connected(old)).rejects.toMatchObject({ data: { code: 'token_expired' } });
      await connected(current);
      // nor can a socket take up an older token (it may carry a role since taken away)
      expect(
        await request(current, 'auth:refresh', { token: accessToken('rev', { role: 'admin' }) }),
      ).toMatchObject({ ok: false, error: { code: 'token_expired' } });
      expect((await request(current, 'auth:refresh', { token: accessToken('rev', { gen: 1 }) })).ok).toBe(
        true,
      );

      // revoked while its transport was down: recovery skips the handshake, the check still runs
      await connected(away);
      // a broadcast received gives the client an offset to recover from
      await request(away, 'room:join', { token: roomToken('away', 'course:away') });
      const heard = nextEvent(away, 'chat:message');
      await request(away, 'chat:send', { room: 'course:away', text: 'here' });
      await heard;
      const expired = nextEvent<{ reason: string }>(away, 'auth:expired');
      const gone = new Promise<string>((resolve) =>
        away.on('disconnect', (reason) => reason === 'io server disconnect' && resolve(reason)),
      );
      (away.io.engine as unknown as { close(): void }).close();
      await generations.record('away', 1, 60);
      expect(await expired).toEqual({ reason: 'token_expired' });
      await gone;
      expect(away.recovered).toBe(true);
    } finally {
      for (const s of [old, current, away]) s.close();
    }
  });

  it('two uWebSockets.js servers in one process each deliver their own room broadcasts', async () => {
    // socket.io patches the adapter prototype per attachApp; the last server used to steal the
    // other's fast-publish broadcasts (the all-in-one runs realtime and media in one process).
    database = await createPgliteDatabase();
    const first = await startNode(nodeEnv(database.url, undefined), database.db);
    nodes.push(first);
    const second = await startNode(nodeEnv(database.url, undefined), database.db);
    nodes.push(second);
    for (const node of [first, second]) {
      const s = connectSocket(url(node), accessToken('x'));
      try {
        await connected(s);
        await request(s, 'room:join', { token: roomToken('x', 'course:two') });
        const got = new Promise<string>((resolve) => s.once('chat:message', (m) => resolve(m.text)));
        await request(s, 'chat:send', { room: 'course:two', text: `on ${node.port}` });
        expect(await got).toBe(`on ${node.port}`);
      } finally {
        s.close();
      }
    }
  });
});

describe('sharded Redis adapter (Redis 7 SPUBLISH, one channel per room)', SLOW_MACHINE, () => {
  let redis: TestRedis | undefined;
  let database: TestDatabase | undefined;
  const nodes: RealtimeService[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.close();
    await redis?.stop();
    await database?.drop();
  });
  const startPair = async () => {
    [redis, database] = await Promise.all([startRedis(), createPostgresDatabase()]);
    const env = nodeEnv(database.url, redis.url, { REALTIME_REDIS_ADAPTER: 'sharded' });
    for (let i = 0; i < 2; i++) nodes.push(await startNode(env));
    return { a: nodes[0]!, b: nodes[1]!, redisUrl: redis.url };
  };

  it('delivers across nodes', async () => {
    const { a, b, redisUrl } = await startPair();
    expect(a.adapter).toBe('redis-sharded');
    const [sa, sb] = [connectSocket(url(a), accessToken('sa')), connectSocket(url(b), accessToken('sb'))];
    try {
      await Promise.all([connected(sa), connected(sb)]);
      await request(sa, 'room:join', { token: roomToken('sa', 'course:sh') });
      await request(sb, 'room:join', { token: roomToken('sb', 'course:sh') });
      const got = new Promise<ChatMessage>((resolve) => sb.once('chat:message', resolve));
      expect((await request(sa, 'chat:send', { room: 'course:sh', text: 'sharded hello' })).ok).toBe(true);
      expect((await got).text).toBe('sharded hello');
      // the API's and the transcoder's @socket.io/redis-emitter reaches sockets on every node
      const progress = { userId: 'sb', courseId: 'c1', coursePercent: 50 };
      const seen = [sa, sb].map(
        (s) =>
          new Promise<unknown>((resolve) =>
            (s as unknown as { once(e: string, f: (p: unknown) => void): void }).once(
              'progress:updated',
              resolve,
            ),
          ),
      );
      const emitterRedis = new Redis(redisUrl);
      try {
        redisPublisher(emitterRedis).publish(['user:sb', 'user:sa'], 'progress:updated', progress);
        expect(await Promise.all(seen)).toEqual([progress, progress]);
        // one room: the emitter's per-room channel
        const again = new Promise<unknown>((resolve) =>
          (sb as unknown as { once(e: string, f: (p: unknown) => void): void }).once(
            'progress:updated',
            resolve,
          ),
        );
        redisPublisher(emitterRedis).publish(['user:sb'], 'progress:updated', progress);
        expect(await again).toEqual(progress);
      } finally {
        emitterRedis.disconnect();
      }
    } finally {
      sa.close();
      sb.close();
    }
  });

  it('serves the emitter’s disconnectSockets (the API cutting a revoked user) on every node', async () => {
    const { a, b, redisUrl } = await startPair();
    const sockets = [connectSocket(url(a), accessToken('rev')), connectSocket(url(b), accessToken('rev'))];
    const bystander = connectSocket(url(b), accessToken('stay'));
    const emitterRedis = new Redis(redisUrl);
    try {
      await Promise.all([...sockets, bystander].map((s) => connected(s)));
      await expectUserCut(redisPublisher(emitterRedis), 'rev', sockets, {
        socket: bystander,
        userId: 'stay',
      });
    } finally {
      emitterRedis.disconnect();
      for (const s of [...sockets, bystander]) s.close();
    }
  });
});
