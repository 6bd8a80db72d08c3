import { Adapter, type BroadcastOptions } from 'socket.io-adapter';
import type { Redis } from 'ioredis';
import { decode } from 'notepack.io';
import type { Logger } from '@learnlive/common';
import type { RealtimeServer } from './handlers.js';

/**
 * `@socket.io/redis-emitter` (how the API and the transcoder publish progress) PUBLISHes
 * `[uid, packet, { rooms, except, flags }]` (msgpack) on the classic channel
 * `socket.io#/#` (or `socket.io#/#<room>#` for one room). The sharded adapter listens only with
 * SSUBSCRIBE on sharded channels and another message format, so it never sees these. With the
 * sharded adapter each node therefore also PSUBSCRIBEs to the emitter's channels on a connection
 * of its own and delivers those broadcasts to its local sockets, as the classic adapter does.
 * Every node receives every emitter message (the sharding saves nothing for them); they are
 * low-volume (progress events), the chat traffic stays sharded.
 *
 * The emitter's server-side requests go to the classic request channel `socket.io-request#/#`
 * (JSON), which the sharded adapter does not serve either. Of those, `disconnectSockets` (the
 * API cuts a revoked user's sockets) is served here, on the same connection as the broadcasts,
 * so an event published just before the cut still reaches the sockets first. The others
 * (`socketsJoin`, `socketsLeave`, `serverSideEmit`) are not used and are ignored.
 */
export async function bridgeEmitter(
  io: RealtimeServer,
  sub: Redis,
  logger: Logger,
  key = 'socket.io',
): Promise<void> {
  const channel = `${key}#/#`;
  const requestChannel = `${key}-request#/#`;
  const adapter = io.of('/').adapter;
  sub.on('messageBuffer', (raw: Buffer, message: Buffer) => {
    if (raw.toString() !== requestChannel) return;
    try {
      const request = JSON.parse(message.toString()) as {
        type?: number;
        opts?: { rooms?: string[]; except?: string[] };
        close?: boolean;
      };
      if (request.type !== REMOTE_DISCONNECT || !request.opts) return;
      // The base class's: this node's sockets only (the sharded adapter's own would ask the
      // other nodes again, and each of them hears this request itself).
      Adapter.prototype.disconnectSockets.call(
        adapter,
        { rooms: new Set(request.opts.rooms ?? []), except: new Set(request.opts.except ?? []) },
        request.close === true,
      );
    } catch (err) {
      logger.warn({ err: String(err) }, 'emitter request dropped');
    }
  });
  sub.on('pmessageBuffer', (_pattern: Buffer, raw: Buffer, message: Buffer) => {
    try {
      const name = raw.toString();
      const room = name.slice(channel.length, -1);
      // one-room messages for a room without local sockets: nothing to do here
      if (room !== '' && !adapter.rooms.has(room)) return;
      const [, packet, opts] = decode(message) as [
        string,
        { type: number; data: unknown[]; nsp?: string },
        { rooms?: string[]; except?: string[]; flags?: BroadcastOptions['flags'] },
      ];
      if ((packet.nsp ?? '/') !== '/') return;
      packet.nsp = '/';
      // The base class's broadcast: this node's sockets only (the sharded adapter's own would
      // publish it to the other nodes again).
      Adapter.prototype.broadcast.call(adapter, packet, {
        rooms: new Set(opts.rooms ?? []),
        except: new Set(opts.except ?? []),
        flags: opts.flags ?? {},
      });
    } catch (err) {
      logger.warn({ err: String(err) }, 'emitter message dropped');
    }
  });
  await Promise.all([sub.psubscribe(`${channel}*`), sub.subscribe(requestChannel)]);
}

/** `@socket.io/redis-emitter`'s request type for `disconnectSockets` (its `RequestType` enum). */
const REMOTE_DISCONNECT = 4;
