import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The one root logger of a process; modules take `logger.child({ module })`. */
export function createLogger(options: { name: string; level: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
