export * from './app.ts';
export * from './backfill.ts';
export * from './collapse.ts';
export * from './config.ts';
export * from './metrics.ts';
export * from './service.ts';
export * from './store.ts';
export * from './webhook-event.ts';
