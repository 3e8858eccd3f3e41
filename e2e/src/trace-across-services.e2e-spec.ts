import { join } from 'node:path';
import { connectNats, provision } from '@keelson/messaging';
import { uuidv7 } from '@keelson/schemas';
import { runTsProcess, testInfra, testStream, waitFor, type TsProcess } from '@keelson/testing';

const jaegerQuery = process.env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686';
const script = join(__dirname, 'trace-hop.ts');

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: Array<{ refType: string; spanID: string; traceID: string }>;
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

async function fetchTrace(traceId: string): Promise<JaegerTrace | undefined> {
  const response = await fetch(`${jaegerQuery}/api/traces/${traceId}`);
  if (!response.ok) return undefined;
  const body = (await response.json()) as { data?: JaegerTrace[] };
  return body.data?.[0];
}

describe('one trace follows an event across two service processes into Jaeger', () => {
  const children: TsProcess[] = [];
  afterAll(() => Promise.all(children.map((c) => c.kill())));

  it('shows the producer and consumer services in one trace, the CONSUMER span a child of the PRODUCER span', async () => {
    const jaegerUp = await fetch(jaegerQuery).then(
      (r) => r.ok,
      () => false,
    );
    if (!jaegerUp)
      throw new Error(
        `Jaeger is not answering at ${jaegerQuery}; start it with ./keelson infra up`,
      );

    const messaging = await connectNats({ url: testInfra.natsUrl, name: 'e2e-trace-test' });
    const { stream, consumer, prefix } = testStream();
    await provision(messaging.nc, messaging.jsm, { streams: [stream], consumers: [consumer] });
    try {
      const env = {
        HOP_SUBJECT: `${prefix}.hop`,
        HOP_CONSUMER: JSON.stringify(consumer),
        HOP_EVENT_ID: uuidv7(),
      };
      const consumerProcess = runTsProcess(script, { ...env, ROLE: 'consumer' });
      children.push(consumerProcess);
      await consumerProcess.waitForOutput('ready');
      const producerProcess = runTsProcess(script, { ...env, ROLE: 'producer' });
      children.push(producerProcess);
      await producerProcess.waitForOutput('flushed');
      await consumerProcess.waitForOutput('flushed');

      const traceId = /published ([0-9a-f]{32})/.exec(producerProcess.output())![1];
      expect(consumerProcess.output()).toContain(`consumed ${traceId}`);

      const found = await waitFor('the trace in Jaeger with spans from both services', async () => {
        const t = await fetchTrace(traceId);
        const services = new Set(Object.values(t?.processes ?? {}).map((p) => p.serviceName));
        return services.has('e2e-producer') && services.has('e2e-consumer') && t!.spans.length >= 3
          ? t
          : undefined;
      });
      const service = (span: JaegerSpan) => found.processes[span.processID].serviceName;
      const producerSpan = found.spans.find((s) => s.operationName === `send ${prefix}.hop`)!;
      const consumerSpan = found.spans.find((s) => s.operationName === `process ${prefix}.hop`)!;
      expect(service(producerSpan)).toBe('e2e-producer');
      expect(service(consumerSpan)).toBe('e2e-consumer');
      expect(consumerSpan.references).toEqual([
        expect.objectContaining({
          refType: 'CHILD_OF',
          spanID: producerSpan.spanID,
          traceID: traceId,
        }),
      ]);
    } finally {
      await messaging.jsm.streams.delete(stream.name);
      await messaging.drain();
    }
  });
});
