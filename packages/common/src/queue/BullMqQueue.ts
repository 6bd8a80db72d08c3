import { Queue, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_OPTIONS, JobSchema, type Job } from '@learnlive/contracts';
import type { Logger } from 'pino';
import { createRedis } from '../redis.js';
import type { JobHandler, JobHandlers, JobQueue } from './JobQueue.js';

export interface BullMqQueueOptions {
  redisUrl: string;
  /**
   * A connection to use instead of one of the queue's own (a service's Redis policy); its owner
   * closes it, the queue does not. For a queue that only enqueues: `work()` duplicates it for the
   * worker's blocking reads, options (timeouts) included.
   */
  connection?: Redis;
  /** BullMQ queue name (and key prefix); one per environment. @default 'learnlive-jobs' */
  name?: string;
  /** How long a dead worker's job waits before another worker takes it over. @default 30000 */
  stalledIntervalMs?: number;
  /** How long a worker's claim on a job lasts without renewal (renewed at half). @default 30000 */
  lockDurationMs?: number;
}

/** Cancelled ids are remembered this long, so a retry scheduled before the cancel does not run. */
const CANCEL_TTL_SECONDS = 24 * 3600;

/**
 * Jobs in Redis through BullMQ: workers on any number of machines, each with its own
 * concurrency. Attempts and backoff come from JOB_OPTIONS per type; the timeout aborts the
 * handler's signal (BullMQ has no timeout of its own). `cancel` reaches the worker running the
 * job wherever it is through a pub/sub channel.
 */
export class BullMqQueue implements JobQueue {
  readonly kind = 'bullmq';
  private readonly name: string;
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private subscriber: Redis | undefined;
  private workerConnection: Redis | undefined;
  private readonly running = new Map<string, AbortController>();
  private closed = false;

  constructor(
    private readonly options: BullMqQueueOptions,
    private readonly logger: Logger,
  ) {
    this.name = options.name ?? 'learnlive-jobs';
    this.connection = options.connection ?? createRedis(options.redisUrl, 'jobs');
    this.queue = new Queue(this.name, { connection: this.connection });
  }

  private get cancelChannel() {
    return `${this.name}:cancel`;
  }
  private cancelKey(id: string) {
    return `${this.name}:cancelled:${id}`;
  }

  async add(job: Job, id: string): Promise<void> {
    if (this.closed) throw new Error('queue closed');
    const parsed = JobSchema.parse(job);
    const options = JOB_OPTIONS[parsed.type];
    await this.connection.del(this.cancelKey(id));
    // Same id while queued, delayed or running: BullMQ keeps the existing job (idempotent add).
    await this.queue.add(parsed.type, parsed, {
      jobId: id,
      attempts: options.attempts,
      backoff: { type: 'exponential', delay: options.backoffMs },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  async cancel(id: string): Promise<void> {
    await this.connection.set(this.cancelKey(id), '1', 'EX', CANCEL_TTL_SECONDS);
    const job = await this.queue.getJob(id);
    if (job) {
      const state = await job.getState();
      // A running job is locked by its worker: abort it there; anything else is removed here.
      if (state !== 'active') await job.remove().catch(() => {});
    }
    await this.connection.publish(this.cancelChannel, id);
  }

  work(handlers: JobHandlers, options: { concurrency: number }): void {
    if (this.worker) throw new Error('work() called twice');
    this.subscriber = this.connection.duplicate({ connectionName: 'jobs-cancel' });
    void this.subscriber.subscribe(this.cancelChannel);
    this.subscriber.on('message', (_channel: string, id: string) => {
      this.running.get(id)?.abort(new Error('job cancelled'));
    });
    // BullMQ does not close a connection it is given: this one is ours to quit.
    this.workerConnection = this.connection.duplicate({ connectionName: 'jobs-worker' });
    this.worker = new Worker(this.name, (job, _token, signal) => this.process(job, handlers, signal), {
      connection: this.workerConnection,
      concurrency: Math.max(1, options.concurrency),
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      maxStalledCount: 2,
    });
    this.worker.on('error', (err) => this.logger.error({ err }, 'queue worker error'));
  }

  private async process(bullJob: BullJob, handlers: JobHandlers, workerSignal?: AbortSignal): Promise<void> {
    const id = bullJob.id!;
    const attempt = bullJob.attemptsMade + 1;
    const log = this.logger.child({ jobId: id, type: bullJob.name, attempt });
    if (await this.connection.exists(this.cancelKey(id))) throw new UnrecoverableError('job cancelled');
    const job = JobSchema.parse(bullJob.data);
    const options = JOB_OPTIONS[job.type];
    const controller = new AbortController();
    this.running.set(id, controller);
    const timeout = setTimeout(
      () => controller.abort(new Error(`job timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const signal = workerSignal ? AbortSignal.any([controller.signal, workerSignal]) : controller.signal;
    try {
      const handler = handlers[job.type] as JobHandler<typeof job.type>;
      await handler(job, { attempt, signal });
      log.info('job done');
    } catch (err) {
      if (await this.connection.exists(this.cancelKey(id))) throw new UnrecoverableError('job cancelled');
      if (attempt < options.attempts) log.warn({ err }, 'job failed, will retry');
      else log.error({ err }, 'job failed, no attempts left');
      throw err;
    } finally {
      clearTimeout(timeout);
      this.running.delete(id);
    }
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.running.values()) controller.abort(new Error('queue closed'));
    await this.worker?.close();
    await this.workerConnection?.quit().catch(() => {});
    await this.subscriber?.quit().catch(() => {});
    await this.queue.close();
    if (!this.options.connection) await this.connection.quit().catch(() => {});
  }
}
