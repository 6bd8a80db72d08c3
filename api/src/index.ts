export { apiEnvSchema, loadApiConfig, type ApiConfig } from './config.js';
export { startApi, API_MIGRATIONS_DIR, type ApiService, type ApiDeps } from './service.js';
export { playbackKey, signPlayback, type PlaybackClaims } from './video/playbackToken.js';
