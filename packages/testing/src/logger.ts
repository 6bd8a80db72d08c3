import { createLogger, type Logger } from '@learnlive/common';

/** A logger for tests: silent unless TEST_LOG_LEVEL is set. */
export function testLogger(name = 'test'): Logger {
  return createLogger({ name, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}
