import { z } from 'zod';
import type { AckCallback } from './errors.js';
import type { RoomRole } from './auth.js';

/*
 * Media signalling (socket.io, `mediaUrl`). The client connects with `auth: { token }` (a room
 * token from `POST /api/rooms/{room}/token`), then sends the requests below; every request
 * is validated against these schemas and answers an `Ack`.
 *
 * RTP shapes are validated structurally with hard size limits: mediasoup checks semantics, but
 * a peer must not be able to make the worker parse megabytes of parameters.
 */

const id = z.string().min(1).max(64);
const paramValue = z.union([z.string().max(256), z.number(), z.boolean()]);
/** Codec/format parameters (`profile-level-id`, `apt`…). */
const parameters = z.record(z.string().max(64), paramValue).refine((o) => Object.keys(o).length <= 32, {
  message: 'at most 32 parameters',
});

const rtcpFeedback = z.object({ type: z.string().max(32), parameter: z.string().max(32).optional() });

const mediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof mediaKind>;

const rtpCodecCapability = z.object({
  kind: mediaKind,
  mimeType: z.string().max(64),
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: parameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(16).optional(),
});

const headerExtensionCapability = z.object({
  kind: mediaKind,
  uri: z.string().max(256),
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

/** A device's receive capabilities (mediasoup-client `device.rtpCapabilities`). */
export const RtpCapabilitiesSchema = z.object({
  codecs: z.array(rtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(headerExtensionCapability).max(64).optional(),
});

const rtpCodecParameters = z.object({
  mimeType: z.string().max(64),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: parameters.optional(),
  rtcpFeedback: z.array(rtcpFeedback).max(16).optional(),
});

const rtpEncoding = z.object({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.object({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().positive().max(64).optional(),
  maxBitrate: z.number().int().positive().max(100_000_000).optional(),
  maxFramerate: z.number().positive().max(240).optional(),
  adaptivePtime: z.boolean().optional(),
  priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
});

/** What a producer sends (mediasoup-client's `rtpParameters` from `transport.produce`). */
export const RtpParametersSchema = z.object({
  mid: z.string().max(32).optional(),
  codecs: z.array(rtpCodecParameters).min(1).max(16),
  headerExtensions: z
    .array(
      z.object({
        uri: z.string().max(256),
        id: z.number().int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: parameters.optional(),
      }),
    )
    .max(32)
    .optional(),
  /** Three simulcast layers for cameras; at most four of anything. */
  encodings: z.array(rtpEncoding).min(1).max(4).optional(),
  rtcp: z
    .object({
      cname: z.string().max(64).optional(),
      reducedSize: z.boolean().optional(),
      mux: z.boolean().optional(),
    })
    .optional(),
  msid: z.string().max(128).optional(),
});

export const DtlsParametersSchema = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.object({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z.string().max(256),
      }),
    )
    .min(1)
    .max(8),
});

/** What a producer carries: cameras get simulcast, screen shares are their own producer. */
export const MEDIA_SOURCES = ['mic', 'camera', 'screen', 'screenAudio'] as const;
export const MediaSourceSchema = z.enum(MEDIA_SOURCES);
export type MediaSource = z.infer<typeof MediaSourceSchema>;

/** Every request a client sends to the media service, by event name. */
export const MediaRequestSchemas = {
  /** Enter the room named by the handshake token. */
  join: z.object({}).strict(),
  /** The device's receive capabilities; required before `consume`. */
  setRtpCapabilities: z.object({ rtpCapabilities: RtpCapabilitiesSchema }),
  createTransport: z.object({ direction: z.enum(['send', 'recv']) }),
  connectTransport: z.object({ transportId: id, dtlsParameters: DtlsParametersSchema }),
  restartIce: z.object({ transportId: id }),
  produce: z.object({
    transportId: id,
    kind: mediaKind,
    source: MediaSourceSchema,
    rtpParameters: RtpParametersSchema,
    paused: z.boolean().optional(),
  }),
  /** Consumers start paused: `resumeConsumer` once the client has set up the track. */
  consume: z.object({ transportId: id, producerId: id }),
  resumeConsumer: z.object({ consumerId: id }),
  pauseConsumer: z.object({ consumerId: id }),
  pauseProducer: z.object({ producerId: id }),
  resumeProducer: z.object({ producerId: id }),
  closeProducer: z.object({ producerId: id }),
  /** The viewer's choice by tile size: 0 = lowest simulcast layer. */
  setPreferredLayers: z.object({
    consumerId: id,
    spatialLayer: z.number().int().min(0).max(3),
    temporalLayer: z.number().int().min(0).max(3).optional(),
  }),
  getStats: z.object({ kind: z.enum(['transport', 'producer', 'consumer']), id }),
  raiseHand: z.object({ raised: z.boolean() }),
  /** Teacher/moderator: let a learner produce microphone and camera. */
  grantSpeak: z.object({ peerId: id }),
  /** Teacher/moderator: take it back; the peer's producers are closed. */
  revokeSpeak: z.object({ peerId: id }),
  /** Teacher/moderator: pause a peer's producers server-side (all, or one source). */
  mute: z.object({ peerId: id, source: MediaSourceSchema.optional() }),
  /** Teacher/moderator: close the peer's transports and refuse its rejoin. */
  kick: z.object({ peerId: id }),
  /**
   * Teacher/moderator: record the teacher's camera (or screen) and microphone into a lesson.
   * `token` comes from `POST /api/live-classes/{id}/recordings` (same user, same room).
   */
  startRecording: z.object({ token: z.string().min(1).max(4096) }),
  /** Stop the room's recording: the file is uploaded and becomes the lesson (transcoded). */
  stopRecording: z.object({}).strict(),
  /**
   * Passive viewers (no `join` needed): start or keep alive the class's HLS stream; repeat
   * while watching (it stops when nobody asked for a while). The playlist comes from the API
   * (`POST /api/live-classes/{id}/stream`).
   */
  watchStream: z.object({}).strict(),
  leave: z.object({}).strict(),
} as const;
export type MediaRequestName = keyof typeof MediaRequestSchemas;
export type MediaRequest<K extends MediaRequestName> = z.infer<(typeof MediaRequestSchemas)[K]>;
export const MEDIA_REQUEST_NAMES = Object.keys(MediaRequestSchemas) as MediaRequestName[];

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export const RECORDING_STOP_REASONS = [
  'requested',
  'teacher_left',
  'room_closed',
  'max_duration',
  'source_closed',
  'failed',
] as const;
export type RecordingStopReason = (typeof RECORDING_STOP_REASONS)[number];

/** A room's recording, told to everyone (the recording indicator) on change and at join. */
export interface RecordingState {
  active: boolean;
  /** When the running recording began (ISO); null when none runs. */
  startedAt: string | null;
  /** Who started it. */
  byPeerId: string | null;
  /** The lesson the recording becomes (transcoded after stop). */
  lessonId: string | null;
  /** Why the last recording ended; null while recording or before any. */
  stopReason: RecordingStopReason | null;
}

export interface PeerInfo {
  peerId: string;
  userId: string;
  name: string;
  role: RoomRole;
  /** Whether the peer may produce now (role, or granted after raising a hand). */
  canProduce: boolean;
  handRaised: boolean;
}

export interface ProducerInfo {
  producerId: string;
  peerId: string;
  kind: MediaKind;
  source: MediaSource;
  paused: boolean;
}

export interface TransportInfo {
  id: string;
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: Array<{
    foundation: string;
    priority: number;
    address: string;
    ip?: string;
    protocol: 'udp' | 'tcp';
    port: number;
    type: 'host' | 'srflx' | 'prflx' | 'relay';
    tcpType?: 'active' | 'passive' | 'so';
  }>;
  dtlsParameters: z.infer<typeof DtlsParametersSchema>;
  iceServers: IceServer[];
}

/** Replies (`Ack<…>` data) by request name. RTP shapes are mediasoup's, passed through. */
export interface MediaReplies {
  join: {
    peerId: string;
    roomId: string;
    role: RoomRole;
    routerRtpCapabilities: z.infer<typeof RtpCapabilitiesSchema>;
    iceServers: IceServer[];
    peers: PeerInfo[];
    producers: ProducerInfo[];
    activeSpeakerPeerId: string | null;
    recording: RecordingState;
  };
  setRtpCapabilities: Record<string, never>;
  createTransport: TransportInfo;
  connectTransport: Record<string, never>;
  restartIce: { iceParameters: TransportInfo['iceParameters'] };
  produce: { producerId: string };
  consume: {
    consumerId: string;
    producerId: string;
    peerId: string;
    kind: MediaKind;
    source: MediaSource;
    rtpParameters: z.infer<typeof RtpParametersSchema>;
    type: 'simple' | 'simulcast' | 'svc' | 'pipe';
    producerPaused: boolean;
  };
  resumeConsumer: Record<string, never>;
  pauseConsumer: Record<string, never>;
  pauseProducer: Record<string, never>;
  resumeProducer: Record<string, never>;
  closeProducer: Record<string, never>;
  setPreferredLayers: Record<string, never>;
  getStats: { stats: Array<Record<string, unknown>> };
  raiseHand: Record<string, never>;
  grantSpeak: Record<string, never>;
  revokeSpeak: Record<string, never>;
  mute: { paused: number };
  kick: Record<string, never>;
  startRecording: RecordingState;
  stopRecording: RecordingState;
  watchStream: {
    /** `starting`: no segment is published yet, ask again shortly. */
    state: 'starting' | 'live';
    segmentSeconds: number;
  };
  leave: Record<string, never>;
}

export type MediaClientToServerEvents = {
  [K in MediaRequestName]: (request: MediaRequest<K>, ack: AckCallback<MediaReplies[K]>) => void;
};

/** Connection quality per peer, 0 (none) to 10 (perfect): mediasoup's RTP scores. */
export type ConnectionQuality = Record<string, number>;

export interface MediaServerToClientEvents {
  peerJoined: (peer: PeerInfo) => void;
  peerLeft: (event: { peerId: string }) => void;
  peerUpdated: (peer: PeerInfo) => void;
  newProducer: (producer: ProducerInfo) => void;
  producerClosed: (event: { producerId: string; peerId: string }) => void;
  /** One of this peer's producers was paused/resumed by the server (moderator mute). */
  producerPaused: (event: { producerId: string; byPeerId: string; source: MediaSource }) => void;
  consumerClosed: (event: { consumerId: string }) => void;
  /** The consumed producer was paused/resumed at its source. */
  consumerPaused: (event: { consumerId: string; paused: boolean }) => void;
  consumerLayersChanged: (event: { consumerId: string; spatialLayer: number | null }) => void;
  activeSpeaker: (event: { peerId: string | null }) => void;
  connectionQuality: (event: ConnectionQuality) => void;
  /** This peer was removed: its transports are closed and rejoining is refused. */
  kicked: (event: { byPeerId: string }) => void;
  /**
   * The user's access was revoked (sign-out everywhere, password or role change, ban): this peer
   * was removed from the room and the socket is disconnected. Refresh the session, then join again.
   */
  revoked: (event: { reason: 'access_revoked' }) => void;
  /** The room's recording started or stopped. */
  recording: (state: RecordingState) => void;
  /** The room's media process restarted: leave and join again (same token). */
  rejoin: (event: { reason: 'worker_died' | 'room_closed' }) => void;
}
