import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '@learnlive/common';
import type { MediaRequest, RoomRole } from '@learnlive/contracts';
import { waitFor } from '@learnlive/testing';
import { SignallingClient, errorOf } from '../test/signallingClient.js';
import { mediaUrl, roomToken, startTestMedia } from '../test/testMedia.js';
import type { MediaService } from './service.js';

/** Producer parameters as a browser would send them (mediasoup's own tests use the same shape). */
const VIDEO_SIMULCAST: MediaRequest<'produce'>['rtpParameters'] = {
  mid: '0',
  codecs: [
    {
      mimeType: 'video/VP8',
      payloadType: 96,
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
    },
    { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 } },
  ],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
  encodings: [
    { ssrc: 1111, rtx: { ssrc: 1112 }, scaleResolutionDownBy: 4 },
    { ssrc: 2221, rtx: { ssrc: 2222 }, scaleResolutionDownBy: 2 },
    { ssrc: 3331, rtx: { ssrc: 3332 } },
  ],
  rtcp: { cname: 'cam' },
};
const AUDIO: MediaRequest<'produce'>['rtpParameters'] = {
  mid: '1',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
  encodings: [{ ssrc: 5551 }],
  rtcp: { cname: 'mic' },
};

describe('media signalling against real mediasoup workers', () => {
  let media: MediaService;
  let url: string;
  const clients: SignallingClient[] = [];

  beforeAll(async () => {
    media = await startTestMedia({
      MEDIA_ROOM_CAPACITY: '3',
      MEDIA_ROOM_EMPTY_GRACE_MS: '200',
      MEDIA_MAX_TRANSPORTS_PER_PEER: '2',
      TURN_SECRET: 'turn-secret-0123456789',
      TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
    });
    url = mediaUrl(media);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await media?.close();
  });

  let userSeq = 0;
  async function connect(room: string, role: RoomRole, sub = `user-${++userSeq}`): Promise<SignallingClient> {
    const client = await SignallingClient.connect(url, roomToken(room, role, sub));
    clients.push(client);
    return client;
  }

  async function joined(room: string, role: RoomRole, sub?: string) {
    const client = await connect(room, role, sub);
    const join = await client.request('join', {});
    return { client, join };
  }

  it('refuses a handshake without a valid room token, with a typed error', async () => {
    const missing = await SignallingClient.connect(url, undefined).catch(
      (err: { data?: unknown }) => err.data,
    );
    expect(missing).toMatchObject({ code: 'unauthenticated' });
    const forged = signToken(
      { typ: 'room', sub: 'x', name: 'x', room: 'live:a', kind: 'live', role: 'teacher' },
      'another-secret-that-is-long-enough-0123456789',
      60,
    );
    const bad = await SignallingClient.connect(url, forged).catch((err: { data?: unknown }) => err.data);
    expect(bad).toMatchObject({ code: 'unauthenticated' });
  });

  it('runs a live class: publish, consume paused then resumed, layers, stats, TURN credentials', async () => {
    const { client: teacher, join } = await joined('live:class-1', 'teacher');
    expect(join.role).toBe('teacher');
    expect(join.routerRtpCapabilities.codecs?.some((c) => c.mimeType === 'video/VP8')).toBe(true);
    const [turn] = join.iceServers;
    expect(turn?.username).toMatch(/^\d+:user-\d+$/);
    expect(turn?.credential).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const send = await teacher.request('createTransport', { direction: 'send' });
    expect(send.iceCandidates.map((c) => c.protocol).sort()).toEqual(['tcp', 'udp']);
    const { client: learner, join: learnerJoin } = await joined('live:class-1', 'learner');
    expect(learnerJoin.peers.map((p) => p.role)).toEqual(['teacher']);

    const announced = learner.next('newProducer');
    const { producerId } = await teacher.request('produce', {
      transportId: send.id,
      kind: 'video',
      source: 'camera',
      rtpParameters: VIDEO_SIMULCAST,
    });
    expect(await announced).toMatchObject({ producerId, source: 'camera', kind: 'video' });

    const recv = await learner.request('createTransport', { direction: 'recv' });
    // Consuming without capabilities is refused.
    expect(errorOf(await learner.ack('consume', { transportId: recv.id, producerId }))?.code).toBe(
      'bad_request',
    );
    await learner.request('setRtpCapabilities', { rtpCapabilities: learnerJoin.routerRtpCapabilities });
    const consumer = await learner.request('consume', { transportId: recv.id, producerId });
    expect(consumer.type).toBe('simulcast');
    expect(consumer.source).toBe('camera');
    await learner.request('resumeConsumer', { consumerId: consumer.consumerId });
    await learner.request('setPreferredLayers', { consumerId: consumer.consumerId, spatialLayer: 2 });
    const stats = await learner.request('getStats', { kind: 'transport', id: recv.id });
    expect(stats.stats[0]).toMatchObject({ type: 'webrtc-transport' });
    const ice = await learner.request('restartIce', { transportId: recv.id });
    expect(ice.iceParameters.usernameFragment).toBeTruthy();

    // The producer's owner pauses: the consumer side is told.
    const paused = learner.next('consumerPaused');
    await teacher.request('pauseProducer', { producerId });
    expect(await paused).toEqual({ consumerId: consumer.consumerId, paused: true });
    // And closes: the consumer is closed and said so.
    const closed = learner.next('consumerClosed');
    await teacher.request('closeProducer', { producerId });
    expect(await closed).toEqual({ consumerId: consumer.consumerId });
    teacher.close();
    learner.close();
  });

  it('answers bad input with typed errors and the worker keeps running', async () => {
    const { client: teacher } = await joined('live:bad-input', 'teacher');
    const send = await teacher.request('createTransport', { direction: 'send' });
    const produce = (rtpParameters: unknown, extra: Record<string, unknown> = {}) =>
      teacher.ack('produce', {
        transportId: send.id,
        kind: 'video',
        source: 'camera',
        rtpParameters,
        ...extra,
      });

    expect(errorOf(await teacher.ack('consume', { transportId: send.id, producerId: 'nope' }))?.code).toBe(
      'bad_request',
    );
    expect(errorOf(await teacher.ack('resumeConsumer', { consumerId: 'nope' }))?.code).toBe('not_found');
    expect(errorOf(await teacher.ack('pauseProducer', { producerId: 'nope' }))?.code).toBe('not_found');
    expect(
      errorOf(await teacher.ack('connectTransport', { transportId: 'nope', dtlsParameters: {} }))?.code,
    ).toBe('validation_failed');
    expect(errorOf(await teacher.ack('createTransport', { direction: 'sideways' }))?.code).toBe(
      'validation_failed',
    );
    expect(errorOf(await teacher.ack('join', 'not an object'))?.code).toBe('validation_failed');
    // Malformed: no codecs; wrong types.
    expect(errorOf(await produce({ codecs: [] }))?.code).toBe('validation_failed');
    expect(errorOf(await produce({ codecs: 'VP8' }))?.code).toBe('validation_failed');
    // Oversized: 1000 encodings, huge parameter strings.
    const many = Array.from({ length: 1000 }, (_, i) => ({ ssrc: i + 1 }));
    expect(errorOf(await produce({ ...VIDEO_SIMULCAST, encodings: many }))?.code).toBe('validation_failed');
    const huge = { ...VIDEO_SIMULCAST, rtcp: { cname: 'x'.repeat(10_000) } };
    expect(errorOf(await produce(huge))?.code).toBe('validation_failed');
    // Well-formed but meaningless to mediasoup: an unknown codec, a missing RTX target.
    const unknownCodec = {
      ...VIDEO_SIMULCAST,
      codecs: [{ mimeType: 'video/FOO', payloadType: 96, clockRate: 90000 }],
    };
    expect(errorOf(await produce(unknownCodec))?.code).toBe('bad_request');
    const badRtx = {
      ...VIDEO_SIMULCAST,
      codecs: [{ mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 5 } }],
    };
    expect(errorOf(await produce(badRtx))?.code).toBe('bad_request');
    // Kind/source mismatch.
    expect(errorOf(await produce(VIDEO_SIMULCAST, { source: 'mic' }))?.code).toBe('bad_request');
    // Too many transports (limit 2 in this test).
    await teacher.request('createTransport', { direction: 'recv' });
    expect(errorOf(await teacher.ack('createTransport', { direction: 'recv' }))?.code).toBe('rate_limited');

    // The worker is alive and the same transport still produces.
    const worker = media.pool.workers[0]!.worker;
    expect(worker.closed).toBe(false);
    await worker.getResourceUsage();
    const ok = await produce(VIDEO_SIMULCAST);
    expect(ok.ok).toBe(true);
    expect(errorOf(await produce({ ...VIDEO_SIMULCAST, mid: '2' }))?.code).toBe('conflict');
    teacher.close();
  });

  it('lets learners publish only after a granted raised hand, until revoked', async () => {
    const { client: teacher, join } = await joined('live:hands', 'teacher');
    const { client: learner, join: learnerJoin } = await joined('live:hands', 'learner');
    const send = await learner.request('createTransport', { direction: 'send' });
    const mic = {
      transportId: send.id,
      kind: 'audio' as const,
      source: 'mic' as const,
      rtpParameters: AUDIO,
    };
    expect(errorOf(await learner.ack('produce', mic))?.code).toBe('forbidden');
    // A learner cannot grant itself or moderate.
    expect(errorOf(await learner.ack('grantSpeak', { peerId: learnerJoin.peerId }))?.code).toBe('forbidden');
    expect(errorOf(await learner.ack('kick', { peerId: join.peerId }))?.code).toBe('forbidden');

    const raised = teacher.next('peerUpdated', (p) => p.handRaised);
    await learner.request('raiseHand', { raised: true });
    expect(await raised).toMatchObject({ peerId: learnerJoin.peerId, handRaised: true, canProduce: false });
    const granted = learner.next('peerUpdated', (p) => p.canProduce);
    await teacher.request('grantSpeak', { peerId: learnerJoin.peerId });
    await granted;
    const { producerId } = await learner.request('produce', mic);
    // Granted learners share microphone and camera, not the screen.
    const screen = {
      ...mic,
      kind: 'video' as const,
      source: 'screen' as const,
      rtpParameters: VIDEO_SIMULCAST,
    };
    expect(errorOf(await learner.ack('produce', screen))?.code).toBe('forbidden');

    // Moderator mute: server-side pause, and the learner is told.
    const told = learner.next('producerPaused');
    expect(await teacher.request('mute', { peerId: learnerJoin.peerId })).toEqual({ paused: 1 });
    expect(await told).toMatchObject({ producerId, source: 'mic', byPeerId: join.peerId });

    const closed = teacher.next('producerClosed');
    await teacher.request('revokeSpeak', { peerId: learnerJoin.peerId });
    expect(await closed).toMatchObject({ producerId });
    expect(errorOf(await learner.ack('produce', mic))?.code).toBe('forbidden');
    teacher.close();
    learner.close();
  });

  it('kicks: transports closed, rejoin refused; a reload of the same user keeps the role', async () => {
    const { client: teacher } = await joined('live:kick', 'teacher', 'kick-teacher');
    const { client: learner, join } = await joined('live:kick', 'learner', 'kick-learner');
    await learner.request('createTransport', { direction: 'recv' });
    const room = (await media.rooms.list()).find((r) => r.id === 'live:kick')!;
    const peer = room.peers.get(join.peerId)!;
    const transport = [...peer.transports.values()][0]!;
    const kicked = learner.next('kicked');
    await teacher.request('kick', { peerId: join.peerId });
    await kicked;
    expect(transport.closed).toBe(true);
    expect(room.peers.has(join.peerId)).toBe(false);
    expect(errorOf(await learner.ack('createTransport', { direction: 'recv' }))?.code).toBe('conflict');
    expect(errorOf(await learner.ack('join', {}))?.code).toBe('forbidden');
    const again = await connect('live:kick', 'learner', 'kick-learner');
    expect(errorOf(await again.ack('join', {}))?.code).toBe('forbidden');

    // The teacher reloads: the new connection replaces the old one, same role.
    const oldGone = new Promise<void>((resolve) => teacher.socket.once('disconnect', () => resolve()));
    const { join: rejoined } = await joined('live:kick', 'teacher', 'kick-teacher');
    await oldGone;
    expect(rejoined.role).toBe('teacher');
    expect(room.peers.size).toBe(1);
  });

  it('limits the room: capacity, and mentor sessions take exactly their mentor and mentee', async () => {
    for (let i = 0; i < 3; i++) await joined('live:full', 'learner');
    const fourth = await connect('live:full', 'learner');
    expect(errorOf(await fourth.ack('join', {}))?.code).toBe('unavailable');

    await joined('mentor:booking-1', 'mentor', 'the-mentor');
    const wrongRole = await connect('mentor:booking-1', 'learner');
    expect(errorOf(await wrongRole.ack('join', {}))?.code).toBe('forbidden');
    const { client: mentee } = await joined('mentor:booking-1', 'mentee', 'the-mentee');
    const second = await connect('mentor:booking-1', 'mentee', 'another-mentee');
    expect(errorOf(await second.ack('join', {}))?.code).toBe('forbidden');
    // Both publish.
    const send = await mentee.request('createTransport', { direction: 'send' });
    const ok = await mentee.ack('produce', {
      transportId: send.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: AUDIO,
    });
    expect(ok.ok).toBe(true);
    expect(errorOf(await mentee.ack('raiseHand', { raised: true }))?.code).toBe('bad_request');
  });

  it('closes a room once empty after the grace period', async () => {
    const { client } = await joined('live:empty', 'teacher');
    const room = (await media.rooms.list()).find((r) => r.id === 'live:empty')!;
    client.close();
    await waitFor(() => room.isClosed, { what: 'empty room closed' });
    expect(room.router.closed).toBe(true);
  });

  it('tells clients to rejoin when their worker dies, and the rejoin works on its replacement', async () => {
    const { client: teacher } = await joined('live:crash', 'teacher');
    const worker = media.pool.workers[0]!.worker;
    const rejoin = teacher.next('rejoin');
    process.kill(worker.pid, 'SIGKILL');
    expect(await rejoin).toEqual({ reason: 'worker_died' });
    await waitFor(() => media.pool.workers[0]!.worker !== worker, { timeoutMs: 15_000, what: 'replacement' });
    const again = await teacher.request('join', {});
    const send = await teacher.request('createTransport', { direction: 'send' });
    expect(again.role).toBe('teacher');
    expect(send.id).toBeTruthy();
  });

  it('a page that leaves while its new room waits for a replacement worker takes no seat', async () => {
    const worker = media.pool.workers[0]!.worker;
    process.kill(worker.pid, 'SIGKILL');
    await waitFor(() => worker.closed, { what: 'the worker seen dead' });
    const client = await connect('live:left-while-waiting', 'learner');
    void client.ack('join', {}); // the room waits for the replacement...
    client.close(); // ...while the page goes
    await waitFor(() => media.pool.workers[0]!.worker !== worker, { timeoutMs: 15_000, what: 'replacement' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const room = await media.rooms.find('live:left-while-waiting');
    expect(room?.peers.size ?? 0).toBe(0);
  });
});
