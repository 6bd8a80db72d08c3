import type { S3Client } from '@aws-sdk/client-s3';
import type {
  createRedis,
  Db,
  JobQueue,
  Logger,
  RealtimePublisher,
  TokenGenerations,
} from '@learnlive/common';
import type { Registry } from 'prom-client';
import type { ApiConfig } from './config.js';
import type { AccessRevocation } from './auth/revocation.js';

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
  /** Redis when REDIS_URL is set (limits shared by every replica), else undefined. */
  redis: ReturnType<typeof createRedis> | undefined;
  /** Whether access tokens are still good; `forget(userId)` after changing a user's generation. */
  revocation: AccessRevocation;
  /** Where new token generations go for the realtime handshake; undefined: nobody reads them. */
  generations: TokenGenerations | undefined;
  /** Registers something a route module opened (a listener…) to close with the API, before the database. */
  onClose(name: string, close: () => Promise<unknown> | unknown): void;
}
