import type { Job, JobOf, JobType } from '@learnlive/contracts';

export interface JobContext {
  /** 1 on the first try. */
  attempt: number;
  /** Aborted when the job is cancelled, times out, or the queue closes. */
  signal: AbortSignal;
}
export type JobHandler<T extends JobType> = (job: JobOf<T>, ctx: JobContext) => Promise<void>;
/** One handler per job type: a new type does not compile without its handler. */
export type JobHandlers = { readonly [K in JobType]: JobHandler<K> };

/**
 * The job queue port. Adapters: in-process (embedded mode) and BullMQ on Redis (workers on
 * any number of machines). Attempts, backoff and timeout come from `JOB_OPTIONS`.
 */
export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Adds a job. `id` makes it idempotent: adding an id that is queued or running does nothing. */
  add(job: Job, id: string): Promise<void>;
  /** Removes a queued job or aborts a running one; its attempts stop. */
  cancel(id: string): Promise<void>;
  /** Starts consuming. Called at most once per queue object. */
  work(handlers: JobHandlers, options: { concurrency: number }): void;
  ping(): Promise<void>;
  close(): Promise<void>;
}
