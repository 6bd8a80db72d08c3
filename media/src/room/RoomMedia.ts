import type { types } from 'mediasoup';
import { AppError, type Logger } from '@learnlive/common';
import type {
  IceServer,
  MediaReplies,
  MediaRequest,
  MediaServerToClientEvents,
  ProducerInfo,
} from '@learnlive/contracts';
import type { ConsumerAppData, PeerConsumer, PeerProducer, ProducerAppData } from './appData.js';
import type { Peer } from './Peer.js';
import { GRANTED_SOURCES, PUBLISHING_ROLES } from './roles.js';
import type { RoomRouters } from './RoomRouters.js';

/**
 * Key frame requests (PLI/FIR) for one stream of a producer within this many ms of the last one
 * sent are held and sent together at its end. libwebrtc senders (Chromium) drop a key frame
 * request that comes less than 300 ms after the previous one, and mediasoup re-asks only after
 * 1 s: two viewers joining within 300 ms cost the second one a second of black video (measured
 * with bench:media: one-by-one joins, first frame 1.1 s; see media/README "Measured").
 */
const KEY_FRAME_REQUEST_DELAY_MS = 350;

export interface RoomMediaLimits {
  transportsPerPeer: number;
  producersPerPeer: number;
}

/** What the media of a room needs from the room: its peers, and a way to tell them. */
export interface RoomMediaHost {
  readonly peers: ReadonlyMap<string, Peer>;
  isClosed(): boolean;
  broadcast<E extends keyof MediaServerToClientEvents>(
    except: Peer | undefined,
    event: E,
    ...args: Parameters<MediaServerToClientEvents[E]>
  ): void;
  /** A peer published something (a recording picks up the teacher's camera turned on again). */
  published(peer: Peer, producer: PeerProducer): void;
}

/**
 * Turns a mediasoup rejection of client-supplied parameters into a typed error. mediasoup
 * validates RTP/DTLS semantics itself (in Node and in the worker); whatever it refuses was
 * the client's fault, and the worker keeps running.
 */
async function clientInput<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const message = err instanceof Error ? err.message.slice(0, 200) : String(err);
    if (err instanceof Error && err.name === 'InvalidStateError')
      throw new AppError('conflict', `${what}: ${message}`, { cause: err });
    throw new AppError('bad_request', `${what}: ${message}`, { cause: err });
  }
}

/** How a producer is announced to the other peers. */
export function producerInfo(producer: PeerProducer): ProducerInfo {
  return {
    producerId: producer.id,
    peerId: producer.appData.peerId,
    kind: producer.kind,
    source: producer.appData.source,
    paused: producer.paused,
  };
}

/**
 * The media of one room: its peers' transports, producers and consumers (the signalling
 * requests after `join`), and who speaks loudest. Which router each goes on is `RoomRouters`'.
 */
export class RoomMedia {
  private activeSpeaker: string | null = null;

  constructor(
    private readonly room: RoomMediaHost,
    private readonly routers: RoomRouters,
    private readonly speakerObserver: types.ActiveSpeakerObserver,
    private readonly limits: RoomMediaLimits,
    private readonly logger: Logger,
  ) {
    speakerObserver.on('dominantspeaker', ({ producer }) => {
      const peerId = this.findProducer(producer.id)?.owner.id;
      if (!peerId || peerId === this.activeSpeaker) return;
      this.activeSpeaker = peerId;
      this.room.broadcast(undefined, 'activeSpeaker', { peerId });
    });
  }

  /** The peer whose microphone was loudest last, if any. */
  get activeSpeakerPeerId(): string | null {
    return this.activeSpeaker;
  }

  // --- transports ------------------------------------------------------------------------

