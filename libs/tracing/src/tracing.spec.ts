import { Writable } from 'node:stream';
import { context, propagation, trace, SpanKind } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { inMemoryTracing } from '@keelson/testing';
import { activeContext, withBatchSpan, type TraceContext } from './work-spans';
import { createLogger } from './logger';
import {
  currentTraceId,
  traceIdOf,
  withConsumerSpan,
  withProducerSpan,
  type HeaderCarrier,
} from './nats-propagation';

class MapHeaders implements HeaderCarrier {
  readonly values = new Map<string, string>();
  get(key: string) {
    return this.values.get(key) ?? '';
  }
  set(key: string, value: string) {
    this.values.set(key, value);
  }
  keys() {
    return [...this.values.keys()];
  }
}

let exporter: InMemorySpanExporter;

beforeAll(() => {
  exporter = inMemoryTracing();
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

describe('trace context over NATS headers', () => {
  it('makes the consumer span a child of the producer span, across a header round trip', async () => {
    const headers = new MapHeaders();
    await withProducerSpan(
      'records.validated.credit',
      headers,
      { 'messaging.message.id': 'e1' },
      async () => undefined,
    );
    expect(headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // Only the header text crosses the wire.
    const received = new MapHeaders();
    for (const key of headers.keys()) received.set(key, headers.get(key));
    let traceIdInHandler: string | undefined;
    await withConsumerSpan('records.validated.credit', received, {}, async () => {
      traceIdInHandler = currentTraceId();
    });

    const [producer, consumer] = exporter.getFinishedSpans();
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(traceIdInHandler).toBe(producer.spanContext().traceId);
    expect(producer.attributes['messaging.destination.name']).toBe('records.validated.credit');
  });

  it('marks the consumer span as failed when the handler throws, and rethrows', async () => {
    await expect(
      withConsumerSpan('s', undefined, {}, async () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: 2, message: 'boom' });
  });
});

describe('a batch span for several messages', () => {
  /** Runs `inside` in a consumer span for a message carrying `traceparent` (none: a new trace). */
  const inMessage = <T>(traceparent: string | undefined, inside: () => Promise<T>) => {
    const headers = new MapHeaders();
    if (traceparent) headers.set('traceparent', traceparent);
    return withConsumerSpan('ingest.credit', headers, {}, inside);
  };
  const parent = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;

  it('starts a trace of its own linked both ways to each message of several traces', async () => {
    const members: TraceContext[] = [];
    let release!: () => void;
    const batchDone = new Promise<void>((resolve) => (release = resolve));
    const consumers = ['a', 'b', 'c'].map((t) =>
      inMessage(parent(t.repeat(32), '1'.repeat(16)), async () => {
        members.push(activeContext());
        await batchDone; // as a stream message waits for its batch to be stored
      }),
    );
    let traceInBatch: string | undefined;
    await withBatchSpan(
      'ingest batch credit',
      members,
      { 'keelson.dataset': 'credit' },
      async () => {
        traceInBatch = currentTraceId();
      },
    );
    release();
    await Promise.all(consumers);

    const spans = exporter.getFinishedSpans();
    const batch = spans.find((s) => s.name === 'ingest batch credit')!;
    const messages = spans.filter((s) => s.name === 'process ingest.credit');
    expect(messages.map((s) => s.spanContext().traceId).sort()).toEqual(
      ['a', 'b', 'c'].map((t) => t.repeat(32)),
    );
    expect(batch.parentSpanContext).toBeUndefined();
    expect(traceInBatch).toBe(batch.spanContext().traceId);
    expect(messages.map((s) => s.spanContext().traceId)).not.toContain(traceInBatch);
    expect(batch.links.map((l) => l.context.spanId).sort()).toEqual(
      messages.map((s) => s.spanContext().spanId).sort(),
    );
    for (const message of messages)
      expect(message.links.map((l) => l.context.spanId)).toEqual([batch.spanContext().spanId]);
    expect(batch.attributes).toMatchObject({
      'messaging.batch.message_count': 3,
      'keelson.dataset': 'credit',
    });
  });

  it('stays in the trace when every message is of one trace, and fails with its work', async () => {
    const members: TraceContext[] = [];
    const trace = 'd'.repeat(32);
    await Promise.all(
      ['1', '2'].map((s) =>
        inMessage(parent(trace, s.repeat(16)), async () => void members.push(activeContext())),
      ),
    );
    await expect(
      withBatchSpan('ingest batch credit', members, {}, () => Promise.reject(new Error('down'))),
    ).rejects.toThrow('down');
    const batch = exporter.getFinishedSpans().find((s) => s.name === 'ingest batch credit')!;
    const [first] = exporter.getFinishedSpans();
    expect(batch.spanContext().traceId).toBe(trace);
    expect(batch.parentSpanContext?.spanId).toBe(first.spanContext().spanId);
    expect(batch.links).toEqual([]);
    expect(batch.status).toEqual({ code: 2, message: 'down' });
  });
});

describe('traceIdOf', () => {
  it('reads the trace id of a traceparent and refuses the invalid and the all-zero one', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdOf('nope')).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});

describe('logger', () => {
  it('writes JSON lines carrying the active trace and span ids', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ name: 'test', destination });
    logger.info('outside');
    let traceId = '';
    await withConsumerSpan('s', undefined, {}, async () => {
      traceId = currentTraceId() ?? '';
      logger.info('inside');
    });
    const [outside, inside] = lines.map((l) => JSON.parse(l));
    expect(outside.trace_id).toBeUndefined();
    expect(inside).toMatchObject({
      level: 'info',
      msg: 'inside',
      service: 'test',
      trace_id: traceId,
    });
    expect(inside.span_id).toMatch(/^[0-9a-f]{16}$/);
  });
});
