import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRedis } from './redis.js';

/**
 * How a service that is not a realtime node (the API, the transcoder) pushes an event to
 * socket.io rooms. Adapters: straight into a socket.io server in the same process (embedded
 * mode), or through Redis to every realtime node (`@socket.io/redis-emitter`).
 */
export interface RealtimePublisher {
  publish(rooms: readonly string[], event: string, payload: unknown): void;
  /**
   * Disconnects every socket in `rooms` on every node (socket.io's `disconnectSockets(true)`),
   * e.g. a user's room when the API revoked their access tokens. An event published just before
   * reaches those sockets before the cut (same connection, same order), so publish the reason first.
   */
  disconnect(rooms: readonly string[]): void;
}

/** Anything with socket.io's `to(rooms).emit(...)` and `in(rooms).disconnectSockets()`: a `Server`, a namespace. */
interface RoomEmitter {
  to(room: string | string[]): { emit(event: string, ...args: unknown[]): unknown };
  in(room: string | string[]): { disconnectSockets(close?: boolean): unknown };
}

export function inProcessPublisher(io: RoomEmitter): RealtimePublisher {
  return {
    publish: (rooms, event, payload) => void io.to([...rooms]).emit(event, payload),
    disconnect: (rooms) => void io.in([...rooms]).disconnectSockets(true),
  };
}

/**
 * Broadcasts go to the emitter's classic channels; `disconnect` is a request on
 * `socket.io-request#/#`, which the classic Redis adapter serves and the sharded one does not
 * (realtime's emitter bridge serves it there).
 */
export function redisPublisher(redis: Redis): RealtimePublisher {
  const emitter = new Emitter(redis);
  return {
    publish: (rooms, event, payload) => void emitter.to([...rooms]).emit(event, payload),
    disconnect: (rooms) => emitter.in([...rooms]).disconnectSockets(true),
  };
}

/**
 * The publisher a service that is not a realtime node opens for itself: through Redis when it
 * has a URL, else one that drops events (logged), since no realtime node can be reached.
 * `close` releases its Redis connection, if any.
 */
export function openPublisher(
  redisUrl: string | undefined,
  name: string,
  logger: Logger,
): { publisher: RealtimePublisher; close(): Promise<void> } {
  if (!redisUrl) {
    return {
      publisher: {
        publish: (rooms, event) =>
          logger.debug({ rooms, event }, 'no realtime layer configured; event dropped'),
        disconnect: (rooms) => logger.debug({ rooms }, 'no realtime layer configured; disconnect dropped'),
      },
      close: async () => {},
    };
  }
  const redis = createRedis(redisUrl, name);
  return {
    publisher: redisPublisher(redis),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
