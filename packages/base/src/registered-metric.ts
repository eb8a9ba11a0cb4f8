import type { Registry } from 'prom-client';

/**
 * The metric of that name already in the registry, else a new one: an app built twice on one
 * registry (tests, a rebuilt server) shares its series instead of failing to register.
 */
export function registered<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}
