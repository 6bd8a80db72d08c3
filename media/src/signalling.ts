import type { Server, Socket } from 'socket.io';
import { AppError, toAppError, toErrorBody, verifyRoomToken, type Logger } from '@learnlive/common';
import {
  MEDIA_REQUEST_NAMES,
  MediaRequestSchemas,
  type Ack,
  type ErrorBody,
  type IceServer,
  type MediaClientToServerEvents,
  type MediaReplies,
  type MediaRequest,
  type MediaRequestName,
  type MediaServerToClientEvents,
  type RoomTokenClaims,
} from '@learnlive/contracts';
import type { Peer, Emit } from './room/Peer.js';
import type { Placement } from './Placement.js';
import type { LiveStreams } from './liveHls.js';
import type { Recorder } from './recording.js';
import type { RevocationCheck } from './revocation.js';
import type { Room } from './room/Room.js';
import type { Rooms } from './Rooms.js';

export interface MediaSocketData {
  claims: RoomTokenClaims;
}

export type MediaServer = Server<
  MediaClientToServerEvents,
  MediaServerToClientEvents,
  Record<string, never>,
  MediaSocketData
>;
type MediaSocket = Socket<
  MediaClientToServerEvents,
  MediaServerToClientEvents,
  Record<string, never>,
  MediaSocketData
>;

/** One socket's state: the room and peer it joined, if any. */
interface Session {
  socket: MediaSocket;
  claims: RoomTokenClaims;
  room?: Room;
  peer?: Peer;
  log: Logger;
}

type Handler<K extends MediaRequestName> = (
  session: Session & { room: Room; peer: Peer },
  request: MediaRequest<K>,
) => Promise<MediaReplies[K]> | MediaReplies[K];

export interface SignallingOptions {
  jwtSecret: string;
  rooms: Rooms;
  /** Which media node hosts each room (one node: always this one). */
  placement: Placement;
  recorder: Recorder;
  streams: LiveStreams;
  iceServers: (userId: string) => IceServer[];
  /**
   * Refuses handshakes with a revoked token generation and cuts revoked users' sessions
   * periodically. None: no revocations are known here (media alone, without Redis).
   */
  revocation?: RevocationCheck;
  logger: Logger;
  /** Called for every answered request (metrics). */
  onRequest?: (name: MediaRequestName, ok: boolean) => void;
}

const empty = {} as Record<string, never>;

/**
 * The media signalling namespace: handshake authentication with a room token, then one
 * validated request table. Failures answer typed errors; nothing a client sends reaches
 * mediasoup unvalidated.
 */
