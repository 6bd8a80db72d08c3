import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaRequest, RoomRole } from '@learnlive/contracts';
import { SignallingClient } from '../../test/signallingClient.js';
import { mediaUrl, roomToken, startTestMedia } from '../../test/testMedia.js';
import type { MediaService } from '../service.js';

const AUDIO: MediaRequest<'produce'>['rtpParameters'] = {
  mid: '0',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 7777 }],
  rtcp: { cname: 'mic' },
};

/** A room larger than one router's viewer budget spreads viewers to another worker. */
describe('large rooms across workers', () => {
  let media: MediaService;
  const clients: SignallingClient[] = [];

  beforeAll(async () => {
    media = await startTestMedia({ MEDIA_WORKERS: '2', MEDIA_VIEWERS_PER_ROUTER: '1' });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await media?.close();
  });

  async function joined(role: RoomRole, sub: string) {
    const client = await SignallingClient.connect(mediaUrl(media), roomToken('live:big', role, sub));
    clients.push(client);
    const join = await client.request('join', {});
    await client.request('setRtpCapabilities', { rtpCapabilities: join.routerRtpCapabilities });
    return client;
  }

  it('pipes producers to a router on the other worker; pause and close reach its viewers', async () => {
    const teacher = await joined('teacher', 'teacher');
    const send = await teacher.request('createTransport', { direction: 'send' });
    const { producerId } = await teacher.request('produce', {
      transportId: send.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: AUDIO,
    });
    const viewers = [await joined('learner', 'a'), await joined('learner', 'b')];
    const consumers = [];
    for (const viewer of viewers) {
      const recv = await viewer.request('createTransport', { direction: 'recv' });
      consumers.push(await viewer.request('consume', { transportId: recv.id, producerId }));
    }
    const [room] = await media.rooms.list();
    expect(room!.routers.count).toBe(2);
    expect(media.pool.workers.map((w) => w.routers)).toEqual([1, 1]);

    const paused = viewers[1]!.next('consumerPaused');
    await teacher.request('pauseProducer', { producerId });
    expect(await paused).toEqual({ consumerId: consumers[1]!.consumerId, paused: true });
    const closed = viewers[1]!.next('consumerClosed');
    await teacher.request('closeProducer', { producerId });
    expect(await closed).toEqual({ consumerId: consumers[1]!.consumerId });
  });
});
