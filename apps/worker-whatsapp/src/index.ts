export * from './app.ts';
export * from './config.ts';
export * from './connections-file.ts';
export * from './metrics.ts';
export * from './report-text.ts';
export * from './sync.ts';
export * from './watcher.ts';
