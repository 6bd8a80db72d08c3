import { ConfigError, createLogger, exitOnSignals } from '@learnlive/common';
import { loadTranscoderConfig } from './config.js';
import { startTranscoder } from './service.js';

try {
  const config = loadTranscoderConfig();
  const logger = createLogger({ name: 'transcoder', level: config.logLevel });
  const transcoder = await startTranscoder(config, logger);
  exitOnSignals(logger, transcoder.close);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
