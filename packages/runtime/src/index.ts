// The leaf (errors, HTTP client, secrets, lease), re-exported so an app imports its worker
// runtime from one place.
export * from '@cauce/base';
export * from './backoff.ts';
export * from './config.ts';
export * from './health-server.ts';
export * from './local-settings.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './queue-metrics.ts';
export * from './redis.ts';
export * from './role.ts';
export * from './schedule.ts';
export * from './wasm-tier.ts';
export * from './webhook-lifecycle.ts';
export * from './worker-app.ts';
export * from './worker-config.ts';
export * from './worker-registry.ts';
