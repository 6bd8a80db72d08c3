import type { Logger } from 'pino';
import type { BullMqQueueOptions } from './BullMqQueue.js';
import { InProcessQueue } from './InProcessQueue.js';
import type { JobQueue } from './JobQueue.js';

/**
 * BullMQ on Redis when a URL (or BullMQ options) is given, the in-process queue otherwise.
 * BullMQ is imported only then, so a process without Redis never loads it.
 */
export async function createQueue(
  redis: string | BullMqQueueOptions | undefined,
  logger: Logger,
): Promise<JobQueue> {
  if (!redis) return new InProcessQueue(logger);
  const { BullMqQueue } = await import('./BullMqQueue.js');
  return new BullMqQueue(typeof redis === 'string' ? { redisUrl: redis } : redis, logger);
}
