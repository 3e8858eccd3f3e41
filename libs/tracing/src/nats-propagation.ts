import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

/** The part of NATS message headers (MsgHdrs) that propagation needs. */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
  keys(): string[];
}

const setter: TextMapSetter<HeaderCarrier> = {
  set: (carrier, key, value) => carrier.set(key, value),
};
const getter: TextMapGetter<HeaderCarrier> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: (carrier) => carrier.keys(),
};

const tracer = () => trace.getTracer('@keelson/messaging');

const sendAttributes = (subject: string): Attributes => ({
  'messaging.system': 'nats',
  'messaging.operation.type': 'send',
  'messaging.destination.name': subject,
});

/** Ends `span` when `work` settles, marked failed (with the exception) when it rejects. */
export function recordedSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  return work().then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      span.end();
      throw error;
    },
  );
}

/**
 * Runs a publish inside a PRODUCER span and writes that span's W3C `traceparent`/`tracestate` into
 * the message headers, so the consumer's span becomes its child, in whichever service it runs.
 */
export function withProducerSpan<T>(
  subject: string,
  headers: HeaderCarrier,
  attributes: Attributes,
  publish: () => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(`send ${subject}`, {
    kind: SpanKind.PRODUCER,
    attributes: { ...sendAttributes(subject), ...attributes },
  });
  const ctx = trace.setSpan(context.active(), span);
  propagation.inject(ctx, headers, setter);
  return context.with(ctx, () => recordedSpan(span, publish));
}

/** Runs a handler inside a CONSUMER span whose parent is the trace context carried by the message. */
export function withConsumerSpan<T>(
  subject: string,
  headers: HeaderCarrier | undefined,
  attributes: Attributes,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = headers
    ? propagation.extract(context.active(), headers, getter)
    : context.active();
  const span = tracer().startSpan(
    `process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.destination.name': subject,
        ...attributes,
      },
    },
    parent,
  );
  return context.with(trace.setSpan(parent, span), () => recordedSpan(span, handle));
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a W3C `traceparent` header value (an all-zero id is no trace). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const id = traceparent && TRACEPARENT.exec(traceparent.trim())?.[1];
  return id && !/^0+$/.test(id) ? id : undefined;
}

/** The active trace id, or undefined outside a span; for logs and stored records. */
export function currentTraceId(): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

/** Marks the active span failed without ending it, for errors a caller handles rather than throws. */
export function recordSpanError(error: unknown): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * One PRODUCER span for a batch of messages published together (the records of one request): its
 * context goes into every message's headers, so each consumer span is still its child, without
 * paying for a span per message.
 */
export function withBatchProducerSpan<T>(
  subject: string,
  count: number,
  publish: (inject: (headers: HeaderCarrier) => void) => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(`send ${subject}`, {
    kind: SpanKind.PRODUCER,
    attributes: { ...sendAttributes(subject), 'messaging.batch.message_count': count },
  });
  const ctx = trace.setSpan(context.active(), span);
  const inject = (headers: HeaderCarrier) => propagation.inject(ctx, headers, setter);
  return context.with(ctx, () => recordedSpan(span, () => publish(inject)));
}
