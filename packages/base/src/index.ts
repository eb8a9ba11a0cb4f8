export * from './batch-loader.ts';
export * from './errors.ts';
export * from './http-client.ts';
export * from './lease.ts';
export * from './provider-budget.ts';
export * from './redis.ts';
export * from './registered-metric.ts';
export * from './secrets.ts';
