import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import {
  InProcessQueue,
  closeAll,
  describeDatabase,
  inProcessPublisher,
  memoryTokenGenerations,
  openDatabase,
  once,
  type Logger,
} from '@learnlive/common';
import { startEmbeddedS3 } from '@learnlive/common/embedded';
import { loadApiConfig, startApi } from '@learnlive/api';
import { loadRealtimeConfig, startRealtime } from '@learnlive/realtime';
import { loadMediaConfig, startMedia } from '@learnlive/media';
import { loadTranscoderConfig, startTranscoder } from '@learnlive/transcoder';
import { embeddedSecret, type AllInOneConfig } from './config.js';

export const CLIENT_DIST_DIR = fileURLToPath(new URL('../../../client/dist', import.meta.url));

export interface System {
  /** The one URL a person opens. */
  readonly url: string;
  readonly ports: { api: number; realtime: number; media: number; transcoder: number };
  /** Which engine or adapter each part runs on, for the start-up banner and the status page. */
  readonly engines: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts every service in this process. The only place that imports several services; it
 * only composes them: each parses its own configuration from the same environment.
 */
export async function startSystem(config: AllInOneConfig, logger: Logger): Promise<System> {
  const closers: Array<readonly [string, () => Promise<unknown>]> = [];
  const closeStarted = () => closeAll(logger, [...closers].reverse());
  try {
    const jwtSecret = config.jwtSecret ?? (await embeddedSecret(config.dataDir));
    const s3 = config.s3Endpoint
      ? undefined
      : await startEmbeddedS3({
          directory: join(config.dataDir, 's3'),
          port: config.ports.s3,
          bucket: 'learnlive',
        });
    if (s3) closers.push(['s3', s3.close]);
    const db = await openDatabase(config.databaseUrl);
    closers.push(['database', () => db.close()]);
    const queue = new InProcessQueue(logger.child({ module: 'queue' }));
    closers.push(['queue', () => queue.close()]);

    const base: Record<string, string | undefined> = {
      ...config.env,
      JWT_SECRET: jwtSecret,
      DATABASE_URL: config.databaseUrl,
      S3_ENDPOINT: config.s3Endpoint ?? s3?.endpoint,
      LOG_LEVEL: config.logLevel,
    };

    // The API records revoked token generations here; realtime and media read them.
    const generations = memoryTokenGenerations();
    const realtime = await startRealtime(
      loadRealtimeConfig({ ...base, REALTIME_PORT: String(config.ports.realtime) }),
      logger,
      { db, generations },
    );
    closers.push(['realtime', realtime.close]);
    const media = await startMedia(
      loadMediaConfig({
        ...base,
        MEDIA_PORT: String(config.ports.media),
        MEDIA_RECORDING_DIR: join(config.dataDir, 'recordings'),
      }),
      logger,
      // Recordings' transcode jobs go to the queue the transcoder consumes.
      { queue, generations },
    );
    closers.push(['media', media.close]);
    const transcoder = await startTranscoder(
      loadTranscoderConfig({
        ...base,
        TRANSCODER_PORT: String(config.ports.transcoder),
        TRANSCODER_WORK_DIR: join(config.dataDir, 'transcoder'),
      }),
      logger,
      // One PGlite has one connection: the transcoder shares it (and the queue, and the realtime layer).
      { queue, db, publisher: inProcessPublisher(realtime.io) },
    );
    closers.push(['transcoder', transcoder.close]);

    const engines: Record<string, string> = {
      database: describeDatabase(config.databaseUrl),
      objectStorage: s3 ? `embedded s3rver (${s3.endpoint})` : `S3 (${config.s3Endpoint})`,
      realtimeEngine: realtime.engine,
      realtimeAdapter: realtime.adapter,
      mediaEngine: media.engine,
      mediaWorkers: `${media.pool.size} mediasoup workers`,
      mediaRoomState: media.roomState,
      jobQueue: queue.kind,
    };
    const publicBase = (port: number) => `http://${config.publicHost}:${port}`;
    // The API's port may be 0 (tests): listen first, then everything it tells the browser is real.
    const api = await startApi(
      loadApiConfig({
        ...base,
        API_PORT: String(config.ports.api),
        PUBLIC_REALTIME_URL: publicBase(realtime.port),
        PUBLIC_MEDIA_URL: publicBase(media.port),
        CLIENT_DIST_DIR: config.clientDistDir ?? (existsSync(CLIENT_DIST_DIR) ? CLIENT_DIST_DIR : undefined),
        LESSON_UPLOAD_DIR: join(config.dataDir, 'uploads'),
      }),
      logger,
      { db, engines: () => engines, publisher: inProcessPublisher(realtime.io), queue, generations },
    );
    closers.push(['api', api.close]);
    const url = `${publicBase(api.port)}/`;
    return {
      url,
      ports: { api: api.port, realtime: realtime.port, media: media.port, transcoder: transcoder.port },
      engines,
      close: once(closeStarted),
    };
  } catch (err) {
    await closeStarted();
    throw err;
  }
}
