// Imported first by main.ts: instrumentation patches http, Nest and mongoose as they load.
import { startServiceTracing } from '@keelson/tracing';
import { recoveryConfig } from './config';

export const tracing = startServiceTracing('recovery', recoveryConfig.load());
