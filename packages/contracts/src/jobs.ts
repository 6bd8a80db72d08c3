import { z } from 'zod';

/**
 * Jobs on the queue, a tagged union on `type`. Each type has its handler (exhaustive table
 * in the worker) and its attempts/backoff/timeout in one table (JOB_OPTIONS).
 */
export const TranscodeJobSchema = z.object({
  type: z.literal('transcode'),
  lessonId: z.string().min(1),
  /** Object key of the uploaded original. */
  sourceKey: z.string().min(1),
  /**
   * One per upload: the ladder goes under a prefix named by it, so a retried job rewrites the
   * same keys (no duplicate storage) and a new upload never mixes with an older ladder.
   */
  version: z.string().regex(/^[\w-]{1,64}$/),
});

export const JobSchema = z.discriminatedUnion('type', [TranscodeJobSchema]);
export type Job = z.infer<typeof JobSchema>;
export type JobType = Job['type'];
export type JobOf<T extends JobType> = Extract<Job, { type: T }>;

export interface JobOptions {
  /** Tries in all, the first included. */
  attempts: number;
  /** First retry delay; doubles each retry. */
  backoffMs: number;
  /** A try running longer is failed (and its process killed). */
  timeoutMs: number;
}

export const JOB_OPTIONS: { readonly [K in JobType]: JobOptions } = {
  transcode: { attempts: 3, backoffMs: 5_000, timeoutMs: 60 * 60_000 },
};
