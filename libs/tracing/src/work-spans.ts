import {
  context,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { recordedSpan } from './nats-propagation';

export type TraceContext = Context;

/** The trace context active now, to be handed to work done later on this caller's behalf. */
export function activeContext(): TraceContext {
  return context.active();
}

/** Runs `work` in a span of its own, a child of the active one: a step worth seeing in a trace. */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = trace.getTracer('@keelson/tracing').startSpan(name, { attributes });
  return context.with(trace.setSpan(context.active(), span), () =>
    recordedSpan(span, () => work(span)),
  );
}

/**
 * Runs work done once for several callers (a micro-batch of stream messages, each in its own
 * consumer span) inside one span. Messages from one trace keep it: the batch span is a child of
 * the first one's span. Messages from several traces cannot all be its parent, so the batch starts
 * a trace of its own, with a link to each message's span, and each message's span gets a link back
 * (OpenTelemetry's batch-processing convention): in Jaeger, any producer's trace leads to the
 * batch that stored its records, and the batch to every message in it.
 */
export function withBatchSpan<T>(
  name: string,
  members: readonly TraceContext[],
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer('@keelson/messaging');
  const spans = members
    .map((member) => trace.getSpan(member))
    .filter((span) => span !== undefined && trace.isSpanContextValid(span.spanContext()));
  const traces = new Set(spans.map((span) => span!.spanContext().traceId));
  const batchAttributes = { ...attributes, 'messaging.batch.message_count': members.length };
  if (traces.size <= 1) {
    const parent = members[0] ?? context.active();
    const span = tracer.startSpan(name, { attributes: batchAttributes }, parent);
    return context.with(trace.setSpan(parent, span), () => recordedSpan(span, work));
  }
  const links: Link[] = spans.map((member) => ({ context: member!.spanContext() }));
  const span = tracer.startSpan(name, { root: true, links, attributes: batchAttributes });
  for (const member of spans) member!.addLink({ context: span.spanContext() });
  return context.with(trace.setSpan(context.active(), span), () => recordedSpan(span, work));
}
