import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { MongooseInstrumentation } from '@opentelemetry/instrumentation-mongoose';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  serviceName: string;
  /** Base OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318 (Jaeger v2). */
  otlpEndpoint?: string;
  enabled?: boolean;
  serviceVersion?: string;
  /** Node or pod id, so traces from replicas can be told apart. */
  instanceId?: string;
  /** For tests: export here instead of OTLP. */
  exporter?: SpanExporter;
}

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry for the process. Must run before NestJS, express or mongoose are first
 * required: instrumentation works by patching modules as they load, so an app's `main.ts` imports
 * its `tracing.ts` (which calls this) on its first line.
 */
export function startTracing(options: TracingOptions): { shutdown(): Promise<void> } {
  if (sdk) throw new Error('tracing already started in this process');
  if (options.enabled === false) return { shutdown: async () => undefined };

  const exporter =
    options.exporter ??
    new OTLPTraceExporter({
      url: `${(options.otlpEndpoint ?? 'http://127.0.0.1:4318').replace(/\/$/, '')}/v1/traces`,
    });

  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? '0.1.0',
      'service.instance.id': options.instanceId ?? `${options.serviceName}-${process.pid}`,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
    instrumentations: [
      // Health and metrics scrapes would drown real traffic in traces.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(health|metrics|v2\/health)/.test(req.url ?? ''),
      }),
      new NestInstrumentation(),
      new MongooseInstrumentation(),
    ],
  });
  sdk.start();
  const started = sdk;
  return {
    async shutdown() {
      await started.shutdown();
      sdk = undefined;
    },
  };
}

/** A service's tracing from its loaded telemetry settings: the one call each app's tracing.ts makes. */
export function startServiceTracing(
  serviceName: string,
  settings: { nodeId: string; telemetry: { otlpEndpoint: string; tracesEnabled: boolean } },
): { shutdown(): Promise<void> } {
  return startTracing({
    serviceName,
    instanceId: settings.nodeId,
    otlpEndpoint: settings.telemetry.otlpEndpoint,
    enabled: settings.telemetry.tracesEnabled,
  });
}
