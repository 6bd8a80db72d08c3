import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { AppError, ConfigError, withTimeout, type Logger } from '@learnlive/common';

/** How long a new room waits for a dead worker's replacement before it is refused. */
const REPLACEMENT_WAIT_MS = 10_000;

export interface WorkerPoolOptions {
  workers: number;
  listenIp: string;
  announcedAddress: string;
  /** First WebRtcServer port (worker i: port + i); 0: any free port. */
  rtcPort: number;
}

export interface PooledWorker {
  readonly index: number;
  readonly worker: types.Worker;
  /** One UDP and one TCP port for every transport of this worker (ICE-TCP when UDP is blocked). */
  readonly webRtcServer: types.WebRtcServer;
  /** Routers open on it: the load measure for placing new rooms. */
  routers: number;
}

/**
 * One mediasoup worker per core, each with its WebRtcServer. A worker that dies is replaced
 * on the same ports and `workerdied` is emitted so rooms on it can tell their peers to rejoin.
 */
export class WorkerPool extends EventEmitter<{ workerdied: [index: number]; close: [] }> {
  private readonly slots: PooledWorker[] = [];
  /** Replacements of dead workers that are starting, by slot. */
  private readonly replacing = new Map<number, Promise<PooledWorker>>();
  private closed = false;

  private constructor(
    private readonly options: WorkerPoolOptions,
    private readonly logger: Logger,
  ) {
    super();
  }

  static async start(options: WorkerPoolOptions, logger: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(options, logger);
    try {
      for (let i = 0; i < options.workers; i++) pool.slots.push(await pool.spawn(i));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  get workers(): readonly PooledWorker[] {
    return this.slots;
  }

  /** The worker with the fewest routers: where a new room goes. */
  leastLoaded(): PooledWorker;
  /** The same among the others (a large room spreading); undefined if there is none. */
  leastLoaded(exclude: readonly PooledWorker[]): PooledWorker | undefined;
  leastLoaded(exclude?: readonly PooledWorker[]): PooledWorker | undefined {
    // A dead worker stays in its slot until its replacement is up: never place a room on it.
    const alive = this.slots.filter((slot) => !slot.worker.closed && !exclude?.includes(slot));
    const best = alive.reduce((a, b) => (b.routers < a.routers ? b : a), alive[0]!);
    if (!best && !exclude) throw new AppError('unavailable', 'no media worker is running, try again shortly');
    return best;
  }

  /**
   * Where a new room goes: the least loaded worker. When none is alive but a dead one's
   * replacement is starting, that one: a worker's death tells its peers to rejoin at once, and
   * their joins arrive before the replacement is up (about 100 ms; with one worker they were all
   * refused `unavailable`).
   */
  async forNewRoom(): Promise<PooledWorker> {
    if (this.replacing.size > 0 && !this.slots.some((slot) => !slot.worker.closed)) {
      await withTimeout(Promise.any(this.replacing.values()), REPLACEMENT_WAIT_MS).catch(() => {});
    }
    return this.leastLoaded();
  }

  private async spawn(index: number): Promise<PooledWorker> {
    let worker: types.Worker;
    try {
      worker = await mediasoup.createWorker({ logLevel: 'warn', appData: { index } });
    } catch (err) {
      throw new Error(
        `mediasoup worker failed to start (${err instanceof Error ? err.message : String(err)}); ` +
          'where no prebuilt worker can be downloaded, build one and set MEDIASOUP_WORKER_BIN (see README)',
        { cause: err },
      );
    }
    const port = this.options.rtcPort === 0 ? undefined : this.options.rtcPort + index;
    let webRtcServer: types.WebRtcServer;
    try {
      const base = {
        ip: this.options.listenIp,
        announcedAddress: this.options.announcedAddress,
        ...(port ? { port } : {}),
      };
      webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ...base },
          { protocol: 'tcp', ...base },
        ],
      });
    } catch (err) {
      worker.close();
      throw new ConfigError('media', [
        {
          variable: 'MEDIA_RTC_PORT',
          message: `WebRTC port ${port ?? '(any)'} on ${this.options.listenIp} cannot be opened (${err instanceof Error ? err.message : String(err)})`,
        },
      ]);
    }
    const slot: PooledWorker = { index, worker, webRtcServer, routers: 0 };
    worker.on('died', (error) => {
      this.logger.error({ err: error, pid: worker.pid, index }, 'mediasoup worker died');
      if (this.closed) return;
      const replacing = this.spawn(index).then((replacement) => {
        if (this.closed) {
          replacement.worker.close();
          throw new Error('the pool closed');
        }
        this.slots[index] = replacement;
        this.logger.info({ pid: replacement.worker.pid, index }, 'mediasoup worker replaced');
        return replacement;
      });
      this.replacing.set(index, replacing);
      replacing
        .catch((err: unknown) => this.logger.error({ err, index }, 'mediasoup worker could not be replaced'))
        .finally(() => this.replacing.delete(index));
      this.emit('workerdied', index);
    });
    worker.observer.on('newrouter', (router) => {
      slot.routers += 1;
      router.observer.once('close', () => (slot.routers -= 1));
    });
    this.logger.info({ pid: worker.pid, index, port: port ?? 'any' }, 'mediasoup worker started');
    return slot;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) slot.worker.close();
    this.emit('close');
  }
}
