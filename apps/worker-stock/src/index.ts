export * from './app.ts';
export * from './config.ts';
export * from './events.ts';
export * from './metrics.ts';
export * from './service.ts';
export * from './store.ts';
export * from './sync.ts';
