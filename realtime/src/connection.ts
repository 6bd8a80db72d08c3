import type { Logger, TokenBuckets } from '@learnlive/common';
import { userRoom } from '@learnlive/contracts';
import { dispatchEvents, guardEvents, type EventCounter } from './dispatch.js';
import { announceLeft, type RealtimeContext, type RealtimeSocket } from './handlers.js';
import type { TokenExpiry } from './tokenExpiry.js';

export interface ConnectionDeps {
  ctx: RealtimeContext;
  expiry: TokenExpiry;
  /** Events per socket (`SOCKET_EVENTS_PER_SECOND`). */
  eventLimiter: TokenBuckets;
  connections: { inc(): void };
  events: EventCounter;
  /** Presence removals (and leave broadcasts) of sockets that disconnected, until they settle. */
  leaving: Set<Promise<unknown>>;
  log: Logger;
}

/**
 * A socket that passed the handshake: it joins its user's room, gets its token's expiry timer,
 * its events guarded and dispatched to the handler table; on disconnect it leaves presence.
 */
export function handleConnection(deps: ConnectionDeps, socket: RealtimeSocket): void {
  const { ctx } = deps;
  deps.connections.inc();
  const slog = deps.log.child({ socketId: socket.id, userId: socket.data.userId });
  if (socket.recovered) {
    // A recovered socket skipped the handshake check: its token may have been revoked while
    // it was away (the cut only reaches connected sockets).
    void ctx.isRevoked(socket.data.userId, socket.data.gen).then((isRevoked) => {
      if (!isRevoked) return;
      socket.emit('auth:expired', { reason: 'token_expired' });
      socket.disconnect(true);
    });
    // socket.io 4.8 on uWebSockets.js: a recovered socket no longer receives room broadcasts
    // until it joins its rooms again (socket.io issue 4810; ARCHITECTURE.md, traps).
    void socket.join([...socket.rooms]);
    for (const room of Object.keys(socket.data.rooms)) {
      void ctx.presence.add(room, socket.id, { userId: socket.data.userId, name: socket.data.name });
    }
  }
  void socket.join(userRoom(socket.data.userId));
  ctx.armExpiry(socket);

  guardEvents(socket, () => deps.eventLimiter.take(socket.id), deps.events);
  dispatchEvents(ctx, socket, deps.events, slog);

  socket.on('disconnect', () => {
    deps.expiry.forget(socket.id);
    deps.eventLimiter.forget(socket.id);
    for (const room of Object.keys(socket.data.rooms)) {
      // Keep socket.data.rooms for connection-state recovery: leaveRoom would clear it.
      const removal = ctx.presence
        .remove(room, socket.id, socket.data.userId)
        .then(
          (change) => change.changed && announceLeft(ctx, room, socket.data.userId, change.count),
          (err: unknown) => slog.debug({ err: String(err) }, 'presence removal failed'),
        )
        .finally(() => deps.leaving.delete(removal));
      deps.leaving.add(removal);
    }
  });
}
