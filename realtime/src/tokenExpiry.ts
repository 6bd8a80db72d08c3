import type { RealtimeSocket } from './handlers.js';

/** setTimeout's largest delay; longer-lived tokens are re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One timer per socket that tells it `auth:expired` and disconnects it when its access token expires. */
export class TokenExpiry {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** (Re)arms the socket's timer for `socket.data.exp` (a refresh moves it). */
  arm(socket: RealtimeSocket): void {
    clearTimeout(this.#timers.get(socket.id));
    const ms = socket.data.exp * 1000 - Date.now();
    this.#timers.set(
      socket.id,
      setTimeout(
        () => {
          if (socket.data.exp * 1000 > Date.now()) return this.arm(socket);
          socket.emit('auth:expired', { reason: 'token_expired' });
          socket.disconnect(true);
        },
        Math.max(0, Math.min(ms, MAX_TIMER_MS)),
      ),
    );
  }

  forget(socketId: string): void {
    clearTimeout(this.#timers.get(socketId));
    this.#timers.delete(socketId);
  }

  close(): void {
    this.#timers.forEach((t) => clearTimeout(t));
  }
}
