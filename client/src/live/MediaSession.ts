import { Device, type types } from 'mediasoup-client';
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ConnectionQuality,
  ErrorBody,
  MediaClientToServerEvents,
  MediaReplies,
  MediaRequest,
  MediaRequestName,
  MediaServerToClientEvents,
  MediaSource,
  PeerInfo,
  ProducerInfo,
  RecordingState,
  RoomRole,
} from '@learnlive/contracts';
import { refreshSession } from '../lib/api.js';

type MediaSocket = Socket<MediaServerToClientEvents, MediaClientToServerEvents>;

export type SessionStatus = 'connecting' | 'joined' | 'reconnecting' | 'kicked' | 'failed' | 'left';

export interface RemoteMedia {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  track: MediaStreamTrack;
  paused: boolean;
}

export interface LocalMedia {
  producerId: string;
  source: MediaSource;
  track: MediaStreamTrack;
  paused: boolean;
  /** Paused by a teacher or moderator (server-side). */
  mutedBy?: string;
}

export interface SessionState {
  status: SessionStatus;
  /** What went wrong, in words for the person. */
  error?: string;
  /** A non-fatal problem (camera denied…), shown beside the controls. */
  notice?: string;
  peerId?: string;
  role?: RoomRole;
  me?: PeerInfo;
  peers: PeerInfo[];
  remote: RemoteMedia[];
  local: Partial<Record<MediaSource, LocalMedia>>;
  activeSpeakerPeerId: string | null;
  quality: ConnectionQuality;
  /** ICE/DTLS state of the receive and send transports. */
  transportState: { send?: string; recv?: string };
  /** The room's recording (the indicator everyone sees). */
  recording: RecordingState;
}

export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Explains a getUserMedia/getDisplayMedia failure to the person. */
export function describeMediaError(err: unknown, what: string): string {
  const name = err instanceof Error ? err.name : '';
  const messages: Record<string, string> = {
    NotAllowedError: `Permission to use your ${what} was denied. Allow it in the browser's site settings and try again.`,
    SecurityError: `Permission to use your ${what} was denied. Allow it in the browser's site settings and try again.`,
    NotFoundError: `No ${what} was found. Connect one and try again.`,
    NotReadableError: `Your ${what} is in use by another application.`,
    OverconstrainedError: `The selected ${what} is not available any more. Choose another one.`,
  };
  return (
    messages[name] ??
    `Your ${what} could not be started (${err instanceof Error ? err.message : String(err)}).`
  );
}

/** Simulcast for cameras: three layers, the viewer picks by tile size. */
const CAMERA_ENCODINGS: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];
/** Screen share: one high-resolution layer at a low frame rate (text stays sharp). */
const SCREEN_ENCODINGS: types.RtpEncodingParameters[] = [{ maxBitrate: 2_500_000, maxFramerate: 5 }];

/**
 * The handshake's refusal as the server sent it (socket.io puts it on `connect_error`'s `data`).
 * `moved` names, in `location`, the media node that hosts the room: connect there instead.
 */
export function handshakeRefusal(err: Error): Partial<ErrorBody> {
  return (err as Error & { data?: Partial<ErrorBody> }).data ?? {};
}

/**
 * One person's connection to a live class or mentor session: the signalling socket, the
 * mediasoup-client device, a send and a receive transport, and what flows through them.
 * React reads `state` through `subscribe`.
 */
export class MediaSession {
  private socket: MediaSocket | undefined;
  private device: Device | undefined;
  private sendTransport: types.Transport | undefined;
  private recvTransport: types.Transport | undefined;
  private creatingSendTransport: Promise<types.Transport> | undefined;
  private readonly producers = new Map<string, types.Producer>();
  private readonly consumers = new Map<string, types.Consumer>();
  private readonly listeners = new Set<() => void>();
  private restarting = new Set<string>();
  /** Sources to publish again once rejoined. */
  private republish: MediaSource[] = [];
  private joinAttempts = 0;
  private closed = false;
  state: SessionState = {
    status: 'connecting',
    peers: [],
    remote: [],
    local: {},
    activeSpeakerPeerId: null,
    quality: {},
    transportState: {},
    recording: { active: false, startedAt: null, byPeerId: null, lessonId: null, stopReason: null },
  };

