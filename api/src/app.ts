import { relative } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { serveStatic } from '@hono/node-server/serve-static';
import { AppError, toAppError, toProblem, type Logger, type Ops } from '@learnlive/common';
import type { ClientConfig } from '@learnlive/contracts';
import type { Registry } from 'prom-client';
import type { Context } from 'hono';
import type { ZodError } from 'zod';

export interface AppDeps {
  logger: Logger;
  ops: Ops;
  metrics: Registry;
  clientConfig: () => ClientConfig;
  clientDistDir: string | undefined;
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
    const appError = toAppError(err);
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