export function attachSignalling(io: MediaServer, options: SignallingOptions): void {
  const { rooms, logger, revocation } = options;
  const sessions = new Set<Session>();

  io.use((socket, next) => {
    // undefined: admitted; an Error: the answer (a room hosted by another node). Throws a refusal.
    const admit = async (): Promise<Error | undefined> => {
      const token: unknown = socket.handshake.auth?.token;
      if (typeof token !== 'string' || token.length > 4096)
        throw new AppError('unauthenticated', 'a room token is required (auth.token)');
      socket.data.claims = verifyRoomToken(token, options.jwtSecret);
      const { sub, gen } = socket.data.claims;
      if (await revocation?.isRevoked(sub, gen ?? 0))
        throw new AppError('token_expired', 'this room token was revoked; refresh the session');
      // With several media nodes, a room lives on one: the client is sent there.
      const where = await options.placement.locate(socket.data.claims.room);
      if (!where.here) {
        const moved: ErrorBody = {
          code: 'moved',
          message: 'this room is hosted by another media node',
          location: where.url,
        };
        return Object.assign(new Error(moved.message), { data: moved });
      }
      return undefined;
    };
    admit().then(next, (err: unknown) => {
      const appError = toAppError(err);
      next(Object.assign(new Error(appError.message), { data: toErrorBody(appError) }));
    });
  });

  // `join`, `leave` and `watchStream` work without a joined peer; every other request needs one.
  const handlers: { [K in Exclude<MediaRequestName, 'join' | 'leave' | 'watchStream'>]: Handler<K> } = {
    setRtpCapabilities: ({ room, peer }, req) => (room.media.setRtpCapabilities(peer, req), empty),
    createTransport: ({ room, peer, claims }, req) =>
      room.media.createTransport(peer, req, options.iceServers(claims.sub)),
    connectTransport: async ({ room, peer }, req) => (await room.media.connectTransport(peer, req), empty),
    restartIce: ({ room, peer }, req) => room.media.restartIce(peer, req),
    produce: ({ room, peer }, req) => room.media.produce(peer, req),
    consume: ({ room, peer }, req) => room.media.consume(peer, req),
    resumeConsumer: async ({ room, peer }, req) => (await room.media.resumeConsumer(peer, req), empty),
    pauseConsumer: async ({ room, peer }, req) => (await room.media.pauseConsumer(peer, req), empty),
    pauseProducer: async ({ room, peer }, req) => (await room.media.pauseProducer(peer, req), empty),
    resumeProducer: async ({ room, peer }, req) => (await room.media.resumeProducer(peer, req), empty),
    closeProducer: ({ room, peer }, req) => (room.media.closeProducer(peer, req), empty),
    setPreferredLayers: async ({ room, peer }, req) => (
      await room.media.setPreferredLayers(peer, req),
      empty
    ),
    getStats: ({ room, peer }, req) => room.media.getStats(peer, req),
    raiseHand: ({ room, peer }, req) => (room.raiseHand(peer, req), empty),
    grantSpeak: async ({ room, peer }, req) => (await room.grantSpeak(peer, req), empty),
    revokeSpeak: async ({ room, peer }, req) => (await room.revokeSpeak(peer, req), empty),
    mute: ({ room, peer }, req) => room.mute(peer, req),
    kick: async ({ room, peer }, req) => (await room.kick(peer, req), empty),
    startRecording: ({ room, peer }, req) => options.recorder.start(room, peer, req.token),
    stopRecording: ({ room, peer }) => options.recorder.stop(room, peer),
  };

  function detach(session: Session): void {
    const { room, peer } = session;
    session.room = undefined;
    session.peer = undefined;
    if (room && peer) {
      room.leave(peer);
      rooms.leftRoom(room);
    }
  }

  async function join(session: Session): Promise<MediaReplies['join']> {
    detach(session);
    const room = await rooms.get(session.claims.room, session.claims.kind);
    const socket = session.socket;
    // Gone while the room was found or created (a new room waits up to 10 s for a dead worker's
    // replacement): its disconnect found no peer to remove, so a seat taken now stayed for ever.
    if (socket.disconnected) {
      rooms.leftRoom(room);
      throw new AppError('unavailable', 'the connection closed while joining');
    }
    const emit: Emit = (event, ...args) => {
      (socket.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    };
    let peer: Peer;
    try {
      peer = room.join(session.claims, emit, () => socket.disconnect(true));
    } catch (err) {
      rooms.leftRoom(room);
      throw err;
    }
    session.room = room;
    session.peer = peer;
    session.log = session.log.child({ roomId: room.id, peerId: peer.id });
    // The room drops the peer (kick, worker death, same user joining again): forget it here.
    // The room closing closes its peers too, so the peer's `close` covers both.
    const forget = () => {
      if (session.peer === peer) {
        session.room = undefined;
        session.peer = undefined;
      }
    };
    peer.once('close', forget);
    return room.joinReply(peer, options.iceServers(session.claims.sub), options.recorder.state(room.id));
  }

  /** A passive viewer holds a room token but takes no seat: the room must already be open. */
  async function watchStream(session: Session): Promise<MediaReplies['watchStream']> {
    if (session.claims.kind !== 'live') throw new AppError('bad_request', 'only live classes are streamed');
    const room = await rooms.find(session.claims.room);
    if (!room) throw new AppError('conflict', 'the class has not started yet');
    return options.streams.watch(room);
  }

  io.on('connection', (socket) => {
    const session: Session = {
      socket,
      claims: socket.data.claims,
      log: logger.child({ socketId: socket.id, userId: socket.data.claims.sub }),
    };

    for (const name of MEDIA_REQUEST_NAMES) {
      (socket.on as (event: string, listener: (...args: unknown[]) => void) => void)(name, (...args) => {
        const ack = args[args.length - 1];
        if (typeof ack !== 'function') return; // every request must carry an ack
        const reply = ack as (reply: Ack<unknown>) => void;
        void answer(name, args.length > 1 ? args[0] : undefined).then(
          (data) => {
            options.onRequest?.(name, true);
            reply({ ok: true, data });
          },
          (err: unknown) => {
            const appError = toAppError(err);
            options.onRequest?.(name, false);
            if (appError.code === 'internal') session.log.error({ err, request: name }, 'request failed');
            else session.log.debug({ code: appError.code, request: name }, 'request refused');
            reply({ ok: false, error: toErrorBody(appError) });
          },
        );
      });
    }

    async function answer(name: MediaRequestName, raw: unknown): Promise<unknown> {
      const parsed = MediaRequestSchemas[name].safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError(
          'validation_failed',
          `${name}: ${issue ? `${issue.path.join('.') || 'request'} ${issue.message}` : 'invalid request'}`,
        );
      }
      if (name === 'join') return join(session);
      if (name === 'leave') return (detach(session), empty);
      if (name === 'watchStream') return watchStream(session);
      const { room, peer } = session;
      if (!room || !peer || peer.isClosed || room.isClosed)
        throw new AppError('conflict', 'join the room first');
      const handler = handlers[name] as Handler<typeof name>;
      return handler({ ...session, room, peer }, parsed.data as never);
    }

    sessions.add(session);
    socket.on('disconnect', () => {
      sessions.delete(session);
      detach(session);
    });
  });

  /** The user's access was revoked: the peer leaves its room as on a kick, the socket is cut. */
  const cut = (session: Session) => {
    session.log.info('access revoked: peer cut');
    session.socket.emit('revoked', { reason: 'access_revoked' });
    detach(session);
    session.socket.disconnect(true);
  };
  revocation?.start(function* () {
    for (const session of sessions)
      yield { userId: session.claims.sub, generation: session.claims.gen ?? 0, cut: () => cut(session) };
  });
}
