import { loadConfig, runWorkerApp } from '@cauce/runtime';
import { stagingWorkerOptions } from './app.ts';
import { stagingEnv } from './config.ts';

await runWorkerApp(stagingWorkerOptions(loadConfig(stagingEnv)));
