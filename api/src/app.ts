import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { serveStatic } from '@hono/node-server/serve-static';
import { swaggerUI } from '@hono/swagger-ui';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { AppError, toAppError, toProblem, type Logger, type Ops } from '@learnlive/common';
import type { ClientConfig } from '@learnlive/contracts';
import type { Registry } from 'prom-client';
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { rejectUnstorableText } from './storableText.js';

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

export interface AppDeps {
  logger: Logger;
  ops: Ops;
  metrics: Registry;
  clientConfig: () => ClientConfig;
  clientDistDir: string | undefined;
  /** Largest accepted request body (413 above it). @default 1 MiB */
  bodyLimitBytes?: number;
}

/** hono's own exceptions (malformed JSON, wrong media type…) as our stable codes. */
function fromHttpException(err: HTTPException): AppError {
  if (err.status === 413) return new AppError('payload_too_large', 'the request body is too large');
  if (err.status === 401) return new AppError('unauthenticated', err.message || 'sign in first');
  if (err.status >= 400 && err.status < 500)
    return new AppError('bad_request', err.message || 'the request cannot be read', { cause: err });
  return new AppError('internal', 'internal error', { cause: err });
}

export function problem(c: Context, err: AppError) {
  return c.body(JSON.stringify(toProblem(err, c.req.path)), err.status as 400, {
    'content-type': 'application/problem+json',
  });
}

export function validationError(error: ZodError): AppError {
  return new AppError('validation_failed', 'the request does not match the schema', {
    fieldErrors: error.issues.map((issue) => ({
      path: issue.path.join('.') || '(body)',
      message: issue.message,
    })),
  });
}

/**
 * The API's HTTP app. Every error leaves as `application/problem+json` with a stable code;
 * unknown errors are logged once and answer `internal`.
 */
export function createApp(deps: AppDeps, registerRoutes: (app: OpenAPIHono) => void = () => {}): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return problem(c, validationError(result.error));
    },
  });

  app.onError((err, c) => {
    const appError = err instanceof HTTPException ? fromHttpException(err) : toAppError(err);
    if (appError.code === 'internal') deps.logger.error({ err, path: c.req.path }, 'unhandled error');
    return problem(c, appError);
  });

  app.get('/healthz', (c) => c.json(deps.ops.health()));
  app.get('/readyz', async (c) => {
    const readiness = await deps.ops.readiness();
    return c.json(readiness, readiness.status === 'ready' ? 200 : 503);
  });
  app.get('/metrics', async (c) =>
    c.body(await deps.metrics.metrics(), 200, { 'content-type': deps.metrics.contentType }),
  );

  const limitBody = bodyLimit({
    maxSize: deps.bodyLimitBytes ?? 1024 * 1024,
    onError: (c) => problem(c, new AppError('payload_too_large', 'the request body is too large')),
  });
  // GET and HEAD bodies are never read; bodyLimit would build a full fetch Request for each
  // (reading `.body`), which cost the catalog about a tenth of its throughput (bench:api).
  app.use('/api/*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next),
  );
  app.use('/api/*', rejectUnstorableText());
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  // Built from the routes' zod schemas when asked, so every module's routes are in it.
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'LearnLive API', version: '0.1.0' },
  });
  // Swagger UI's files come from the swagger-ui-dist package, not a CDN: the page works offline.
  const swaggerRoot = relative(process.cwd(), SWAGGER_UI_DIR) || '.';
  app.get(
    '/api/docs/assets/*',
    serveStatic({
      root: swaggerRoot,
      rewriteRequestPath: (path) => path.replace(/^\/api\/docs\/assets/, ''),
    }),
  );
  app.get(
    '/api/docs',
    swaggerUI({
      url: '/api/openapi.json',
      title: 'LearnLive API',
      manuallySwaggerUIHtml: () => `
        <div id="swagger-ui"></div>
        <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css" />
        <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
        <script>
          window.onload = () => {
            window.ui = SwaggerUIBundle({ dom_id: '#swagger-ui', url: '/api/openapi.json' });
          };
        </script>`,
    }),
  );

  app.get('/api/health', (c) => c.json(deps.ops.health()));
  app.get('/api/config', (c) => c.json(deps.clientConfig()));
  registerRoutes(app);

  app.notFound((c) => {
    if (c.req.path.startsWith('/api/') || !deps.clientDistDir) {
      return problem(c, new AppError('not_found', `no route ${c.req.method} ${c.req.path}`));
    }
    return c.notFound();
  });

  if (deps.clientDistDir) {
    const root = relative(process.cwd(), deps.clientDistDir) || '.';
    app.use('*', async (c, next) => {
      if (c.req.path.startsWith('/api/')) return next();
      return serveStatic({ root })(c, next);
    });
    // Client-side routes: any other GET outside /api gets the single page.
    app.get('*', async (c, next) => {
      if (c.req.path.startsWith('/api/')) return next();
      return serveStatic({ root, path: 'index.html' })(c, next);
    });
  }
  return app;
}
