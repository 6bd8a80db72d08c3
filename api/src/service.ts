import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import {
  Ops,
  bucketReachable,
  closeAll,
  closeServer,
  counter,
  createMetrics,
  createS3Client,
  listen,
  migrate,
  openDatabase,
  once,
  type Db,
  type Logger,
} from '@learnlive/common';
import type { ClientConfig } from '@learnlive/contracts';
import { createApp } from './app.js';
import type { ApiConfig } from './config.js';

export const API_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface ApiDeps {
  /** Shared database (the all-in-one passes its one PGlite); default: opened from the config. */
  db?: Db;
  /** Engines of the other parts, shown to the client's status page. */
  engines?: () => Record<string, string>;
}

export interface ApiService {
  readonly port: number;
  readonly db: Db;
  close(): Promise<void>;
}

export async function startApi(config: ApiConfig, logger: Logger, deps: ApiDeps = {}): Promise<ApiService> {
  const log = logger.child({ module: 'api' });
  const ownDb = !deps.db;
  const db = deps.db ?? (await openDatabase(config.databaseUrl));
  const s3 = createS3Client(config.storage);
  let server: Server | undefined;
  try {
    const applied = await migrate(db, { dir: API_MIGRATIONS_DIR, table: 'api_migrations' });
    if (applied.length) log.info({ applied }, 'migrations applied');

    const metrics = createMetrics('api');
    const requests = counter(metrics, 'api_http_requests_total', 'HTTP requests answered', ['status']);
    const ops = new Ops('api', {
      database: () => db.query('select 1'),
      storage: () => bucketReachable(s3, config.storage.bucket),
    });
    const clientConfig = (): ClientConfig => ({
      apiUrl: `${config.publicUrl}/api`,
      realtimeUrl: config.publicRealtimeUrl,
      mediaUrl: config.publicMediaUrl,
      engines: { database: db.engine, ...deps.engines?.() },
    });
    const app = createApp({ logger: log, ops, metrics, clientConfig, clientDistDir: config.clientDistDir });
    app.use('*', async (c, next) => {
      await next();
      requests.inc({ status: String(c.res.status) });
    });

    server = createAdaptorServer({ fetch: app.fetch }) as Server;
    const port = await listen(server, {
      service: 'api',
      port: config.port,
      host: config.host,
      variable: 'API_PORT',
    });
    log.info({ port, database: db.engine }, 'api listening');
    const httpServer = server;
    return {
      port,
      db,
      close: once(() =>
        closeAll(log, [
          ['http', () => closeServer(httpServer)],
          ['s3', () => s3.destroy()],
          ['database', () => (ownDb ? db.close() : undefined)],
        ]),
      ),
    };
  } catch (err) {
    if (server) await closeServer(server);
    s3.destroy();
    if (ownDb) await db.close();
    throw err;
  }
}
