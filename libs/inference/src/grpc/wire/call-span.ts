/**
 * A server span for each gRPC call, child of the caller's trace context from the call's metadata
 * (`traceparent`), as OpenTelemetry's HTTP instrumentation gives every REST request: a call that
 * crosses the gateway to a node over gRPC is one trace. Without a tracing SDK started, the spans
 * are the API's no-op ones.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { status } from '@grpc/grpc-js';

const tracer = trace.getTracer('@keelson/inference-grpc');

/** Starts the call's span (named `package.Service/Method`); runs `work` with it active. */
export function inCallSpan<T>(
  path: string,
  metadata: IncomingHttpHeaders,
  work: () => Promise<T>,
): { span: Span; result: Promise<T> } {
  const parent: Context = propagation.extract(ROOT_CONTEXT, metadata);
  const name = path.startsWith('/') ? path.slice(1) : path;
  const [service, method] = name.split('/');
  const span = tracer.startSpan(
    name,
    {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method },
    },
    parent,
  );
  return { span, result: context.with(trace.setSpan(parent, span), work) };
}

/** Ends the span with the call's gRPC status (an error span for any but OK). */
export function endCallSpan(span: Span, code: status, message?: string): void {
  span.setAttribute('rpc.grpc.status_code', code);
  if (code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}
