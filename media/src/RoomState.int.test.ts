import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaRequest, RoomRole } from '@learnlive/contracts';
import { startRedis, type TestRedis } from '@learnlive/testing';
import { SignallingClient, errorOf } from '../test/signallingClient.js';
import { mediaUrl, roomToken, startTestMedia } from '../test/testMedia.js';
import type { MediaService } from './service.js';

const AUDIO: MediaRequest<'produce'>['rtpParameters'] = {
  mid: '0',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 4242 }],
  rtcp: { cname: 'mic' },
};

/** Bans and speaking grants kept in Redis survive a restart of the media process. */
describe('room state in Redis', () => {
  let redis: TestRedis;
  const services: MediaService[] = [];
  const clients: SignallingClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const service of services) await service.close();
    await redis?.stop();
  });

  async function start(): Promise<MediaService> {
    const media = await startTestMedia({ REDIS_URL: redis.url });
    services.push(media);
    return media;
  }

  async function join(media: MediaService, role: RoomRole, sub: string) {
    const client = await SignallingClient.connect(mediaUrl(media), roomToken('live:persist', role, sub));
    clients.push(client);
    return { client, join: await client.ack('join', {}) };
  }

  it('keeps who was removed and who may speak across a media restart', async () => {
    const first = await start();
    expect(first.roomState).toBe('redis');
    const teacher = await join(first, 'teacher', 'teacher');
    const speaker = await join(first, 'learner', 'granted');
    const troll = await join(first, 'learner', 'troll');
    if (!speaker.join.ok || !troll.join.ok) throw new Error('join failed');
    await teacher.client.request('grantSpeak', { peerId: speaker.join.data.peerId });
    await teacher.client.request('kick', { peerId: troll.join.data.peerId });
    await first.close();

    const second = await start();
    const trollAgain = await join(second, 'learner', 'troll');
    expect(errorOf(trollAgain.join)?.code).toBe('forbidden');
    const speakerAgain = await join(second, 'learner', 'granted');
    expect(speakerAgain.join.ok).toBe(true);
    const send = await speakerAgain.client.request('createTransport', { direction: 'send' });
    const produced = await speakerAgain.client.ack('produce', {
      transportId: send.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: AUDIO,
    });
    expect(produced.ok).toBe(true);
    // Someone never granted still may not.
    const other = await join(second, 'learner', 'other');
    const otherSend = await other.client.request('createTransport', { direction: 'send' });
    const refused = await other.client.ack('produce', {
      transportId: otherSend.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: AUDIO,
    });
    expect(errorOf(refused)?.code).toBe('forbidden');
  });
});
