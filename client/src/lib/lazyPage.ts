import type { ComponentType } from 'react';
import type { RouteObject } from 'react-router-dom';

/**
 * A route's page loaded on first visit (its own chunk), so the first page does not carry
 * mediasoup-client, hls.js or tus-js-client. `pick` names the component in the module.
 */
export function lazyPage<M>(load: () => Promise<M>, pick: (module: M) => ComponentType): RouteObject['lazy'] {
  return async () => ({ Component: pick(await load()) });
}
