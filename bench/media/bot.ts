/**
 * A benchmark subscriber process: hosts several WebRTC subscribers (real libwebrtc from
 * @roamhq/wrtc, decoding) driven by mediasoup-client. Started by bench/media.ts with IPC.
 *
 * mode `ours`: each subscriber joins through the media service's socket.io signalling with a
 * room token. mode `bare`: requests go over IPC to the parent, which calls mediasoup directly
 * (no signalling server, no rooms): the baseline.
 */
import wrtc from '@roamhq/wrtc';
import type { types as clientTypes } from 'mediasoup-client';
import type { MediaReplies, MediaRequest, MediaRequestName } from '@learnlive/contracts';
import { SignallingClient } from '../../media/test/signallingClient.js';

// mediasoup-client looks these up on the global object: assign before importing it.
Object.assign(globalThis, {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  MediaStream: wrtc.MediaStream,
  MediaStreamTrack: wrtc.MediaStreamTrack,
});
// libwebrtc starts its threads and codecs on the first peer connection (about a second): do
// it before any join is timed, so join times measure the SFU and not the bot's start-up.
{
  const warmup = new wrtc.RTCPeerConnection();
  warmup.addTransceiver('video', { direction: 'recvonly' });
  await warmup.setLocalDescription(await warmup.createOffer());
  warmup.close();
}
const { Device } = await import('mediasoup-client');
const { Chrome111 } = await import('mediasoup-client/handlers/Chrome111');
type Transport = clientTypes.Transport;

export type BotCommand =
  /** `sequential`: one subscriber after the other (join latency without a thundering herd). */
  | { type: 'start'; mode: 'ours'; url: string; tokens: string[]; sequential?: boolean }
  | { type: 'start'; mode: 'bare'; count: number; sequential?: boolean }
  | { type: 'bare-reply'; reqId: number; data?: unknown; error?: string }
  | { type: 'stop' };

export type BotMessage =
  | { type: 'joined'; index: number; joinToFirstFrameMs: number }
  | { type: 'failed'; index: number; error: string }
  | { type: 'bare-request'; reqId: number; subscriber: number; name: string; data: unknown }
  | { type: 'frames'; framesDecoded: number };

type Requester = <K extends MediaRequestName>(name: K, request: MediaRequest<K>) => Promise<MediaReplies[K]>;

const send = (message: BotMessage) => process.send!(message);
const transports: Transport[] = [];
const clients: SignallingClient[] = [];
const pending = new Map<number, { resolve: (data: unknown) => void; reject: (err: Error) => void }>();
let reqSeq = 0;

function bareRequester(subscriber: number): Requester {
  return (name, data) =>
    new Promise((resolve, reject) => {
      const reqId = ++reqSeq;
      pending.set(reqId, { resolve: resolve as (d: unknown) => void, reject });
      send({ type: 'bare-request', reqId, subscriber, name, data });
    });
}

async function framesDecoded(transport: Transport): Promise<number> {
  let frames = 0;
  (await transport.getStats()).forEach((stat: { type: string; kind?: string; framesDecoded?: number }) => {
    if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
  });
  return frames;
}

async function subscribe(index: number, request: Requester): Promise<void> {
  const started = performance.now();
  const joined = await request('join', {});
  const device = new Device({ handlerFactory: Chrome111.createFactory() });
  await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as never });
  await request('setRtpCapabilities', { rtpCapabilities: device.recvRtpCapabilities as never });
  const info = await request('createTransport', { direction: 'recv' });
  const transport = device.createRecvTransport({
    id: info.id,
    iceParameters: info.iceParameters,
    iceCandidates: info.iceCandidates as never,
    dtlsParameters: info.dtlsParameters as never,
  });
  transports.push(transport);
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    request('connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never }).then(
      () => callback(),
      errback,
    );
  });
  for (const producer of joined.producers) {
    const reply = await request('consume', { transportId: transport.id, producerId: producer.producerId });
    await transport.consume({
      id: reply.consumerId,
      producerId: reply.producerId,
      kind: reply.kind,
      rtpParameters: reply.rtpParameters as never,
    });
    // The lowest simulcast layer (the server's default): bots decode 180p, as in BUILD-NOTES.
    await request('resumeConsumer', { consumerId: reply.consumerId });
  }
  for (;;) {
    if ((await framesDecoded(transport)) > 0) break;
    if (performance.now() - started > 30_000) throw new Error('no frame decoded within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  send({ type: 'joined', index, joinToFirstFrameMs: performance.now() - started });
}

process.on('message', (command: BotCommand) => {
  const handlers: { [K in BotCommand['type']]: (c: Extract<BotCommand, { type: K }>) => void } = {
    start: (c) => {
      const count = c.mode === 'ours' ? c.tokens.length : c.count;
      const run = async (i: number) => {
        try {
          if (c.mode === 'ours') {
            const client = await SignallingClient.connect(c.url, c.tokens[i]!);
            clients.push(client);
            await subscribe(i, (name, data) => client.request(name, data));
          } else await subscribe(i, bareRequester(i));
        } catch (err) {
          send({ type: 'failed', index: i, error: err instanceof Error ? err.message : String(err) });
        }
      };
      if (c.sequential) {
        void (async () => {
          for (let i = 0; i < count; i++) await run(i);
        })();
      } else for (let i = 0; i < count; i++) void run(i);
    },
    'bare-reply': (c) => {
      const waiter = pending.get(c.reqId);
      pending.delete(c.reqId);
      if (c.error) waiter?.reject(new Error(c.error));
      else waiter?.resolve(c.data);
    },
    stop: () => {
      for (const transport of transports) transport.close();
      for (const client of clients) client.close();
      setTimeout(() => process.exit(0), 100);
    },
  };
  (handlers[command.type] as (c: BotCommand) => void)(command);
});
process.on('disconnect', () => process.exit(0));
