import { EventEmitter } from 'node:events';
import type { Logger } from '@learnlive/common';
import { MEDIA_CODECS } from '../codecs.js';
import type { PooledWorker } from '../WorkerPool.js';
import type { PeerTransport, RoomRouter, RouterAppData, TransportAppData } from './appData.js';

/** Picks a worker for an extra router of a large room, other than those given; none: stay. */
export type PickWorker = (exclude: readonly PooledWorker[]) => PooledWorker | undefined;

export interface RoomRoutersOptions {
  /**
   * Receive transports one router carries before the room spreads viewers to a router on
   * another worker (producers piped there with `pipeToRouter`).
   */
  recvTransportsPerRouter: number;
  pickWorker: PickWorker;
}

/** One router of the room and the worker it runs on. */
interface RouterSlot {
  readonly slot: PooledWorker;
  readonly router: RoomRouter;
  /** Receive transports (viewers) placed on it. */
  recvTransports: number;
}

async function createRoomRouter(roomId: string, slot: PooledWorker): Promise<RoomRouter> {
  return slot.worker.createRouter<RouterAppData>({ mediaCodecs: MEDIA_CODECS, appData: { roomId } });
}

/**
 * Where a room's media runs: its home router, where every producer lives, and for a large room
 * routers on other workers that its viewers spread over (past `recvTransportsPerRouter` receive
 * transports per router); a producer is piped (`pipeToRouter`) to such a router the first time a
 * viewer there consumes it. Emits `workerlost` when the worker of any of its routers dies.
 */
export class RoomRouters extends EventEmitter<{ workerlost: [] }> {
  /** The home router first. */
  private readonly slots: RouterSlot[];
  private readonly byTransport = new Map<string, RouterSlot>();
  private readonly piped = new Map<string, Promise<void>>();
  private adding: Promise<RouterSlot | undefined> | undefined;
  private closed = false;

  private constructor(
    private readonly roomId: string,
    home: RouterSlot,
    private readonly options: RoomRoutersOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.slots = [home];
    home.router.on('workerclose', () => this.emit('workerlost'));
  }

  /** The room's home router on `slot`. Rejects when the worker cannot create it (it is dying). */
  static async create(
    roomId: string,
    slot: PooledWorker,
    options: RoomRoutersOptions,
    logger: Logger,
  ): Promise<RoomRouters> {
    const router = await createRoomRouter(roomId, slot);
    return new RoomRouters(roomId, { slot, router, recvTransports: 0 }, options, logger);
  }

  /** Where producers live. */
  get home(): RoomRouter {
    return this.slots[0]!.router;
  }

  /** Routers in use (home included), for tests and metrics. */
  get count(): number {
    return this.slots.length;
  }

  /**
   * A WebRTC transport on the right router: a send transport on the home router, a receive
   * transport on the first router under its viewer budget (a new one on another worker if none).
   */
  async createTransport(appData: TransportAppData): Promise<PeerTransport> {
    const recv = appData.direction === 'recv';
    const place = recv ? await this.placeRecv() : this.slots[0]!;
    const transport = await place.router.createWebRtcTransport<TransportAppData>({
      webRtcServer: place.slot.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData,
    });
    this.byTransport.set(transport.id, place);
    if (recv) place.recvTransports += 1;
    transport.observer.once('close', () => {
      if (recv) place.recvTransports -= 1;
      this.byTransport.delete(transport.id);
    });
    return transport;
  }

  /** Makes the home router's `producerId` consumable on `transport`'s router (piped there once). */
  async reach(producerId: string, transport: PeerTransport): Promise<void> {
    const place = this.byTransport.get(transport.id);
    if (!place || place.router === this.home) return;
    const key = `${place.router.id}:${producerId}`;
    let piping = this.piped.get(key);
    if (!piping) {
      piping = this.home.pipeToRouter({ producerId, router: place.router }).then(() => undefined);
      piping.catch(() => this.piped.delete(key));
      this.piped.set(key, piping);
    }
    await piping;
  }

  /** The first router under budget, or a new one on another worker; none: the home router. */
  private async placeRecv(): Promise<RouterSlot> {
    const budget = this.options.recvTransportsPerRouter;
    const free = this.slots.find((r) => r.recvTransports < budget && !r.router.closed);
    if (free) return free;
    this.adding ??= (async () => {
      const slot = this.options.pickWorker(this.slots.map((r) => r.slot));
      if (!slot) return undefined;
      const router = await createRoomRouter(this.roomId, slot);
      if (this.closed) {
        router.close();
        return undefined;
      }
      router.on('workerclose', () => this.emit('workerlost'));
      const added: RouterSlot = { slot, router, recvTransports: 0 };
      this.slots.push(added);
      this.logger.info({ worker: slot.index, routers: this.slots.length }, 'room spread to another worker');
      return added;
    })().finally(() => (this.adding = undefined));
    // No other worker: the home router takes more than its budget.
    return (await this.adding) ?? this.slots[0]!;
  }

  /** Closes every router (their transports with them). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { router } of this.slots) router.close();
  }
}
