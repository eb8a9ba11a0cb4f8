export * from './app.ts';
export * from './audit.ts';
export * from './config.ts';
export * from './metrics.ts';
export * from './notify.ts';
export * from './sweep.ts';
export * from './sync-order.ts';
