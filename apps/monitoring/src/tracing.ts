// Imported first by main.ts: instrumentation patches http, Nest and mongoose as they load.
import { startServiceTracing } from '@keelson/tracing';
import { monitoringConfig } from './config';

export const tracing = startServiceTracing('monitoring', monitoringConfig.load());
