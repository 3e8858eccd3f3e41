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

  it('gives a batch one PRODUCER span that parents every consumer span', async () => {
    exporter.reset();
    const batch = await messagingFixture();
    try {
      let handled = 0;
      await batch.runner(async () => void handled++).start();
      const results = await batch.publisher.publishMany(
        batch.Ping,
        [1, 2, 3].map((n) => ({ data: { n }, options: { subject: 'ping' } })),
      );
      expect(new Set(results.map((r) => r.id)).size).toBe(3);
      await waitFor(
        'three consumer spans',
        () => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER).length === 3,
      );
      const producers = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.PRODUCER);
      expect(producers).toHaveLength(1);
      expect(producers[0].attributes['messaging.batch.message_count']).toBe(3);
      for (const consumer of exporter
        .getFinishedSpans()
        .filter((s) => s.kind === SpanKind.CONSUMER)) {
        expect(consumer.parentSpanContext?.spanId).toBe(producers[0].spanContext().spanId);
      }
      expect(handled).toBe(3);
    } finally {
      await batch.cleanup();
    }
  });
});
