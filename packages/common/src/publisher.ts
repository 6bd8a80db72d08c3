import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';

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
