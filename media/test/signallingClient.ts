import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ErrorBody,
  MediaClientToServerEvents,
  MediaReplies,
  MediaRequest,
  MediaRequestName,
  MediaServerToClientEvents,
} from '@learnlive/contracts';

export type MediaClientSocket = Socket<MediaServerToClientEvents, MediaClientToServerEvents>;

/** A typed signalling client for tests and benchmark bots (Node side). */
export class SignallingClient {
  private constructor(readonly socket: MediaClientSocket) {}

  static connect(url: string, token: string | undefined): Promise<SignallingClient> {
    const socket: MediaClientSocket = io(url, {
      transports: ['websocket'],
      auth: token === undefined ? {} : { token },
      reconnection: false,
      forceNew: true,
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new SignallingClient(socket)));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
  }

  /** Sends a request and resolves with the raw ack (success or typed error). */
  ack<K extends MediaRequestName>(name: K, request: unknown): Promise<Ack<MediaReplies[K]>> {
    return new Promise((resolve) => {
      (this.socket.emit as (event: string, ...args: unknown[]) => void)(name, request, resolve);
    });
  }

  /** Sends a request and resolves with its data, or rejects with the typed error. */
  async request<K extends MediaRequestName>(name: K, request: MediaRequest<K>): Promise<MediaReplies[K]> {
    const reply = await this.ack(name, request);
    if (!reply.ok) throw Object.assign(new Error(`${name}: ${reply.error.message}`), { body: reply.error });
    return reply.data;
  }

  /** The next occurrence of a server event. */
  next<E extends keyof MediaServerToClientEvents>(
    event: E,
    filter: (...args: Parameters<MediaServerToClientEvents[E]>) => boolean = () => true,
  ): Promise<Parameters<MediaServerToClientEvents[E]>[0]> {
    return new Promise((resolve) => {
      const listener = (...args: Parameters<MediaServerToClientEvents[E]>) => {
        if (!filter(...args)) return;
        (this.socket.off as (e: string, l: unknown) => void)(event, listener);
        resolve(args[0]);
      };
      (this.socket.on as (e: string, l: unknown) => void)(event, listener);
    });
  }

  close(): void {
    this.socket.close();
  }
}

export function errorOf(reply: Ack<unknown>): ErrorBody | undefined {
  return reply.ok ? undefined : reply.error;
}
