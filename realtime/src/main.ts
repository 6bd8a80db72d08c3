import { ConfigError, createLogger, exitOnSignals } from '@learnlive/common';
import { loadRealtimeConfig } from './config.js';
import { startRealtime } from './service.js';

try {
  const config = loadRealtimeConfig();
  const logger = createLogger({ name: 'realtime', level: config.logLevel });
  const realtime = await startRealtime(config, logger);
  exitOnSignals(logger, realtime.close);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
