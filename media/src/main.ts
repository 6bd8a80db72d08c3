import { ConfigError, createLogger, exitOnSignals } from '@learnlive/common';
import { loadMediaConfig } from './config.js';
import { startMedia } from './service.js';

try {
  const config = loadMediaConfig();
  const logger = createLogger({ name: 'media', level: config.logLevel });
  const media = await startMedia(config, logger);
  exitOnSignals(logger, media.close);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
