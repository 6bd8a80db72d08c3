export { realtimeEnvSchema, loadRealtimeConfig, type RealtimeConfig } from './config.js';
export {
  startRealtime,
  REALTIME_MIGRATIONS_DIR,
  type RealtimeDeps,
  type RealtimeService,
} from './service.js';
export type { RealtimeServer, RealtimeSocket } from './handlers.js';
