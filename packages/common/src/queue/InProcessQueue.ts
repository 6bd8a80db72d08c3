import { JOB_OPTIONS, JobSchema, type Job } from '@learnlive/contracts';
import type { Logger } from 'pino';
import type { JobHandler, JobHandlers, JobQueue } from './JobQueue.js';

interface Entry {
  id: string;
  job: Job;
  attempt: number;
  controller: AbortController | undefined;
  timer: NodeJS.Timeout | undefined;
  cancelled: boolean;
}

/**
 * Jobs in this process's memory: the embedded default. Jobs do not survive a restart (the
 * domain records that enqueued them do, and are re-enqueued at start by their owners).
 */
export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process';
  private readonly entries = new Map<string, Entry>();
  private readonly pending: Entry[] = [];
  private handlers: JobHandlers | undefined;
  private concurrency = 1;
  private running = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(private readonly logger: Logger) {}

  async add(job: Job, id: string): Promise<void> {
    if (this.closed) throw new Error('queue closed');
    if (this.entries.has(id)) return;
    const entry: Entry = {
      id,
      job: JobSchema.parse(job),
      attempt: 0,
      controller: undefined,
      timer: undefined,
      cancelled: false,
    };
    this.entries.set(id, entry);
    this.pending.push(entry);
    this.drain();
  }

  async cancel(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.cancelled = true;
    clearTimeout(entry.timer);
    const index = this.pending.indexOf(entry);
    if (index >= 0) this.pending.splice(index, 1);
    entry.controller?.abort(new Error('job cancelled'));
    if (!entry.controller) this.entries.delete(id);
  }

  work(handlers: JobHandlers, options: { concurrency: number }): void {
    if (this.handlers) throw new Error('work() called twice');
    this.handlers = handlers;
    this.concurrency = Math.max(1, options.concurrency);
    this.drain();
  }

  async ping(): Promise<void> {}

  /** Resolves when nothing is queued or running (tests). */
  async onIdle(): Promise<void> {
    if (this.entries.size === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.cancelled = true;
      entry.controller?.abort(new Error('queue closed'));
    }
    this.pending.length = 0;
    while (this.running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    this.entries.clear();
  }

  private drain(): void {
    while (this.handlers && !this.closed && this.running < this.concurrency && this.pending.length > 0) {
      const entry = this.pending.shift()!;
      void this.run(entry, this.handlers);
    }
    if (this.entries.size === 0) {
      for (const resolve of this.idle) resolve();
      this.idle.clear();
    }
  }

  private async run(entry: Entry, handlers: JobHandlers): Promise<void> {
    const options = JOB_OPTIONS[entry.job.type];
    entry.attempt += 1;
    entry.controller = new AbortController();
    const timeout = setTimeout(
      () => entry.controller?.abort(new Error(`job timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    this.running += 1;
    const log = this.logger.child({ jobId: entry.id, type: entry.job.type, attempt: entry.attempt });
    try {
      const handler = handlers[entry.job.type] as JobHandler<typeof entry.job.type>;
      await handler(entry.job, { attempt: entry.attempt, signal: entry.controller.signal });
      this.entries.delete(entry.id);
      log.info('job done');
    } catch (err) {
      entry.controller = undefined;
      if (entry.cancelled || this.closed || entry.attempt >= options.attempts) {
        this.entries.delete(entry.id);
        if (!entry.cancelled && !this.closed) log.error({ err }, 'job failed, no attempts left');
      } else {
        const delay = options.backoffMs * 2 ** (entry.attempt - 1);
        log.warn({ err, retryInMs: delay }, 'job failed, will retry');
        entry.timer = setTimeout(() => {
          entry.timer = undefined;
          if (entry.cancelled || this.closed) return;
          this.pending.push(entry);
          this.drain();
        }, delay);
      }
    } finally {
      clearTimeout(timeout);
      entry.controller = undefined;
      this.running -= 1;
      this.drain();
    }
  }
}
