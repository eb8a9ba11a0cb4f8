import { loadConfig, runWorkerApp } from '@cauce/runtime';
import { bookingsWorkerOptions } from './app.ts';
import { bookingsEnv } from './config.ts';

await runWorkerApp(bookingsWorkerOptions(loadConfig(bookingsEnv)));
