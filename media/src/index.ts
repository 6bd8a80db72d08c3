export { mediaEnvSchema, loadMediaConfig, type MediaConfig } from './config.js';
export { startMedia, type MediaService } from './service.js';
export { MEDIA_CODECS } from './codecs.js';
export { WorkerPool } from './WorkerPool.js';