  /** Redirects followed to the media node that hosts the room. */
  private moves = 0;

  constructor(
    private mediaUrl: string,
    private readonly token: string,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): SessionState => this.state;

  private set(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private request<K extends MediaRequestName>(name: K, request: MediaRequest<K>): Promise<MediaReplies[K]> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new RequestError('unavailable', 'not connected'));
    return new Promise((resolve, reject) => {
      (
        socket.timeout(15_000).emit as (
          e: string,
          r: unknown,
          cb: (err: Error | null, a: Ack<unknown>) => void,
        ) => void
      )(name, request, (err, reply) => {
        if (err) reject(new RequestError('unavailable', 'the media server did not answer'));
        else if (reply.ok) resolve(reply.data as MediaReplies[K]);
        else reject(new RequestError(reply.error.code, reply.error.message));
      });
    });
  }

  /** Connects and joins; resolves once joined or failed (state says which). */
  async start(): Promise<void> {
    if (this.closed) return; // a closed session never connects again
    const socket: MediaSocket = io(this.mediaUrl, {
      transports: ['websocket'],
      auth: { token: this.token },
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    socket.on('connect_error', (err) => {
      const data = handshakeRefusal(err);
      // Another media node hosts this room: connect there instead (a few hops at most).
      if (data.code === 'moved' && data.location && this.moves++ < 3) {
        socket.close();
        this.mediaUrl = data.location;
        void this.start();
      } else if (data.code === 'token_expired') {
        this.accessRevoked();
      } else if (data.code) {
        socket.close();
        this.set({ status: 'failed', error: `You cannot join: ${data.message ?? data.code}.` });
      } else if (this.state.status !== 'failed') {
        this.set({ status: 'reconnecting', error: 'The connection to the media server failed. Retrying…' });
      }
    });
    socket.on('connect', () => void this.join());
    socket.on('disconnect', (reason) => {
      // We closed it ourselves (refused join, kicked, leaving): the state already says why.
      if (this.closed || reason === 'io client disconnect') return;
      this.teardownMedia();
      if (reason === 'io server disconnect')
        this.set({ status: 'left', error: 'You joined from another tab or window.' });
      else this.set({ status: 'reconnecting', error: 'Connection lost. Reconnecting…' });
    });
    this.bindEvents(socket);
  }

  private bindEvents(socket: MediaSocket): void {
    const handlers: MediaServerToClientEvents = {
      peerJoined: (peer) =>
        this.set({ peers: [...this.state.peers.filter((p) => p.peerId !== peer.peerId), peer] }),
      peerLeft: ({ peerId }) => this.set({ peers: this.state.peers.filter((p) => p.peerId !== peerId) }),
      peerUpdated: (peer) => {
        if (peer.peerId === this.state.peerId) {
          const lostPermission = this.state.me?.canProduce && !peer.canProduce;
          this.set({
            me: peer,
            ...(lostPermission ? { notice: 'The teacher ended your turn to speak.' } : {}),
          });
        } else this.set({ peers: this.state.peers.map((p) => (p.peerId === peer.peerId ? peer : p)) });
      },
      newProducer: (producer) => void this.consume(producer),
      producerClosed: ({ producerId }) => {
        const producer = this.producers.get(producerId);
        if (!producer) return;
        producer.close();
        producer.track?.stop();
        this.forgetProducer(producerId);
      },
      producerPaused: ({ producerId, byPeerId, source }) => {
        const producer = this.producers.get(producerId);
        producer?.pause();
        const local = this.state.local[source];
        if (local)
          this.set({
            local: { ...this.state.local, [source]: { ...local, paused: true, mutedBy: byPeerId } },
          });
        this.set({ notice: `A moderator muted your ${source === 'mic' ? 'microphone' : source}.` });
      },
      consumerClosed: ({ consumerId }) => this.forgetConsumer(consumerId),
      consumerPaused: ({ consumerId, paused }) =>
        this.set({
          remote: this.state.remote.map((r) => (r.consumerId === consumerId ? { ...r, paused } : r)),
        }),
      consumerLayersChanged: () => {},
      activeSpeaker: ({ peerId }) => this.set({ activeSpeakerPeerId: peerId }),
      connectionQuality: (quality) => this.set({ quality }),
      recording: (recording) => this.set({ recording }),
      kicked: () => {
        this.teardownMedia();
        this.socket?.close();
        this.set({ status: 'kicked', error: 'You were removed from this room.' });
      },
      revoked: () => this.accessRevoked(),
      rejoin: () => {
        this.teardownMedia();
        this.set({ status: 'reconnecting', error: 'The media server restarted. Rejoining…' });
        void this.join();
      },
    };
    for (const [event, handler] of Object.entries(handlers))
      (socket.on as (e: string, h: (...args: unknown[]) => void) => void)(event, handler as never);
  }

  private async join(): Promise<void> {
    if (this.closed) return;
    try {
      const joined = await this.request('join', {});
      // Closed while the join was answered (the page left, or switched to the stream): give
      // the seat back at once, or it stays taken while this socket lives.
      if (this.closed) {
        this.socket?.close();
        return;
      }
      if (!this.device) {
        this.device = new Device({ handlerName: 'Chrome111' });
        await this.device.load({
          routerRtpCapabilities: joined.routerRtpCapabilities as types.RtpCapabilities,
        });
      }
      // The receive transport does not need the capabilities: both requests in one round trip.
      const recv = this.createTransport('recv', joined.iceServers);
      try {
        await this.request('setRtpCapabilities', {
          rtpCapabilities: this.device
            .recvRtpCapabilities as MediaRequest<'setRtpCapabilities'>['rtpCapabilities'],
        });
      } catch (err) {
        void recv.then((transport) => transport.close()).catch(() => undefined);
        throw err;
      }
      const me = {
        peerId: joined.peerId,
        userId: '',
        name: '',
        role: joined.role,
        canProduce: false,
        handRaised: false,
      };
      this.joinAttempts = 0;
      this.set({
        status: 'joined',
        error: undefined,
        peerId: joined.peerId,
        role: joined.role,
        me: { ...me, canProduce: ['teacher', 'speaker', 'mentor', 'mentee'].includes(joined.role) },
        peers: joined.peers,
        remote: [],
        activeSpeakerPeerId: joined.activeSpeakerPeerId,
        recording: joined.recording,
      });
      this.recvTransport = await recv;
      // Every producer at once (mediasoup-client queues the SDP work): no round trip per producer.
      await Promise.all(joined.producers.map((producer) => this.consume(producer)));
      const republish = this.republish;
      this.republish = [];
      for (const source of republish) {
        // A screen share needs a new gesture from the person (getDisplayMedia).
        if (source === 'screen') this.set({ notice: 'Reconnected: share your screen again.' });
        else if (source === 'camera' || source === 'mic') await this.publish(source);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // No worker yet (one is being replaced) or the room is closing: try again shortly.
      if (
        err instanceof RequestError &&
        (err.code === 'unavailable' || err.code === 'conflict') &&
        !this.closed
      ) {
        if (this.joinAttempts++ < 10) {
          this.set({ status: 'reconnecting', error: `Rejoining… (${message})` });
          setTimeout(() => void this.join(), 1000);
          return;
        }
      }
      this.set({ status: 'failed', error: `Could not join the room: ${message}` });
      if (err instanceof RequestError && err.code === 'forbidden') this.socket?.close();
    }
  }

  private async createTransport(
    direction: 'send' | 'recv',
    iceServers: RTCIceServer[],
  ): Promise<types.Transport> {
    const info = await this.request('createTransport', { direction });
    const options: types.TransportOptions = {
      id: info.id,
      iceParameters: info.iceParameters,
      iceCandidates: info.iceCandidates as types.IceCandidate[],
      dtlsParameters: info.dtlsParameters as types.DtlsParameters,
      iceServers: info.iceServers.length ? info.iceServers : iceServers,
    };
    const transport =
      direction === 'send'
        ? this.device!.createSendTransport(options)
        : this.device!.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.request('connectTransport', {
        transportId: transport.id,
        dtlsParameters: dtlsParameters as MediaRequest<'connectTransport'>['dtlsParameters'],
      }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.request('produce', {
          transportId: transport.id,
          kind,
          source: appData.source as MediaSource,
          rtpParameters: rtpParameters as MediaRequest<'produce'>['rtpParameters'],
        }).then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    transport.on('connectionstatechange', (state) => {
      this.set({ transportState: { ...this.state.transportState, [direction]: state } });
      // Network change or a lost path: new ICE credentials, same transport (no renegotiation of media).
      if (state === 'failed' || state === 'disconnected') void this.restartIce(transport);
    });
    return transport;
  }

  /** New ICE credentials on one or both transports (network change). */
  async restartIce(only?: types.Transport): Promise<void> {
    const transports = only ? [only] : [this.sendTransport, this.recvTransport];
    for (const transport of transports) {
      if (!transport || transport.closed || this.restarting.has(transport.id)) continue;
      this.restarting.add(transport.id);
      try {
        const { iceParameters } = await this.request('restartIce', { transportId: transport.id });
        await transport.restartIce({ iceParameters });
      } catch {
        this.set({ notice: 'The connection could not be restored; reload the page if media stays frozen.' });
      } finally {
        this.restarting.delete(transport.id);
      }
    }
  }

  private async consume(producer: ProducerInfo): Promise<void> {
    const transport = this.recvTransport;
    if (!transport || transport.closed) return;
    try {
      const reply = await this.request('consume', {
        transportId: transport.id,
        producerId: producer.producerId,
      });
      const consumer = await transport.consume({
        id: reply.consumerId,
        producerId: reply.producerId,
        kind: reply.kind,
        rtpParameters: reply.rtpParameters as types.RtpParameters,
      });
      this.consumers.set(consumer.id, consumer);
      this.set({
        remote: [
          ...this.state.remote,
          {
            consumerId: consumer.id,
            producerId: reply.producerId,
            peerId: reply.peerId,
            kind: reply.kind,
            source: reply.source,
            track: consumer.track,
            paused: reply.producerPaused,
          },
        ],
      });
      await this.request('resumeConsumer', { consumerId: consumer.id });
    } catch (err) {
      this.set({ notice: `A participant's media could not be received (${(err as Error).message}).` });
    }
  }

  /** The viewer's tile size picks the simulcast layer (0: ≤ 320 px wide, 1: ≤ 640, 2: larger). */
  setTileWidth(consumerId: string, width: number): void {
    const spatialLayer = width <= 320 ? 0 : width <= 640 ? 1 : 2;
    void this.request('setPreferredLayers', { consumerId, spatialLayer }).catch(() => undefined);
  }

  private forgetConsumer(consumerId: string): void {
    this.consumers.get(consumerId)?.close();
    this.consumers.delete(consumerId);
    this.set({ remote: this.state.remote.filter((r) => r.consumerId !== consumerId) });
  }

  private forgetProducer(producerId: string): void {
    this.producers.delete(producerId);
    const local = { ...this.state.local };
    for (const [source, media] of Object.entries(local))
      if (media?.producerId === producerId) delete local[source as MediaSource];
    this.set({ local });
  }

  /** The send transport; concurrent publishes (camera and microphone at once) share one. */
  private ensureSendTransport(): Promise<types.Transport> {
    if (this.sendTransport && !this.sendTransport.closed) return Promise.resolve(this.sendTransport);
    this.creatingSendTransport ??= this.createTransport('send', [])
      .then((transport) => (this.sendTransport = transport))
      .finally(() => (this.creatingSendTransport = undefined));
    return this.creatingSendTransport;
  }

  /** Publishes a camera (simulcast), microphone or screen. Errors end up in `notice`. */
  async publish(source: 'camera' | 'mic' | 'screen', deviceId?: string): Promise<void> {
    if (this.state.local[source]) await this.unpublish(source);
    const what = source === 'mic' ? 'microphone' : source === 'camera' ? 'camera' : 'screen';
    let track: MediaStreamTrack;
    try {
      const stream =
        source === 'screen'
          ? await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 }, audio: false })
          : await navigator.mediaDevices.getUserMedia(
              source === 'mic'
                ? { audio: deviceId ? { deviceId: { exact: deviceId } } : true }
                : {
                    video: {
                      width: 1280,
                      height: 720,
                      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
                    },
                  },
            );
      track = (source === 'mic' ? stream.getAudioTracks() : stream.getVideoTracks())[0]!;
    } catch (err) {
      this.set({ notice: describeMediaError(err, what) });
      return;
    }
    if (source === 'screen') track.contentHint = 'detail';
    try {
      const transport = await this.ensureSendTransport();
      const producer = await transport.produce({
        track,
        appData: { source },
        ...(source === 'camera'
          ? { encodings: CAMERA_ENCODINGS, codecOptions: { videoGoogleStartBitrate: 1000 } }
          : source === 'screen'
            ? { encodings: SCREEN_ENCODINGS }
            : {}),
      });
      this.producers.set(producer.id, producer);
      // The browser's "stop sharing" button ends the track.
      producer.on('trackended', () => void this.unpublish(source));
      this.set({
        notice: undefined,
        local: { ...this.state.local, [source]: { producerId: producer.id, source, track, paused: false } },
      });
    } catch (err) {
      track.stop();
      this.set({ notice: `Your ${what} could not be published: ${(err as Error).message}` });
    }
  }

  async unpublish(source: MediaSource): Promise<void> {
    const local = this.state.local[source];
    if (!local) return;
    this.producers.get(local.producerId)?.close();
    local.track.stop();
    this.forgetProducer(local.producerId);
    await this.request('closeProducer', { producerId: local.producerId }).catch(() => undefined);
  }

  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    const local = this.state.local[source];
    const producer = local && this.producers.get(local.producerId);
    if (!local || !producer) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.request(paused ? 'pauseProducer' : 'resumeProducer', { producerId: local.producerId });
    this.set({ local: { ...this.state.local, [source]: { ...local, paused, mutedBy: undefined } } });
  }

  raiseHand(raised: boolean): Promise<unknown> {
    return this.act(() => this.request('raiseHand', { raised }));
  }
  grant(peerId: string): Promise<unknown> {
    return this.act(() => this.request('grantSpeak', { peerId }));
  }
  revoke(peerId: string): Promise<unknown> {
    return this.act(() => this.request('revokeSpeak', { peerId }));
  }
  mute(peerId: string): Promise<unknown> {
    return this.act(() => this.request('mute', { peerId }));
  }
  kick(peerId: string): Promise<unknown> {
    return this.act(() => this.request('kick', { peerId }));
  }

  /** Teacher/moderator: record with a token from the API; rejects with the server's error. */
  async startRecording(token: string): Promise<RecordingState> {
    const recording = await this.request('startRecording', { token });
    this.set({ recording });
    return recording;
  }
  async stopRecording(): Promise<RecordingState> {
    const recording = await this.request('stopRecording', {});
    this.set({ recording });
    return recording;
  }

  private async act(run: () => Promise<unknown>): Promise<unknown> {
    try {
      return await run();
    } catch (err) {
      this.set({ notice: (err as Error).message });
      return undefined;
    }
  }

  /**
   * The user's access was revoked (sign-out everywhere, password or role change, suspension) or
   * the room token expired: as for the realtime layer's `auth:revoked`, the session is refreshed.
   * If that fails the session is cleared and the pages show sign-in; if it works (a role change),
   * joining again needs a new room token: a reload.
   */
  private accessRevoked(): void {
    this.teardownMedia();
    this.republish = [];
    this.socket?.close();
    this.set({ status: 'failed', error: 'Your access to this room ended. Reload the page to join again.' });
    void refreshSession().catch(() => undefined);
  }

  private teardownMedia(): void {
    // What was published comes back after a rejoin (worker restart, lost connection).
    const published = Object.keys(this.state.local) as MediaSource[];
    if (published.length) this.republish = published;
    for (const producer of this.producers.values()) {
      producer.close();
      producer.track?.stop();
    }
    this.producers.clear();
    for (const consumer of this.consumers.values()) consumer.close();
    this.consumers.clear();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.set({ local: {}, remote: [] });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.teardownMedia();
    this.republish = [];
    this.socket?.close();
    this.set({ status: 'left' });
  }
}