  async createTransport(
    peer: Peer,
    { direction }: MediaRequest<'createTransport'>,
    iceServers: IceServer[],
  ): Promise<MediaReplies['createTransport']> {
    if (peer.transports.size >= this.limits.transportsPerPeer)
      throw new AppError(
        'rate_limited',
        `at most ${this.limits.transportsPerPeer} transports per participant`,
      );
    const transport = await this.routers.createTransport({ direction, peerId: peer.id });
    if (peer.isClosed) {
      transport.close();
      throw new AppError('conflict', 'you left the room');
    }
    peer.transports.set(transport.id, transport);
    transport.observer.once('close', () => {
      peer.transports.delete(transport.id);
      peer.scores.delete(transport.id);
    });
    transport.on('icestatechange', (state) => {
      if (state === 'disconnected') peer.scores.set(transport.id, 0);
      else peer.scores.delete(transport.id);
    });
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') peer.scores.set(transport.id, 0);
    });
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters as MediaReplies['createTransport']['dtlsParameters'],
      iceServers,
    };
  }

  private transport(peer: Peer, transportId: string, direction?: 'send' | 'recv') {
    const transport = peer.transports.get(transportId);
    if (!transport) throw new AppError('not_found', 'no such transport');
    if (direction && transport.appData.direction !== direction)
      throw new AppError('bad_request', `this is not a ${direction} transport`);
    return transport;
  }

  async connectTransport(peer: Peer, req: MediaRequest<'connectTransport'>): Promise<void> {
    const transport = this.transport(peer, req.transportId);
    await clientInput('connect', () =>
      transport.connect({ dtlsParameters: req.dtlsParameters as types.DtlsParameters }),
    );
  }

  async restartIce(peer: Peer, req: MediaRequest<'restartIce'>): Promise<MediaReplies['restartIce']> {
    const transport = this.transport(peer, req.transportId);
    const iceParameters = await clientInput('restartIce', () => transport.restartIce());
    return { iceParameters };
  }

  // --- producers -------------------------------------------------------------------------

  async produce(peer: Peer, req: MediaRequest<'produce'>): Promise<MediaReplies['produce']> {
    if (!peer.canProduce)
      throw new AppError('forbidden', 'you may not publish in this room (raise your hand)');
    if (!PUBLISHING_ROLES.has(peer.role) && !GRANTED_SOURCES.has(req.source))
      throw new AppError('forbidden', 'a granted learner may share microphone and camera only');
    if (peer.producers.size >= this.limits.producersPerPeer)
      throw new AppError('rate_limited', `at most ${this.limits.producersPerPeer} producers per participant`);
    if ([...peer.producers.values()].some((p) => p.appData.source === req.source))
      throw new AppError('conflict', `you already publish your ${req.source}`);
    const expectedKind = req.source === 'mic' || req.source === 'screenAudio' ? 'audio' : 'video';
    if (req.kind !== expectedKind) throw new AppError('bad_request', `${req.source} must be ${expectedKind}`);
    const transport = this.transport(peer, req.transportId, 'send');
    const producer = await clientInput('produce', () =>
      transport.produce<ProducerAppData>({
        kind: req.kind,
        rtpParameters: req.rtpParameters as types.RtpParameters,
        paused: req.paused ?? false,
        keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS,
        appData: { peerId: peer.id, source: req.source },
      }),
    );
    if (peer.isClosed) {
      producer.close();
      throw new AppError('conflict', 'you left the room');
    }
    peer.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      peer.scores.delete(producer.id);
      // When the router goes (worker death, room closing) peers are told to rejoin instead: the
      // owner must not forget what it published, it publishes it again after the rejoin.
      if (!this.routers.home.closed && !this.room.isClosed())
        this.room.broadcast(undefined, 'producerClosed', { producerId: producer.id, peerId: peer.id });
    });
    producer.on('score', (scores) => {
      if (scores.length === 0) return;
      peer.scores.set(producer.id, Math.max(...scores.map((s) => s.score)));
    });
    if (producer.kind === 'audio' && req.source === 'mic')
      await this.speakerObserver.addProducer({ producerId: producer.id }).catch(() => undefined);
    this.room.broadcast(peer, 'newProducer', producerInfo(producer));
    this.room.published(peer, producer);
    this.logger.info({ peerId: peer.id, producerId: producer.id, source: req.source }, 'producer created');
    return { producerId: producer.id };
  }

  private ownProducer(peer: Peer, producerId: string): PeerProducer {
    const producer = peer.producers.get(producerId);
    if (!producer) throw new AppError('not_found', 'no such producer');
    return producer;
  }

  async pauseProducer(peer: Peer, { producerId }: MediaRequest<'pauseProducer'>): Promise<void> {
    await this.ownProducer(peer, producerId).pause();
  }

  async resumeProducer(peer: Peer, { producerId }: MediaRequest<'resumeProducer'>): Promise<void> {
    await this.ownProducer(peer, producerId).resume();
  }

  closeProducer(peer: Peer, { producerId }: MediaRequest<'closeProducer'>): void {
    this.ownProducer(peer, producerId).close();
  }

  // --- consumers -------------------------------------------------------------------------

  setRtpCapabilities(peer: Peer, req: MediaRequest<'setRtpCapabilities'>): void {
    peer.rtpCapabilities = req.rtpCapabilities as types.RtpCapabilities;
  }

  private findProducer(producerId: string): { producer: PeerProducer; owner: Peer } | undefined {
    for (const owner of this.room.peers.values()) {
      const producer = owner.producers.get(producerId);
      if (producer) return { producer, owner };
    }
    return undefined;
  }

  async consume(peer: Peer, req: MediaRequest<'consume'>): Promise<MediaReplies['consume']> {
    const capabilities = peer.rtpCapabilities;
    if (!capabilities) throw new AppError('bad_request', 'send setRtpCapabilities before consuming');
    const transport = this.transport(peer, req.transportId, 'recv');
    const found = this.findProducer(req.producerId);
    if (!found) throw new AppError('not_found', 'no such producer');
    const { producer, owner } = found;
    if (owner === peer) throw new AppError('bad_request', 'you cannot consume your own producer');
    if (!this.routers.home.canConsume({ producerId: producer.id, rtpCapabilities: capabilities }))
      throw new AppError('bad_request', 'your device cannot receive this producer');
    const source = producer.appData.source;
    await this.routers.reach(producer.id, transport);
    const consumer = await clientInput('consume', () =>
      transport.consume<ConsumerAppData>({
        producerId: producer.id,
        rtpCapabilities: capabilities,
        // Paused until the client has its track wired up (`resumeConsumer`): no lost keyframe.
        paused: true,
        // Start on the lowest simulcast layer; the viewer asks for more by tile size.
        preferredLayers: { spatialLayer: 0 },
        appData: { peerId: peer.id, producerPeerId: owner.id, source },
      }),
    );
    if (peer.isClosed) {
      consumer.close();
      throw new AppError('conflict', 'you left the room');
    }
    peer.consumers.set(consumer.id, consumer);
    const forget = () => {
      peer.consumers.delete(consumer.id);
      peer.scores.delete(consumer.id);
    };
    consumer.observer.once('close', forget);
    consumer.on('producerclose', () => {
      forget();
      peer.send('consumerClosed', { consumerId: consumer.id });
    });
    consumer.on('producerpause', () =>
      peer.send('consumerPaused', { consumerId: consumer.id, paused: true }),
    );
    consumer.on('producerresume', () =>
      peer.send('consumerPaused', { consumerId: consumer.id, paused: false }),
    );
    consumer.on('layerschange', (layers) =>
      peer.send('consumerLayersChanged', {
        consumerId: consumer.id,
        spatialLayer: layers?.spatialLayer ?? null,
      }),
    );
    consumer.on('score', ({ score }) => peer.scores.set(consumer.id, score));
    return {
      consumerId: consumer.id,
      producerId: producer.id,
      peerId: owner.id,
      kind: consumer.kind,
      source,
      rtpParameters: consumer.rtpParameters as MediaReplies['consume']['rtpParameters'],
      type: consumer.type,
      producerPaused: consumer.producerPaused,
    };
  }

  private ownConsumer(peer: Peer, consumerId: string): PeerConsumer {
    const consumer = peer.consumers.get(consumerId);
    if (!consumer) throw new AppError('not_found', 'no such consumer');
    return consumer;
  }

  async resumeConsumer(peer: Peer, { consumerId }: MediaRequest<'resumeConsumer'>): Promise<void> {
    await this.ownConsumer(peer, consumerId).resume();
  }

  async pauseConsumer(peer: Peer, { consumerId }: MediaRequest<'pauseConsumer'>): Promise<void> {
    await this.ownConsumer(peer, consumerId).pause();
  }

  async setPreferredLayers(peer: Peer, req: MediaRequest<'setPreferredLayers'>): Promise<void> {
    const consumer = this.ownConsumer(peer, req.consumerId);
    await consumer.setPreferredLayers({
      spatialLayer: req.spatialLayer,
      ...(req.temporalLayer === undefined ? {} : { temporalLayer: req.temporalLayer }),
    });
  }

  async getStats(peer: Peer, req: MediaRequest<'getStats'>): Promise<MediaReplies['getStats']> {
    const target =
      req.kind === 'transport'
        ? this.transport(peer, req.id)
        : req.kind === 'producer'
          ? this.ownProducer(peer, req.id)
          : this.ownConsumer(peer, req.id);
    const stats = (await target.getStats()) as unknown as Array<Record<string, unknown>>;
    return { stats };
  }
}
