export * from './batch-loader.ts';
export * from './errors.ts';
export * from './http-client.ts';
export * from './lease.ts';
export * from './rate-limiter.ts';
export * from './redis.ts';
export * from './secrets.ts';
