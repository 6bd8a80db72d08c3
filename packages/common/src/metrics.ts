import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per service (not prom-client's global one), so the all-in-one process can
 * host several services without metric name clashes in its registries.
 */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}
