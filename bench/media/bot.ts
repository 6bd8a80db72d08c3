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

/**
 * Wall-clock times (ms since the epoch, comparable with the parent's `Date.now()`) of the steps
 * of one join, for the breakdown. `start` is before the socket connects (ours) or the first
 * request (bare); `frame` is the first decoded video frame handed to a sink on the track (not
 * polled); `rtp` and `keyFrame` come from getStats polled every `STATS_POLL_MS`.
 */
export type JoinMarks = Partial<
  Record<
    | 'start'
    | 'connected'
    | 'joined'
    | 'transport'
    | 'consumed'
    | 'dtlsParams'
    | 'transportConnected'
    | 'resumed'
    | 'iceConnected'
    | 'dtlsConnected'
    | 'rtp'
    | 'keyFrame'
    | 'frame',
    number
  >
>;

export type BotMessage =
  | {
      type: 'joined';
      index: number;
      joinToFirstFrameMs: number;
      marks: JoinMarks;
      /** The video consumer, so the parent can line its server-side trace up with these marks. */
      videoConsumerId: string;
    }
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

const STATS_POLL_MS = 20;
/** What the bot reads of the peer connection behind a mediasoup-client transport. */
interface PeerConnectionStates {
  readonly iceConnectionState: string;
  readonly connectionState: string;
  addEventListener(type: 'iceconnectionstatechange' | 'connectionstatechange', listener: () => void): void;
}
const wall = () => performance.timeOrigin + performance.now();

interface InboundVideo {
  packetsReceived: number;
  keyFramesDecoded: number;
}

async function inboundVideo(transport: Transport): Promise<InboundVideo> {
  const result = { packetsReceived: 0, keyFramesDecoded: 0 };
  (await transport.getStats()).forEach(
    (stat: { type: string; kind?: string; packetsReceived?: number; keyFramesDecoded?: number }) => {
      if (stat.type !== 'inbound-rtp' || stat.kind !== 'video') return;
      result.packetsReceived += stat.packetsReceived ?? 0;
      result.keyFramesDecoded += stat.keyFramesDecoded ?? 0;
    },
  );
  return result;
}

/** Resolves at the first decoded frame the track delivers (libwebrtc's sink, no polling). */
function firstFrame(track: unknown): Promise<number> {
  return new Promise((resolve) => {
    const sink = new wrtc.nonstandard.RTCVideoSink(track as never);
    sink.onframe = () => {
      const at = wall();
      sink.onframe = null;
      sink.stop();
      resolve(at);
    };
  });
}

async function subscribe(index: number, request: Requester, marks: JoinMarks): Promise<void> {
  const joined = await request('join', {});
  marks.joined = wall();
  const device = new Device({ handlerFactory: Chrome111.createFactory() });
  await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as never });
  // As the live page does (MediaSession): capabilities and transport in one round trip.
  const [, info] = await Promise.all([
    request('setRtpCapabilities', { rtpCapabilities: device.recvRtpCapabilities as never }),
    request('createTransport', { direction: 'recv' }),
  ]);
  marks.transport = wall();
  const transport = device.createRecvTransport({
    id: info.id,
    iceParameters: info.iceParameters,
    iceCandidates: info.iceCandidates as never,
    dtlsParameters: info.dtlsParameters as never,
  });
  transports.push(transport);
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    marks.dtlsParams = wall();
    request('connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never }).then(
      () => {
        marks.transportConnected = wall();
        callback();
      },
      errback,
    );
  });
  // The peer connection behind the transport (mediasoup-client keeps it private): ICE and DTLS
  // states separately.
  const pc = (transport as unknown as { handler: { _pc: PeerConnectionStates } }).handler._pc;
  pc.addEventListener('iceconnectionstatechange', () => {
    if (['connected', 'completed'].includes(pc.iceConnectionState)) marks.iceConnected ??= wall();
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') marks.dtlsConnected ??= wall();
  });
  let video: { id: string; frame: Promise<number> } | undefined;
  // Every producer at once, as the live page does (mediasoup-client queues the SDP work).
  await Promise.all(
    joined.producers.map(async (producer) => {
      const reply = await request('consume', { transportId: transport.id, producerId: producer.producerId });
      const consumer = await transport.consume({
        id: reply.consumerId,
        producerId: reply.producerId,
        kind: reply.kind,
        rtpParameters: reply.rtpParameters as never,
      });
      if (consumer.kind === 'video') video = { id: consumer.id, frame: firstFrame(consumer.track) };
      marks.consumed = wall();
      // The lowest simulcast layer (the server's default): bots decode 180p; at 720p one machine
      // runs out of CPU at about 10 decoding bots, at 180p about 50.
      await request('resumeConsumer', { consumerId: reply.consumerId });
      marks.resumed = wall();
    }),
  );
  if (!video) throw new Error('no video producer to consume');
  let framed = false;
  const frame = video.frame.then((at) => {
    marks.frame = at;
    framed = true;
  });
  // getStats for the first packet and key frame, until the frame (bounded: 30 s).
  while (!framed) {
    const stats = await inboundVideo(transport);
    if (stats.packetsReceived > 0) marks.rtp ??= wall();
    if (stats.keyFramesDecoded > 0) marks.keyFrame ??= wall();
    if (wall() - marks.start! > 30_000) throw new Error('no frame decoded within 30 s');
    await Promise.race([frame, new Promise((resolve) => setTimeout(resolve, STATS_POLL_MS))]);
  }
  send({
    type: 'joined',
    index,
    joinToFirstFrameMs: marks.frame! - marks.start!,
    marks,
    videoConsumerId: video.id,
  });
}

process.on('message', (command: BotCommand) => {
  const handlers: { [K in BotCommand['type']]: (c: Extract<BotCommand, { type: K }>) => void } = {
    start: (c) => {
      const count = c.mode === 'ours' ? c.tokens.length : c.count;
      const run = async (i: number) => {
        const marks: JoinMarks = { start: wall() };
        try {
          if (c.mode === 'ours') {
            const client = await SignallingClient.connect(c.url, c.tokens[i]!);
            marks.connected = wall();
            clients.push(client);
            await subscribe(i, (name, data) => client.request(name, data), marks);
          } else await subscribe(i, bareRequester(i), marks);
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
