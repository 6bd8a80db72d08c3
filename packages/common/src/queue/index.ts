export type { JobQueue, JobHandler, JobHandlers, JobContext } from './JobQueue.js';
export { InProcessQueue } from './InProcessQueue.js';
