import { loadConfig, runWorkerApp } from '@cauce/runtime';
import { stockWorkerOptions } from './app.ts';
import { stockEnv } from './config.ts';

await runWorkerApp(stockWorkerOptions(loadConfig(stockEnv)));
