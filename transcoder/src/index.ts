export { transcoderEnvSchema, loadTranscoderConfig, type TranscoderConfig } from './config.js';
export { startTranscoder, type TranscoderService, type TranscoderDeps } from './service.js';
export { generateSource, type SourceSpec } from './generateSource.js';
export { sweepMediaGarbage, MEDIA_GARBAGE_GRACE_MS } from './sweep.js';
