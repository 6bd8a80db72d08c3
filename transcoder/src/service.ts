import type { ChildProcess } from 'node:child_process';
import {
  Ops,
  bucketReachable,
  closeAll,
  closeServer,
  counter,
  createMetrics,
  createQueue,
  createRoutesServer,
  createS3Client,
  listen,
  once,
  openDatabase,
  opsRoutes,
  openPublisher,
  type Db,
  type JobHandlers,
  type JobQueue,
  type Logger,
  type RealtimePublisher,
} from '@learnlive/common';
import type { TranscoderConfig } from './config.js';
import { LessonVideoStore } from './lessonVideos.js';
import { sweepDeletedLessons, sweepMediaGarbage } from './sweep.js';
import { transcodeHandler } from './transcode.js';

export interface TranscoderDeps {
  /** The queue to consume; the all-in-one shares its in-process queue with the API. */
  queue?: JobQueue;
  /** Shared database (the all-in-one's one PGlite); default: opened from the config. */
  db?: Db;
  /** Where progress goes (room `user:<instructorId>`); default: Redis emitter when REDIS_URL is set. */
  publisher?: RealtimePublisher;
  /** Fault tests reach each job's ffmpeg process through this. */
  onFfmpeg?: (child: ChildProcess, lessonId: string) => void;
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
  const queue = deps.queue ?? (await createQueue(config.redisUrl, log.child({ module: 'queue' })));
  const db = deps.db ?? (await openDatabase(config.databaseUrl));
  const s3 = createS3Client(config.storage);
  const own = deps.publisher ? undefined : openPublisher(config.redisUrl, 'transcoder-publisher', log);
  const publisher: RealtimePublisher = deps.publisher ?? own!.publisher;
  const transcode = transcodeHandler({
    store: new LessonVideoStore(db),
    s3,
    bucket: config.storage.bucket,
    publisher,
    logger: log,
    workDir: config.workDir,
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    limits: config.limits,
    uploadConcurrency: config.uploadConcurrency,
    storageAttempts: config.storageAttempts,
    storageBackoffMs: config.storageBackoffMs,
    watchIntervalMs: config.watchIntervalMs,
    onFfmpeg: deps.onFfmpeg,
  });
  const handlers: JobHandlers = {
    transcode: async (job, ctx) => {
      try {
        await transcode(job, ctx);
        jobs.inc({ type: job.type, outcome: 'done' });
      } catch (err) {
        jobs.inc({ type: job.type, outcome: 'failed' });
        throw err;
      }
    },
  };
  const ops = new Ops('transcoder', {
    queue: () => queue.ping(),
    database: () => db.query('select 1'),
    storage: () => bucketReachable(s3, config.storage.bucket),
  });
  const server = createRoutesServer(opsRoutes(ops, metrics));
  const port = await listen(server, {
    service: 'transcoder',
    port: config.port,
    host: config.host,
    variable: 'TRANSCODER_PORT',
  });
  queue.work(handlers, { concurrency: config.concurrency });
  const sweep = () => {
    void sweepDeletedLessons(db, s3, config.storage.bucket).then(
      (gone) => gone.length > 0 && log.info({ lessons: gone }, 'media of deleted lessons removed'),
      (err: unknown) => log.warn({ err }, 'sweep of deleted lessons failed'),
    );
    void sweepMediaGarbage(db, s3, config.storage.bucket).then(
      (gone) => gone.length > 0 && log.info({ prefixes: gone }, 'superseded media removed'),
      (err: unknown) => log.warn({ err }, 'sweep of superseded media failed'),
    );
  };
  const sweeper = config.sweepIntervalMs > 0 ? setInterval(sweep, config.sweepIntervalMs) : undefined;
  sweeper?.unref();
  log.info({ port, queue: queue.kind, concurrency: config.concurrency }, 'transcoder working');
  return {
    port,
    queue,
    close: once(() =>
      closeAll(log, [
        ['sweeper', () => clearInterval(sweeper)],
        ['http', () => closeServer(server)],
        ['queue', () => (deps.queue ? undefined : queue.close())],
        ['publisher', () => own?.close()],
        ['s3', () => s3.destroy()],
        ['database', () => (deps.db ? undefined : db.close())],
      ]),
    ),
  };
}
