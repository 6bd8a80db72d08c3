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
}

/** Anything with socket.io's `to(rooms).emit(...)`: a `Server`, a namespace. */
interface RoomEmitter {
  to(room: string | string[]): { emit(event: string, ...args: unknown[]): unknown };
}

export function inProcessPublisher(io: RoomEmitter): RealtimePublisher {
  return { publish: (rooms, event, payload) => void io.to([...rooms]).emit(event, payload) };
}

export function redisPublisher(redis: Redis): RealtimePublisher {
  const emitter = new Emitter(redis);
  return { publish: (rooms, event, payload) => void emitter.to([...rooms]).emit(event, payload) };
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
