export * from './names.ts';
export * from './options.ts';
export * from './schemas.ts';
export * from './producer.ts';
