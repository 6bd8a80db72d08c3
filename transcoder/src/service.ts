import {
  AppError,
  InProcessQueue,
  Ops,
  closeAll,
  closeServer,
  counter,
  createMetrics,
  createRoutesServer,
  listen,
  once,
  opsRoutes,
  type JobHandlers,
  type JobQueue,
  type Logger,
} from '@learnlive/common';
import type { TranscoderConfig } from './config.js';

export interface TranscoderDeps {
  /** The queue to consume; the all-in-one shares its in-process queue with the API. */
  queue?: JobQueue;
}

export interface TranscoderService {
  readonly port: number;
  readonly queue: JobQueue;
  close(): Promise<void>;
}

/** The job worker: consumes the queue with one handler per job type. */
export async function startTranscoder(
  config: TranscoderConfig,
  logger: Logger,
  deps: TranscoderDeps = {},
): Promise<TranscoderService> {
  const log = logger.child({ module: 'transcoder' });
  const metrics = createMetrics('transcoder');
  const jobs = counter(metrics, 'transcoder_jobs_total', 'Jobs finished', ['type', 'outcome']);
  const queue = deps.queue ?? new InProcessQueue(log);
  const handlers: JobHandlers = {
    transcode: async (job) => {
      jobs.inc({ type: job.type, outcome: 'failed' });
      throw new AppError('unavailable', 'transcoding is not implemented yet');
    },
  };
  const ops = new Ops('transcoder', { queue: () => queue.ping() });
  const server = createRoutesServer(opsRoutes(ops, metrics));
  const port = await listen(server, {
    service: 'transcoder',
    port: config.port,
    host: config.host,
    variable: 'TRANSCODER_PORT',
  });
  queue.work(handlers, { concurrency: config.concurrency });
  log.info({ port, queue: queue.kind, concurrency: config.concurrency }, 'transcoder working');
  return {
    port,
    queue,
    close: once(() =>
      closeAll(log, [
        ['http', () => closeServer(server)],
        ['queue', () => (deps.queue ? undefined : queue.close())],
      ]),
    ),
  };
}
