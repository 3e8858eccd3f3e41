// Imported first by main.ts: instrumentation patches http, Nest and mongoose as they load.
import { startTracing } from '@keelson/tracing';
import { preprocessingConfig } from './config';

const config = preprocessingConfig.load();

export const tracing = startTracing({
  serviceName: 'preprocessing',
  instanceId: config.nodeId,
  otlpEndpoint: config.telemetry.otlpEndpoint,
  enabled: config.telemetry.tracesEnabled,
});
