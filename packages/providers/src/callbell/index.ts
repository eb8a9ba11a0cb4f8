export * from './client.ts';
export * from './mapper.ts';
