import type { Logger } from 'pino';

/**
 * Makes `close` idempotent: the first call runs it, later calls get the same promise.
 * (mediasoup's `close()` pattern.)
 */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

/**
 * `promise`, or a rejection with `message` once `ms` passed without an answer (for calls to a
 * dependency that may hang: readiness checks, Redis on a request path). The timer is cleared
 * either way; the call itself is not cancelled.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message = `no answer within ${ms} ms`,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes children in order; one child failing does not stop the others. */
export async function closeAll(
  logger: Logger,
  children: ReadonlyArray<readonly [string, () => Promise<unknown> | unknown]>,
): Promise<void> {
  for (const [name, close] of children) {
    try {
      await close();
    } catch (err) {
      logger.error({ err, child: name }, 'close failed');
    }
  }
}

/**
 * SIGTERM/SIGINT: stop accepting, drain, close, exit 0. A second signal or a drain longer
 * than `graceMs` exits 1 at once.
 */
export function exitOnSignals(logger: Logger, close: () => Promise<void>, graceMs = 15_000): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
