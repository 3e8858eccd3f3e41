import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { CloudEvent } from '@keelson/schemas';
import { currentTraceId } from '@keelson/tracing';
import { waitFor } from '@keelson/testing';
import { messagingFixture, type MessagingFixture } from './fixture';

describe('trace context across a real publish and consume', () => {
  const exporter = new InMemorySpanExporter();
  let f: MessagingFixture;

  beforeAll(() => {
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(async () => {
    await f?.cleanup();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('continues the publisher trace in the consumer: same trace id, the PRODUCER span as parent', async () => {
    f = await messagingFixture();
    const handlerTraceIds: Array<string | undefined> = [];
    await f
      .runner(async (_e: CloudEvent<unknown>) => void handlerTraceIds.push(currentTraceId()))
      .start();

    // The publish happens inside a request's span, as it would in an HTTP handler.
    const request = trace.getTracer('test').startSpan('POST /v1/records');
    await context.with(trace.setSpan(context.active(), request), () =>
      f.publisher.publish(f.Ping, { n: 1 }, { subject: 'ping' }),
    );
    request.end();

    await waitFor('the consumer span', () =>
      exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER),
    );
    const spans = exporter.getFinishedSpans();
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER)!;
    const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER)!;
    expect(producer.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(producer.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(consumer.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': f.subject,
      'messaging.consumer.group.name': 'worker',
    });
    expect(handlerTraceIds).toEqual([request.spanContext().traceId]);
  });
});
