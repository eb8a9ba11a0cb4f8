export * from './client.ts';
export * from './env.ts';
export * from './mapper.ts';
export * from './token.ts';
export * from './webhook.ts';
