import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { AppError, type Logger } from '@learnlive/common';
import type {
  ConnectionQuality,
  IceServer,
  MediaReplies,
  MediaRequest,
  MediaServerToClientEvents,
  ProducerInfo,
  RecordingState,
  RoomKind,
  RoomTokenClaims,
} from '@learnlive/contracts';
import { MEDIA_CODECS } from './codecs.js';
import { Peer, type Emit, type TransportAppData } from './Peer.js';
import type { RoomStateStore } from './RoomState.js';
import type { PooledWorker } from './WorkerPool.js';

/**
 * Key frame requests (PLI/FIR) for one stream of a producer within this many ms of the last one
 * sent are held and sent together at its end. libwebrtc senders (Chromium) drop a key frame
 * request that comes less than 300 ms after the previous one, and mediasoup re-asks only after
 * 1 s: two viewers joining within 300 ms cost the second one a second of black video (measured
 * with bench:media: one-by-one joins, first frame 1.1 s; see media/README "Measured").
 */
const KEY_FRAME_REQUEST_DELAY_MS = 350;

export interface RoomLimits {
  /** Peers in a live-class room (mentor sessions: two). */
  roomCapacity: number;
  transportsPerPeer: number;
  producersPerPeer: number;
  /**
   * Receive transports one router carries before the room spreads viewers to a router on
   * another worker (producers piped there with `pipeToRouter`).
   */
  recvTransportsPerRouter: number;
}

/** Picks a worker for an extra router of a large room, other than those given; none: stay. */
export type PickWorker = (exclude: readonly PooledWorker[]) => PooledWorker | undefined;

interface RouterSlot {
  slot: PooledWorker;
  router: types.Router;
  recvTransports: number;
}

interface ProducerAppData extends types.AppData {
  peerId: string;
  source: ProducerInfo['source'];
}

interface ConsumerAppData extends types.AppData {
  peerId: string;
  producerPeerId: string;
  source: ProducerInfo['source'];
}

/** Who may be in a room of each kind. */
const ALLOWED_ROLES: { readonly [K in 'live' | 'mentor']: ReadonlySet<string> } = {
  live: new Set(['teacher', 'speaker', 'learner', 'moderator']),
  mentor: new Set(['mentor', 'mentee']),
};

const QUALITY_INTERVAL_MS = 2000;

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

/**
 * A live class or a mentor session: one mediasoup router on one worker, its peers, who may
 * speak and who is banned. Emits `close` once (empty after the grace period, or its worker died).
 */
