import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JOB_OPTIONS, type Job } from '@learnlive/contracts';
import { startRedis, testLogger, waitFor, type TestRedis } from '@learnlive/testing';
import type { JobContext, JobHandlers, JobQueue } from './JobQueue.js';
import { InProcessQueue } from './InProcessQueue.js';
import { BullMqQueue } from './BullMqQueue.js';

const logger = testLogger('queue');
let redis: TestRedis | undefined;
let counter = 0;

// Short backoff so retries happen within the test; the table's other values stay.
const original = { ...JOB_OPTIONS.transcode };
beforeAll(async () => {
  redis = await startRedis();
  Object.assign(JOB_OPTIONS.transcode, { backoffMs: 20 });
});
afterAll(async () => {
  Object.assign(JOB_OPTIONS.transcode, original);
  await redis?.stop();
});

const ADAPTERS: ReadonlyArray<readonly [string, () => JobQueue]> = [
  ['in-process', () => new InProcessQueue(logger)],
  ['bullmq', () => new BullMqQueue({ redisUrl: redis!.url, name: `q${Date.now()}-${counter++}` }, logger)],
];

const job = (lessonId: string): Job => ({ type: 'transcode', lessonId, sourceKey: 'k', version: 'v1' });

describe.each(ADAPTERS)('JobQueue on %s', (_name, create) => {
  const queues: JobQueue[] = [];
  const open = () => {
    const q = create();
    queues.push(q);
    return q;
  };
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });

  it('runs a job with its payload, attempt 1', async () => {
    const queue = open();
    const seen: Array<[string, number]> = [];
    queue.work(
      { transcode: async (j, ctx) => void seen.push([j.lessonId, ctx.attempt]) } satisfies JobHandlers,
      { concurrency: 1 },
    );
    await queue.add(job('a'), 'job-a');
    await waitFor(() => seen.length === 1, { what: 'the job' });
    expect(seen).toEqual([['a', 1]]);
  });

  it('retries a failing job up to the attempts in JOB_OPTIONS', async () => {
    const queue = open();
    const attempts: number[] = [];
    queue.work(
      {
        transcode: async (_j, ctx) => {
          attempts.push(ctx.attempt);
          throw new Error('boom');
        },
      },
      { concurrency: 1 },
    );
    await queue.add(job('b'), 'job-b');
    await waitFor(() => attempts.length === JOB_OPTIONS.transcode.attempts, { what: 'every attempt' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('adding the same id twice while queued or running runs it once', async () => {
    const queue = open();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.work(
      {
        transcode: async () => {
          runs += 1;
          await gate;
        },
      },
      { concurrency: 2 },
    );
    await queue.add(job('c'), 'job-c');
    await queue.add(job('c'), 'job-c');
    await waitFor(() => runs === 1, { what: 'the first run' });
    await queue.add(job('c'), 'job-c');
    release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toBe(1);
  });

  it('cancel aborts the running handler signal, and the job is not retried', async () => {
    const queue = open();
    const contexts: JobContext[] = [];
    queue.work(
      {
        transcode: (_j, ctx) =>
          new Promise<void>((_resolve, reject) => {
            contexts.push(ctx);
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
          }),
      },
      { concurrency: 1 },
    );
    await queue.add(job('d'), 'job-d');
    await waitFor(() => contexts.length === 1, { what: 'the job to start' });
    await queue.cancel('job-d');
    await waitFor(() => contexts[0]!.signal.aborted, { what: 'the abort' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(contexts).toHaveLength(1);
  });

  it('a try running past the timeout has its signal aborted and is retried', async () => {
    const saved = JOB_OPTIONS.transcode.timeoutMs;
    Object.assign(JOB_OPTIONS.transcode, { timeoutMs: 150 });
    try {
      const queue = open();
      const reasons: string[] = [];
      let finished = 0;
      queue.work(
        {
          transcode: (_j, ctx) =>
            new Promise<void>((resolve, reject) => {
              if (ctx.attempt === 2) {
                finished += 1;
                return resolve();
              }
              ctx.signal.addEventListener('abort', () => {
                reasons.push(String((ctx.signal.reason as Error).message));
                reject(ctx.signal.reason as Error);
              });
            }),
        },
        { concurrency: 1 },
      );
      await queue.add(job('t'), 'job-t');
      await waitFor(() => reasons.length === 1, { what: 'the timeout' });
      expect(reasons[0]).toMatch(/timed out/);
      await waitFor(() => finished === 1, { what: 'the retry' });
    } finally {
      Object.assign(JOB_OPTIONS.transcode, { timeoutMs: saved });
    }
  });

  it('cancel removes a job that has not started', async () => {
    const queue = open();
    await queue.add(job('e'), 'job-e');
    await queue.cancel('job-e');
    const seen: string[] = [];
    queue.work({ transcode: async (j) => void seen.push(j.lessonId) }, { concurrency: 1 });
    await queue.add(job('f'), 'job-f');
    await waitFor(() => seen.includes('f'), { what: 'the later job' });
    expect(seen).toEqual(['f']);
  });
});

describe('JobQueue on bullmq, across processes', () => {
  it('a worker process killed mid-job: another worker takes the job over', async () => {
    const name = `q-crash-${Date.now()}`;
    const options = { redisUrl: redis!.url, name, stalledIntervalMs: 500, lockDurationMs: 1000 };
    // The doomed worker runs in its own Node process and never finishes its job.
    const script = `
      const { BullMqQueue } = await import(${JSON.stringify(new URL('./BullMqQueue.ts', import.meta.url).pathname)});
      const { createLogger } = await import(${JSON.stringify(new URL('../logger.ts', import.meta.url).pathname)});
      const queue = new BullMqQueue(${JSON.stringify(options)}, createLogger({ name: 'doomed', level: 'silent' }));
      queue.work({ transcode: async (job, ctx) => { console.log('started ' + ctx.attempt); await new Promise(() => {}); } }, { concurrency: 1 });
    `;
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const producer = new BullMqQueue(options, logger);
    try {
      await producer.add(job('crash'), 'job-crash');
      await waitFor(() => out.includes('started 1'), {
        what: 'the doomed worker to start',
        timeoutMs: 30_000,
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      const survivor = new BullMqQueue(options, logger);
      const attempts: number[] = [];
      survivor.work({ transcode: async (_j, ctx) => void attempts.push(ctx.attempt) }, { concurrency: 1 });
      try {
        await waitFor(() => attempts.length > 0, { what: 'the takeover', timeoutMs: 20_000 });
        expect(attempts).toEqual([1]);
      } finally {
        await survivor.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await producer.close();
    }
  });
});
