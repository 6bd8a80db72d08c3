import type { Logger } from '@learnlive/common';
import type { RoomKind } from '@learnlive/contracts';
import { Room, type RoomLimits } from './room/Room.js';
import { MemoryRoomStateStore, type RoomStateStore } from './RoomState.js';
import type { WorkerPool } from './WorkerPool.js';

export interface RoomsOptions extends RoomLimits {
  /** An empty room keeps its router (and its bans) this long. */
  emptyRoomGraceMs: number;
}

/** The open rooms of this process, by id: created on the least-loaded worker on first join. */
export class Rooms {
  private readonly rooms = new Map<string, Promise<Room>>();
  private readonly emptyTimers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly pool: WorkerPool,
    private readonly options: RoomsOptions,
    private readonly logger: Logger,
    readonly store: RoomStateStore = new MemoryRoomStateStore(),
  ) {}

  get size(): number {
    return this.rooms.size;
  }

  /** The room, created if needed; concurrent first joins get the same room. */
  async get(id: string, kind: RoomKind): Promise<Room> {
    if (this.closed) throw new Error('rooms are closed');
    const existing = this.rooms.get(id);
    if (existing) {
      const room = await existing;
      if (!room.isClosed) {
        this.cancelEmpty(id);
        return room;
      }
    }
    // set before any await: concurrent first joins get this same room
    const creating = this.pool
      .forNewRoom()
      .then((worker) =>
        Room.create(id, kind, worker, this.options, this.store, this.logger, (exclude) =>
          this.pool.leastLoaded(exclude),
        ),
      );
    this.rooms.set(id, creating);
    let room: Room;
    try {
      room = await creating;
    } catch (err) {
      if (this.rooms.get(id) === creating) this.rooms.delete(id);
      throw err;
    }
    room.once('close', (reason) => {
      if (this.rooms.get(id) === creating) this.rooms.delete(id);
      this.cancelEmpty(id);
      // In-process state goes with a room that ended; a worker death keeps it for the rejoin.
      if (reason !== 'worker_died' && this.store instanceof MemoryRoomStateStore) this.store.forget(id);
    });
    return room;
  }

  /** The open room with this id, without creating it. */
  async find(id: string): Promise<Room | undefined> {
    const room = await this.rooms.get(id)?.catch(() => undefined);
    return room && !room.isClosed ? room : undefined;
  }

  /** Open rooms (settled ones), for tests and metrics. */
  async list(): Promise<Room[]> {
    const settled = await Promise.allSettled(this.rooms.values());
    return settled.flatMap((r) => (r.status === 'fulfilled' && !r.value.isClosed ? [r.value] : []));
  }

  /** Called after a peer leaves: an empty room closes after the grace period unless someone joins. */
  leftRoom(room: Room): void {
    if (room.peers.size > 0 || room.isClosed) return;
    this.cancelEmpty(room.id);
    const timer = setTimeout(() => {
      this.emptyTimers.delete(room.id);
      if (room.peers.size === 0) room.close('empty');
    }, this.options.emptyRoomGraceMs);
    timer.unref();
    this.emptyTimers.set(room.id, timer);
  }

  private cancelEmpty(id: string): void {
    const timer = this.emptyTimers.get(id);
    if (timer) clearTimeout(timer);
    this.emptyTimers.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const room of await this.list()) room.close('shutdown');
    for (const timer of this.emptyTimers.values()) clearTimeout(timer);
    this.emptyTimers.clear();
    this.rooms.clear();
    await this.store.close();
    this.logger.info('rooms closed');
  }
}
