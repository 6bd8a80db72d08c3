import { createLogger, exitOnSignals, ConfigError } from '@learnlive/common';
import { loadApiConfig } from './config.js';
import { startApi } from './service.js';

// The API alone, configured by the environment (production: one process per service).
try {
  const config = loadApiConfig();
  const logger = createLogger({ name: 'api', level: config.logLevel });
  const api = await startApi(config, logger);
  exitOnSignals(logger, api.close);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
