export * from './csv-import.ts';
export * from './jobs.ts';
export * from './move-prefix.ts';
export * from './names.ts';
export * from './options.ts';
export * from './producer.ts';
export * from './schemas.ts';
