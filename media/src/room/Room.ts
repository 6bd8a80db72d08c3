import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { AppError, type Logger } from '@learnlive/common';
import type {
  ConnectionQuality,
  IceServer,
  MediaReplies,
  MediaRequest,
  MediaServerToClientEvents,
  RecordingState,
  RoomKind,
  RoomTokenClaims,
} from '@learnlive/contracts';
import type { PooledWorker } from '../WorkerPool.js';
import type { RoomStateStore } from '../RoomState.js';
import type { PeerProducer, RoomRouter } from './appData.js';
import { Peer, type Emit } from './Peer.js';
import { ROOM_MEMBERS, type MediaRoomKind } from './roles.js';
import { RoomMedia, producerInfo, type RoomMediaLimits } from './RoomMedia.js';
import { RoomRouters, type PickWorker } from './RoomRouters.js';

export interface RoomLimits extends RoomMediaLimits {
  /** Peers in a live-class room (mentor sessions: two). */
  roomCapacity: number;
  /**
   * Receive transports one router carries before the room spreads viewers to a router on
   * another worker (producers piped there with `pipeToRouter`).
   */
  recvTransportsPerRouter: number;
}

const QUALITY_INTERVAL_MS = 2000;

/**
 * A live class or a mentor session: who is in it and what they may do (admission, roles,
 * moderation). Its routers are `routers` (`RoomRouters`: placement across workers, piping,
 * worker loss), its transports, producers and consumers `media` (`RoomMedia`). Emits `close`
 * once (empty after the grace period, its worker died, or shutdown).
 */
export class Room extends EventEmitter<{
  close: [reason: 'empty' | 'worker_died' | 'shutdown'];
  /** A peer published something (a recording picks up the teacher's camera turned on again). */
  producer: [peer: Peer, producer: PeerProducer];
}> {
  readonly peers = new Map<string, Peer>();
  /** Users kicked from this room: rejoining is refused (kept in the state store). */
  readonly banned: Set<string>;
  /** Users a teacher let speak; a reload keeps the grant (kept in the state store). */
  readonly granted: Set<string>;
  /** Transports, producers and consumers: the signalling requests after `join`. */
  readonly media: RoomMedia;
  private lastQuality = '';
  private readonly qualityTimer: NodeJS.Timeout;
  private closed = false;

  private constructor(
    readonly id: string,
    readonly kind: MediaRoomKind,
    readonly routers: RoomRouters,
    speakerObserver: types.ActiveSpeakerObserver,
    private readonly limits: RoomLimits,
    private readonly store: RoomStateStore,
    snapshot: { banned: string[]; granted: string[] },
    private readonly logger: Logger,
  ) {
    super();
    this.banned = new Set(snapshot.banned);
    this.granted = new Set(snapshot.granted);
    this.media = new RoomMedia(
      {
        peers: this.peers,
        isClosed: () => this.closed,
        broadcast: (except, event, ...args) => this.broadcast(except, event, ...args),
        published: (peer, producer) => this.emit('producer', peer, producer),
      },
      routers,
      speakerObserver,
      limits,
      logger,
    );
    routers.on('workerlost', () => this.lostWorker());
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
    const log = logger.child({ roomId: id });
    let routers: RoomRouters | undefined;
    let speakerObserver: types.ActiveSpeakerObserver;
    try {
      routers = await RoomRouters.create(
        id,
        slot,
        { recvTransportsPerRouter: limits.recvTransportsPerRouter, pickWorker },
        log,
      );
      speakerObserver = await routers.home.createActiveSpeakerObserver({ interval: 300 });
    } catch (err) {
      routers?.close();
      // The worker died a moment ago and the pool has not noticed yet: the client retries.
      throw new AppError('unavailable', 'the media worker is restarting, join again shortly', { cause: err });
    }
    return new Room(id, kind, routers, speakerObserver, limits, store, snapshot, log);
  }

  /** The home router: where producers live (recording and live-stream taps read them there). */
  get router(): RoomRouter {
    return this.routers.home;
  }

  /** Any of the room's workers died: everyone rejoins (the room is recreated on live workers). */
  private lostWorker(): void {
    if (this.closed) return;
    this.logger.warn('room lost a worker');
    for (const peer of this.peers.values()) peer.send('rejoin', { reason: 'worker_died' });
    this.close('worker_died');
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
    if (!ROOM_MEMBERS[this.kind].has(claims.role))
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
        .flatMap((p) => [...p.producers.values()].map(producerInfo)),
      activeSpeakerPeerId: this.media.activeSpeakerPeerId,
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
      const source = producer.appData.source;
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
  teacherSources(fallback?: Peer): PeerProducer[] {
    const teacher = [...this.peers.values()].find((p) => p.role === 'teacher') ?? fallback;
    if (!teacher) return [];
    const bySource = new Map<string, PeerProducer>();
    for (const producer of teacher.producers.values()) {
      if (!producer.closed) bySource.set(producer.appData.source, producer);
    }
    const video = bySource.get('screen') ?? bySource.get('camera');
    const audio = bySource.get('mic');
    return [video, audio].filter((p): p is PeerProducer => p !== undefined);
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
    this.routers.close();
    this.logger.info({ reason }, 'room closed');
    this.emit('close', reason);
  }
}
