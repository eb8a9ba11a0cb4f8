import { loadConfig, runWorkerApp } from '@cauce/runtime';
import { whatsappWorkerOptions } from './app.ts';
import { whatsappEnv } from './config.ts';

await runWorkerApp(whatsappWorkerOptions(loadConfig(whatsappEnv)));
