import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { MediaServerToClientEvents, PeerInfo, RoomRole } from '@learnlive/contracts';

/** Sends one server event to one peer (a socket.io `emit`, or a test's recorder). */
export type Emit = <E extends keyof MediaServerToClientEvents>(
  event: E,
  ...args: Parameters<MediaServerToClientEvents[E]>
) => void;

export interface TransportAppData extends types.AppData {
  direction: 'send' | 'recv';
  peerId: string;
}

/** Roles that publish from the moment they join. */
const PRODUCING_ROLES: ReadonlySet<RoomRole> = new Set(['teacher', 'speaker', 'mentor', 'mentee']);
/** Roles that may grant, revoke, mute and kick. */
const MODERATING_ROLES: ReadonlySet<RoomRole> = new Set(['teacher', 'moderator']);

/** One person's connection to one room: its transports, producers and consumers. */
export class Peer extends EventEmitter<{ close: [] }> {
  readonly id = randomUUID();
  readonly transports = new Map<string, types.WebRtcTransport<TransportAppData>>();
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();
  rtpCapabilities: types.RtpCapabilities | undefined;
  /** Given by a teacher after a raised hand. */
  granted = false;
  handRaised = false;
  /** RTP scores (0-10) by producer/consumer/transport id; the peer's quality is the lowest. */
  readonly scores = new Map<string, number>();
  private closed = false;

  constructor(
    readonly userId: string,
    readonly name: string,
    readonly role: RoomRole,
    readonly send: Emit,
    /** Ends the peer's signalling connection (used when the same user joins again). */
    readonly disconnect: () => void,
  ) {
    super();
  }

  get canProduce(): boolean {
    return PRODUCING_ROLES.has(this.role) || this.granted;
  }

  get canModerate(): boolean {
    return MODERATING_ROLES.has(this.role);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  quality(): number {
    let lowest = 10;
    for (const score of this.scores.values()) lowest = Math.min(lowest, score);
    return lowest;
  }

  info(): PeerInfo {
    return {
      peerId: this.id,
      userId: this.userId,
      name: this.name,
      role: this.role,
      canProduce: this.canProduce,
      handRaised: this.handRaised,
    };
  }

  /** Closes every transport (and with them, producers and consumers), emits `close`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
    this.emit('close');
  }
}
