export type { JobQueue, JobHandler, JobHandlers, JobContext } from './JobQueue.js';
export { InProcessQueue } from './InProcessQueue.js';
export { BullMqQueue, createQueue, type BullMqQueueOptions } from './BullMqQueue.js';
