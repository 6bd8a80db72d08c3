import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { MediaServerToClientEvents, PeerInfo, RoomRole } from '@learnlive/contracts';
import type { PeerConsumer, PeerProducer, PeerTransport } from './appData.js';
import { MODERATING_ROLES, PUBLISHING_ROLES } from './roles.js';

/** Sends one server event to one peer (a socket.io `emit`, or a test's recorder). */
export type Emit = <E extends keyof MediaServerToClientEvents>(
  event: E,
  ...args: Parameters<MediaServerToClientEvents[E]>
) => void;

/** One person's connection to one room: its transports, producers and consumers. */
export class Peer extends EventEmitter<{ close: [] }> {
  readonly id = randomUUID();
  readonly transports = new Map<string, PeerTransport>();
  readonly producers = new Map<string, PeerProducer>();
  readonly consumers = new Map<string, PeerConsumer>();
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
    return PUBLISHING_ROLES.has(this.role) || this.granted;
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
