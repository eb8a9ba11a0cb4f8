import type { TestProject } from 'vitest/node';
import { dropStaleTestDatabases, ensureTemplateDatabase } from './database.ts';
import { resolveServices } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    templateDatabase: string;
  }
}

/** Vitest global setup for integration projects: services, then the migrated template database. */
export default async function setup(project: TestProject) {
  const services = await resolveServices();
  await dropStaleTestDatabases(services.databaseUrl);
  const template = await ensureTemplateDatabase(services.databaseUrl);
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('redisUrl', services.redisUrl);
  project.provide('templateDatabase', template);
  return async () => {
    await services.stop?.();
  };
}
