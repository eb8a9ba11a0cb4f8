import { loadConfig, runWorkerApp } from '@cauce/runtime';
import { ordersWorkerOptions } from './app.ts';
import { ordersEnv } from './config.ts';

await runWorkerApp(ordersWorkerOptions(loadConfig(ordersEnv)));
