import { connect } from 'node:http2';
import { SpanKind, trace } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { status } from '@grpc/grpc-js';
import { inMemoryTracing } from '@keelson/testing';
import { frameMessage, GrpcStatusError } from './grpc-wire';
import { startUnaryGrpcServer, type UnaryMethod } from './unary-grpc-server';

let exporter: InMemorySpanExporter;

beforeAll(() => {
  exporter = inMemoryTracing();
});

/** Answers with the trace id active while it runs; "fail" fails NOT_FOUND. */
const traced: UnaryMethod<string, string> = {
  decode: (bytes) => bytes.toString(),
  encode: (text) => Buffer.from(text),
  run: async (text) => {
    if (text === 'fail') throw new GrpcStatusError(status.NOT_FOUND, 'no such model');
    return trace.getActiveSpan()?.spanContext().traceId ?? 'none';
  },
};

it("gives each call a server span in the caller's trace, active while the method runs", async () => {
  const server = await startUnaryGrpcServer(
    new Map([['/test.Trace/Run', traced as UnaryMethod]]),
    '127.0.0.1:0',
    { maxMessageBytes: 1024, toStatus: () => ({ code: status.INTERNAL, message: 'x' }) },
  );
  const session = connect(`http://127.0.0.1:${server.port}`);
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const call = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/test.Trace/Run',
        'content-type': 'application/grpc',
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      });
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve(Buffer.concat(chunks).subarray(5).toString()));
      stream.on('error', reject);
      stream.end(frameMessage(Buffer.from(text)));
    });
  try {
    expect(await call('hello')).toBe(traceId);
    await call('fail');
  } finally {
    session.close();
    await server.shutdown();
  }
  const spans = exporter.getFinishedSpans();
  expect(spans.map((s) => [s.name, s.kind, s.spanContext().traceId])).toEqual([
    ['test.Trace/Run', SpanKind.SERVER, traceId],
    ['test.Trace/Run', SpanKind.SERVER, traceId],
  ]);
  expect(spans[0].parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  expect(spans.map((s) => s.attributes['rpc.grpc.status_code'])).toEqual([0, status.NOT_FOUND]);
  expect(spans[1].status.message).toBe('no such model');
});
