export { realtimeEnvSchema, loadRealtimeConfig, type RealtimeConfig } from './config.js';
export { startRealtime, type RealtimeService } from './service.js';
