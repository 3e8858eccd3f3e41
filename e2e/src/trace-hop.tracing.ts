// Started before anything else is loaded, exactly as an app's main.ts does with its tracing.ts.
import { startTracing } from '@keelson/tracing';

export const role = process.env.ROLE ?? 'producer';
export const tracing = startTracing({
  serviceName: `e2e-${role}`,
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
});
