export type { JobQueue, JobHandler, JobHandlers, JobContext } from './JobQueue.js';
export { InProcessQueue } from './InProcessQueue.js';
export { createQueue } from './createQueue.js';
// The class itself: `@learnlive/common/bullmq` (loading bullmq only where it is used).
export type { BullMqQueue, BullMqQueueOptions } from './BullMqQueue.js';
