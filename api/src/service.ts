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
  createQueue,
  createRedis,
  openPublisher,
  redisTokenGenerations,
  type Db,
  type JobQueue,
  type Logger,
  type RealtimePublisher,
  type TokenGenerations,
} from '@learnlive/common';
import type { ClientConfig } from '@learnlive/contracts';
import { createApp } from './app.js';
import type { ApiConfig } from './config.js';
import type { ApiContext } from './context.js';
import { registerRoutes } from './routes.js';
import { authenticator } from './auth/middleware.js';
import { AccessRevocation } from './auth/revocation.js';

export const API_MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export interface ApiDeps {
  /** Shared database (the all-in-one passes its one PGlite); default: opened from the config. */
  db?: Db;
  /** Engines of the other parts, shown to the client's status page. */
  engines?: () => Record<string, string>;
  /** Default: through Redis when REDIS_URL is set, else events are dropped (logged). */
  publisher?: RealtimePublisher;
  /** Default: BullMQ when REDIS_URL is set, else an in-process queue. */
  queue?: JobQueue;
  /**
   * Where the API records new token generations for the realtime handshake. Default: Redis when
   * REDIS_URL is set, else none (the all-in-one passes the one its realtime layer reads).
   */
  generations?: TokenGenerations;
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
  const own = deps.publisher ? undefined : openPublisher(config.redisUrl, 'api-publisher', log);
  const publisher: RealtimePublisher = deps.publisher ?? own!.publisher;
  const ownQueue = !deps.queue;
  // Standalone with REDIS_URL: BullMQ, consumed by transcoders anywhere. Without it, jobs stay in
  // this process and only a transcoder sharing it (the all-in-one) would run them.
  const queue = deps.queue ?? (await createQueue(config.redisUrl, log.child({ module: 'queue' })));
  const redis = config.redisUrl ? createRedis(config.redisUrl, 'api') : undefined;
  redis?.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  let server: Server | undefined;
  const routeResources: Array<readonly [string, () => Promise<unknown> | unknown]> = [];
  const closeRouteResources = () => closeAll(log, routeResources.reverse());
  try {
    const applied = await migrate(db, { dir: API_MIGRATIONS_DIR, table: 'api_migrations' });
    if (applied.length) log.info({ applied }, 'migrations applied');

    const revocation = new AccessRevocation(db, config.auth.tokenCheckCacheMs);
    const revocationListener = await revocation.listen(log);
    routeResources.push(['revocation listener', () => revocationListener.close()]);

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
    const ctx: ApiContext = {
      config,
      db,
      logger: log,
      metrics,
      publisher,
      queue,
      s3,
      redis,
      revocation,
      generations: deps.generations ?? (redis ? redisTokenGenerations(redis) : undefined),
      onClose: (name, close) => void routeResources.push([name, close]),
    };
    const app = createApp(
      {
        logger: log,
        ops,
        metrics,
        clientConfig,
        clientDistDir: config.clientDistDir,
        bodyLimitBytes: config.bodyLimitBytes,
      },
      (app) => {
        app.use('*', async (c, next) => {
          await next();
          requests.inc({ status: String(c.res.status) });
        });
        app.use('/api/*', authenticator(config.jwtSecret, revocation));
        registerRoutes(app, ctx);
      },
    );

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
          ['routes', closeRouteResources],
          ['queue', () => (ownQueue ? queue.close() : undefined)],
          ['publisher', () => own?.close()],
          ['redis', () => redis?.quit().catch(() => redis.disconnect())],
          ['s3', () => s3.destroy()],
          ['database', () => (ownDb ? db.close() : undefined)],
        ]),
      ),
    };
  } catch (err) {
    if (server) await closeServer(server);
    await closeRouteResources();
    await own?.close();
    redis?.disconnect();
    if (ownQueue) await queue.close();
    s3.destroy();
    if (ownDb) await db.close();
    throw err;
  }
}
