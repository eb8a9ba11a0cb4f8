export * from './client.ts';
export * from './mapper.ts';
export * from './webhook.ts';