export class Room extends EventEmitter<{
  close: [reason: 'empty' | 'worker_died' | 'shutdown'];
  /** A peer published something (a recording picks up the teacher's camera turned on again). */
  producer: [peer: Peer, producer: types.Producer];
}> {
  readonly peers = new Map<string, Peer>();
  /** Users kicked from this room: rejoining is refused (kept in the state store). */
  readonly banned: Set<string>;
  /** Users a teacher let speak; a reload keeps the grant (kept in the state store). */
  readonly granted: Set<string>;
  private activeSpeakerPeerId: string | null = null;
  private lastQuality = '';
  /** The home router (producers live here) first, then routers on other workers for viewers. */
  private readonly routers: RouterSlot[];
  private readonly transportRouters = new Map<string, RouterSlot>();
  private readonly piped = new Map<string, Promise<void>>();
  private addingRouter: Promise<RouterSlot | undefined> | undefined;
  private readonly qualityTimer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly id: string,
    readonly kind: 'live' | 'mentor',
    readonly slot: PooledWorker,
    readonly router: types.Router,
    private readonly speakerObserver: types.ActiveSpeakerObserver,
    private readonly limits: RoomLimits,
    private readonly store: RoomStateStore,
    snapshot: { banned: string[]; granted: string[] },
    private readonly pickWorker: PickWorker,
    private readonly logger: Logger,
  ) {
    super();
    this.routers = [{ slot, router, recvTransports: 0 }];
    this.banned = new Set(snapshot.banned);
    this.granted = new Set(snapshot.granted);
    router.on('workerclose', () => this.lostWorker());
    speakerObserver.on('dominantspeaker', ({ producer }) => {
      const peerId = (producer.appData as ProducerAppData).peerId;
      if (peerId === this.activeSpeakerPeerId) return;
      this.activeSpeakerPeerId = peerId;
      this.broadcast(undefined, 'activeSpeaker', { peerId });
    });
    this.qualityTimer = setInterval(() => this.publishQuality(), QUALITY_INTERVAL_MS);
    this.qualityTimer.unref();
  }

  static async create(
    id: string,
    kind: RoomKind,
    slot: PooledWorker,
    limits: RoomLimits,
    store: RoomStateStore,
    logger: Logger,
    pickWorker: PickWorker = () => undefined,
  ): Promise<Room> {
    if (kind !== 'live' && kind !== 'mentor')
      throw new AppError('forbidden', 'this token is not for a live class or a mentor session');
    const snapshot = await store.load(id);
    let router: types.Router;
    let speakerObserver: types.ActiveSpeakerObserver;
    try {
      router = await slot.worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { roomId: id } });
      speakerObserver = await router.createActiveSpeakerObserver({ interval: 300 });
    } catch (err) {
      // The worker died a moment ago and the pool has not noticed yet: the client retries.
      throw new AppError('unavailable', 'the media worker is restarting, join again shortly', { cause: err });
    }
    return new Room(
      id,
      kind,
      slot,
      router,
      speakerObserver,
      limits,
      store,
      snapshot,
      pickWorker,
      logger.child({ roomId: id }),
    );
  }

  /** Any of the room's workers died: everyone rejoins (the room is recreated on live workers). */
  private lostWorker(): void {
    if (this.closed) return;
    this.logger.warn('room lost a worker');
    for (const peer of this.peers.values()) peer.send('rejoin', { reason: 'worker_died' });
    this.close('worker_died');
  }

  /** Routers in use (home first), for tests and metrics. */
  get routerCount(): number {
    return this.routers.length;
  }

  /** Where a new receive transport goes: the first router under budget, or a new one. */
  private async placeRecv(): Promise<RouterSlot> {
    const budget = this.limits.recvTransportsPerRouter;
    const free = this.routers.find((r) => r.recvTransports < budget && !r.router.closed);
    if (free) return free;
    this.addingRouter ??= (async () => {
      const slot = this.pickWorker(this.routers.map((r) => r.slot));
      if (!slot) return undefined;
      const router = await slot.worker.createRouter({
        mediaCodecs: MEDIA_CODECS,
        appData: { roomId: this.id },
      });
      router.on('workerclose', () => this.lostWorker());
      const added: RouterSlot = { slot, router, recvTransports: 0 };
      this.routers.push(added);
      this.logger.info({ worker: slot.index, routers: this.routers.length }, 'room spread to another worker');
      return added;
    })().finally(() => (this.addingRouter = undefined));
    // No other worker: the home router takes more than its budget.
    return (await this.addingRouter) ?? this.routers[0]!;
  }

  /** Makes `producerId` available on `target` (once): consumers there read the pipe producer. */
  private pipe(producerId: string, target: RouterSlot): Promise<void> {
    const key = `${target.router.id}:${producerId}`;
    let piping = this.piped.get(key);
    if (!piping) {
      piping = this.router.pipeToRouter({ producerId, router: target.router }).then(() => undefined);
      piping.catch(() => this.piped.delete(key));
      this.piped.set(key, piping);
    }
    return piping;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get capacity(): number {
    return this.kind === 'mentor' ? 2 : this.limits.roomCapacity;
  }

  /**
   * Admits the holder of a verified room token. The same user joining again (a page reload,
   * a second tab) replaces the earlier peer, so a reload keeps the role and the seat.
   */
  join(claims: RoomTokenClaims, emit: Emit, disconnect: () => void): Peer {
    if (this.closed) throw new AppError('unavailable', 'the room is closing, join again');
    if (!ALLOWED_ROLES[this.kind].has(claims.role))
      throw new AppError('forbidden', `the role ${claims.role} cannot join a ${this.kind} room`);
    if (this.banned.has(claims.sub)) throw new AppError('forbidden', 'you were removed from this room');
    const previous = [...this.peers.values()].find((p) => p.userId === claims.sub);
    if (this.kind === 'mentor') {
      const sameRole = [...this.peers.values()].find(
        (p) => p.role === claims.role && p.userId !== claims.sub,
      );
      if (sameRole) throw new AppError('forbidden', `this session already has its ${claims.role}`);
    }
    if (!previous && this.peers.size >= this.capacity)
      throw new AppError('unavailable', `the room is full (${this.capacity} participants)`);
    if (previous) {
      this.leave(previous);
      previous.disconnect();
    }
    const peer = new Peer(claims.sub, claims.name, claims.role, emit, disconnect);
    peer.granted = this.kind === 'live' && this.granted.has(claims.sub);
    this.peers.set(peer.id, peer);
    this.broadcast(peer, 'peerJoined', peer.info());
    this.logger.info({ peerId: peer.id, userId: claims.sub, role: claims.role }, 'peer joined');
    return peer;
  }

  joinReply(peer: Peer, iceServers: IceServer[], recording: RecordingState): MediaReplies['join'] {
    return {
      peerId: peer.id,
      roomId: this.id,
      role: peer.role,
      routerRtpCapabilities: this.router.rtpCapabilities as MediaReplies['join']['routerRtpCapabilities'],
      iceServers,
      peers: [...this.peers.values()].filter((p) => p !== peer).map((p) => p.info()),
      producers: [...this.peers.values()]
        .filter((p) => p !== peer)
        .flatMap((p) => [...p.producers.values()].map((producer) => this.producerInfo(producer))),
      activeSpeakerPeerId: this.activeSpeakerPeerId,
      recording,
    };
  }

  leave(peer: Peer): void {
    if (!this.peers.delete(peer.id)) return;
    peer.close();
    this.broadcast(undefined, 'peerLeft', { peerId: peer.id });
    this.logger.info({ peerId: peer.id }, 'peer left');
  }

  broadcast<E extends keyof MediaServerToClientEvents>(
    except: Peer | undefined,
    event: E,
    ...args: Parameters<MediaServerToClientEvents[E]>
  ): void {
    for (const peer of this.peers.values()) if (peer !== except) peer.send(event, ...args);
  }

  peer(peerId: string): Peer {
    const peer = this.peers.get(peerId);
    if (!peer) throw new AppError('not_found', 'no such participant');
    return peer;
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
    // Producers stay on the home router; viewers spread over routers on other workers.
    const place = direction === 'send' ? this.routers[0]! : await this.placeRecv();
    const transport = await place.router.createWebRtcTransport<TransportAppData>({
      webRtcServer: place.slot.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { direction, peerId: peer.id },
    });
    if (peer.isClosed) {
      transport.close();
      throw new AppError('conflict', 'you left the room');
    }
    peer.transports.set(transport.id, transport);
    this.transportRouters.set(transport.id, place);
    if (direction === 'recv') place.recvTransports += 1;
    transport.observer.once('close', () => {
      if (direction === 'recv') place.recvTransports -= 1;
      this.transportRouters.delete(transport.id);
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
    if (
      peer.granted &&
      !PUBLISHING_ROLES_FULL.has(peer.role) &&
      (req.source === 'screen' || req.source === 'screenAudio')
    )
      throw new AppError('forbidden', 'a granted learner may share microphone and camera only');
    if (peer.producers.size >= this.limits.producersPerPeer)
      throw new AppError('rate_limited', `at most ${this.limits.producersPerPeer} producers per participant`);
    if ([...peer.producers.values()].some((p) => (p.appData as ProducerAppData).source === req.source))
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
      if (!this.router.closed && !this.closed)
        this.broadcast(undefined, 'producerClosed', { producerId: producer.id, peerId: peer.id });
    });
    producer.on('score', (scores) => {
      if (scores.length === 0) return;
      peer.scores.set(producer.id, Math.max(...scores.map((s) => s.score)));
    });
    if (producer.kind === 'audio' && req.source === 'mic')
      await this.speakerObserver.addProducer({ producerId: producer.id }).catch(() => undefined);
    this.broadcast(peer, 'newProducer', this.producerInfo(producer));
    this.emit('producer', peer, producer);
    this.logger.info({ peerId: peer.id, producerId: producer.id, source: req.source }, 'producer created');
    return { producerId: producer.id };
  }

  private producerInfo(producer: types.Producer): ProducerInfo {
    const appData = producer.appData as ProducerAppData;
    return {
      producerId: producer.id,
      peerId: appData.peerId,
      kind: producer.kind,
      source: appData.source,
      paused: producer.paused,
    };
  }

  private ownProducer(peer: Peer, producerId: string): types.Producer {
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

  private findProducer(producerId: string): { producer: types.Producer; owner: Peer } {
    for (const owner of this.peers.values()) {
      const producer = owner.producers.get(producerId);
      if (producer) return { producer, owner };
    }
    throw new AppError('not_found', 'no such producer');
  }

  async consume(peer: Peer, req: MediaRequest<'consume'>): Promise<MediaReplies['consume']> {
    const capabilities = peer.rtpCapabilities;
    if (!capabilities) throw new AppError('bad_request', 'send setRtpCapabilities before consuming');
    const transport = this.transport(peer, req.transportId, 'recv');
    const { producer, owner } = this.findProducer(req.producerId);
    if (owner === peer) throw new AppError('bad_request', 'you cannot consume your own producer');
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: capabilities }))
      throw new AppError('bad_request', 'your device cannot receive this producer');
    const source = (producer.appData as ProducerAppData).source;
    const place = this.transportRouters.get(transport.id);
    if (place && place.router !== this.router) await this.pipe(producer.id, place);
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

  private ownConsumer(peer: Peer, consumerId: string): types.Consumer {
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

  // --- live-class roles ------------------------------------------------------------------

  raiseHand(peer: Peer, { raised }: MediaRequest<'raiseHand'>): void {
    if (this.kind !== 'live') throw new AppError('bad_request', 'hands are raised in live classes only');
    if (peer.handRaised === raised) return;
    peer.handRaised = raised;
    this.broadcast(undefined, 'peerUpdated', peer.info());
  }

  /** `mute` reaches the teacher too (a moderator silences a stray microphone); the rest does not. */
  private moderated(by: Peer, peerId: string, action: 'mute' | 'other' = 'other'): Peer {
    if (!by.canModerate) throw new AppError('forbidden', 'only the teacher or a moderator may do this');
    const target = this.peer(peerId);
    if (target === by) throw new AppError('bad_request', 'not on yourself');
    if (action !== 'mute' && target.role === 'teacher' && by.role !== 'teacher')
      throw new AppError('forbidden', 'a moderator cannot act on the teacher');
    return target;
  }

  async grantSpeak(by: Peer, { peerId }: MediaRequest<'grantSpeak'>): Promise<void> {
    const target = this.moderated(by, peerId);
    await this.store.setGranted(this.id, target.userId, true);
    this.granted.add(target.userId);
    target.granted = true;
    target.handRaised = false;
    this.broadcast(undefined, 'peerUpdated', target.info());
  }

  async revokeSpeak(by: Peer, { peerId }: MediaRequest<'revokeSpeak'>): Promise<void> {
    const target = this.moderated(by, peerId);
    await this.store.setGranted(this.id, target.userId, false);
    this.granted.delete(target.userId);
    target.granted = false;
    target.handRaised = false;
    if (!target.canProduce) for (const producer of [...target.producers.values()]) producer.close();
    this.broadcast(undefined, 'peerUpdated', target.info());
  }

  async mute(by: Peer, req: MediaRequest<'mute'>): Promise<MediaReplies['mute']> {
    const target = this.moderated(by, req.peerId, 'mute');
    let paused = 0;
    for (const producer of target.producers.values()) {
      const source = (producer.appData as ProducerAppData).source;
      if (req.source && source !== req.source) continue;
      if (producer.paused) continue;
      await producer.pause();
      paused += 1;
      target.send('producerPaused', { producerId: producer.id, byPeerId: by.id, source });
    }
    this.logger.info({ by: by.id, peerId: target.id, paused }, 'peer muted');
    return { paused };
  }

  async kick(by: Peer, { peerId }: MediaRequest<'kick'>): Promise<Peer> {
    const target = this.moderated(by, peerId);
    // Stored first: once the store has it, no media process lets the user back in.
    await this.store.ban(this.id, target.userId);
    this.banned.add(target.userId);
    this.granted.delete(target.userId);
    target.send('kicked', { byPeerId: by.id });
    this.leave(target);
    this.logger.info({ by: by.id, peerId: target.id, userId: target.userId }, 'peer kicked');
    return target;
  }

  /**
   * What recordings and live streams carry: the teacher's video (screen share first, else the
   * camera) and microphone; `fallback`'s when no teacher is in the room.
   */
  teacherSources(fallback?: Peer): types.Producer[] {
    const teacher = [...this.peers.values()].find((p) => p.role === 'teacher') ?? fallback;
    if (!teacher) return [];
    const bySource = new Map<string, types.Producer>();
    for (const producer of teacher.producers.values()) {
      if (!producer.closed) bySource.set((producer.appData as ProducerAppData).source, producer);
    }
    const video = bySource.get('screen') ?? bySource.get('camera');
    const audio = bySource.get('mic');
    return [video, audio].filter((p): p is types.Producer => p !== undefined);
  }

  // --- quality and lifecycle -------------------------------------------------------------

  private publishQuality(): void {
    if (this.peers.size === 0) return;
    const quality: ConnectionQuality = {};
    for (const peer of this.peers.values()) quality[peer.id] = peer.quality();
    const key = JSON.stringify(quality);
    if (key === this.lastQuality) return;
    this.lastQuality = key;
    this.broadcast(undefined, 'connectionQuality', quality);
  }

  close(reason: 'empty' | 'worker_died' | 'shutdown'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.qualityTimer);
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    for (const { router } of this.routers) router.close();
    this.logger.info({ reason }, 'room closed');
    this.emit('close', reason);
  }
}

/** Roles that publish anything, screen included (granted learners get mic and camera). */
const PUBLISHING_ROLES_FULL: ReadonlySet<string> = new Set(['teacher', 'speaker', 'mentor', 'mentee']);
