// Imported first by main.ts: instrumentation patches http, Nest and mongoose as they load.
import { startTracing } from '@keelson/tracing';
import { ingestionConfig } from './config';

const config = ingestionConfig.load();

export const tracing = startTracing({
  serviceName: 'ingestion',
  instanceId: config.nodeId,
  otlpEndpoint: config.telemetry.otlpEndpoint,
  enabled: config.telemetry.tracesEnabled,
});
