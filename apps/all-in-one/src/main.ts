import { existsSync } from 'node:fs';
import { ConfigError, createLogger, exitOnSignals } from '@learnlive/common';
import { CLIENT_DIST_DIR, startSystem } from './compose.js';
import { loadAllInOneConfig } from './config.js';

// `npm start`: every service in one process on embedded defaults.
try {
  const config = loadAllInOneConfig();
  const logger = createLogger({ name: 'learnlive', level: config.logLevel });
  if (!existsSync(CLIENT_DIST_DIR))
    logger.warn({ dir: CLIENT_DIST_DIR }, 'client not built: run npm run build');
  const system = await startSystem(config, logger);
  exitOnSignals(logger, system.close);
  const width = Math.max(...Object.keys(system.engines).map((k) => k.length));
  process.stdout.write(
    [
      '',
      `  LearnLive is running: open ${system.url}`,
      '',
      ...Object.entries(system.engines).map(([part, engine]) => `    ${part.padEnd(width)}  ${engine}`),
      `    ${'ports'.padEnd(width)}  ${Object.entries(system.ports)
        .map(([s, p]) => `${s} ${p}`)
        .join(', ')}`,
      `    ${'pid'.padEnd(width)}  ${process.pid} (SIGTERM or Ctrl-C stops it)`,
      '',
      '',
    ].join('\n'),
  );
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
