import type { Registry } from 'prom-client';
import { json, type Routes } from './http.js';
import type { Ops } from './readiness.js';

/** `/healthz`, `/readyz` and `/metrics`, for any HTTP stack that serves `Routes`. */
export function opsRoutes(ops: Ops, metrics: Registry): Routes {
  return {
    '/healthz': async () => json(200, ops.health()),
    '/readyz': async () => {
      const readiness = await ops.readiness();
      return json(readiness.status === 'ready' ? 200 : 503, readiness);
    },
    '/metrics': async () => ({
      status: 200,
      contentType: metrics.contentType,
      body: await metrics.metrics(),
    }),
  };
}
