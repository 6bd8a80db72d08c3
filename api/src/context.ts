import type { S3Client } from '@aws-sdk/client-s3';
import type { Db, JobQueue, Logger, RealtimePublisher } from '@learnlive/common';
import type { Registry } from 'prom-client';
import type { ApiConfig } from './config.js';

/** What every route module receives: the adapters, already open. */
export interface ApiContext {
  config: ApiConfig;
  db: Db;
  logger: Logger;
  metrics: Registry;
  /** Pushes events to socket.io rooms on the realtime nodes (progress, moderation…). */
  publisher: RealtimePublisher;
  /** Where jobs for the transcoder go. */
  queue: JobQueue;
  s3: S3Client;
}
